/// `aegis_executor`: the Kubernetes action audit log and what the executor counts.
/// Forward-only: never edit a released migration.
enum ExecutorMigrations {
    static let all: [Migration] = [
        Migration(version: 1, name: "0001_executor_schema.sql", sql: schema),
    ]

    static let schema = """
        SET LOCAL ROLE aegis_owner;

        \(AppendOnlySQL.function)

        CREATE TABLE action_audit_logs (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            action_type VARCHAR(50) NOT NULL,
            status VARCHAR(20) NOT NULL,
            namespace VARCHAR(255) NOT NULL,
            resource_name VARCHAR(255) NOT NULL,
            action_params JSONB NOT NULL,
            policy_decision JSONB,
            user_id VARCHAR(255),
            error_message TEXT,
            execution_duration INTEGER CHECK (execution_duration >= 0),
            created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
        );
        CREATE INDEX action_audit_logs_created_at_idx ON action_audit_logs (created_at);
        CREATE INDEX action_audit_logs_namespace_idx ON action_audit_logs (namespace, created_at);
        CREATE INDEX action_audit_logs_action_type_idx ON action_audit_logs (action_type, status);
        \(AppendOnlySQL.triggers(on: "action_audit_logs", archivable: true))

        CREATE TABLE action_statistics (
            id SERIAL PRIMARY KEY,
            date DATE NOT NULL,
            action_type VARCHAR(50) NOT NULL,
            namespace VARCHAR(255) NOT NULL,
            total_count INTEGER NOT NULL DEFAULT 0 CHECK (total_count >= 0),
            success_count INTEGER NOT NULL DEFAULT 0 CHECK (success_count >= 0),
            failure_count INTEGER NOT NULL DEFAULT 0 CHECK (failure_count >= 0),
            avg_duration_ms NUMERIC(12, 2) CHECK (avg_duration_ms >= 0),
            updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
            UNIQUE (date, action_type, namespace)
        );
        CREATE INDEX action_statistics_namespace_idx ON action_statistics (namespace, date);

        CREATE TABLE rate_limit_tracking (
            id BIGSERIAL PRIMARY KEY,
            key VARCHAR(255) NOT NULL,
            namespace VARCHAR(255),
            action_type VARCHAR(50),
            window_start TIMESTAMP WITH TIME ZONE NOT NULL,
            request_count INTEGER NOT NULL DEFAULT 0 CHECK (request_count >= 0),
            created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
            UNIQUE (key, window_start)
        );
        CREATE INDEX rate_limit_tracking_window_start_idx ON rate_limit_tracking (window_start);
        CREATE INDEX rate_limit_tracking_namespace_idx ON rate_limit_tracking (namespace);

        -- action_id has no foreign key: the audit row it explains may be archived first.
        CREATE TABLE execution_errors (
            id BIGSERIAL PRIMARY KEY,
            action_id UUID,
            error_type VARCHAR(100) NOT NULL,
            error_message TEXT NOT NULL,
            stack_trace TEXT,
            context JSONB,
            namespace VARCHAR(255),
            created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
        );
        CREATE INDEX execution_errors_action_id_idx ON execution_errors (action_id);
        CREATE INDEX execution_errors_created_at_idx ON execution_errors (created_at);
        CREATE INDEX execution_errors_namespace_idx ON execution_errors (namespace);

        GRANT SELECT, INSERT, UPDATE, DELETE ON action_statistics, rate_limit_tracking, execution_errors TO aegis_app;
        GRANT SELECT, INSERT ON action_audit_logs TO aegis_app;
        GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO aegis_app;
        GRANT SELECT, DELETE ON action_audit_logs TO aegis_archiver;

        \(AppendOnlySQL.archiveTable(of: "action_audit_logs"))

        -- archive_old_audit_logs(days), as the platform's apps call it: moves actions older than `days` days into the
        -- archive in one statement; returns how many.
        CREATE FUNCTION archive_old_audit_logs(days integer) RETURNS bigint
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        DECLARE
            moved_count bigint;
        BEGIN
            IF days IS NULL OR days < 1 THEN
                RAISE EXCEPTION 'archive_old_audit_logs: days must be at least 1, not %', days
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
            WITH moved AS (
                DELETE FROM action_audit_logs WHERE created_at < now() - days * interval '1 day' RETURNING *
            )
            INSERT INTO action_audit_logs_archive SELECT * FROM moved;
            GET DIAGNOSTICS moved_count = ROW_COUNT;
            RETURN moved_count;
        END
        $$;
        \(AppendOnlySQL.archiveFunctionGrants("archive_old_audit_logs(integer)"))
        """
}
