/// `aegis_backend`: users, RBAC, policies and the policy decision audit log.
/// Forward-only: never edit a released migration, add the next version.
enum BackendMigrations {
    static let all: [Migration] = [
        Migration(version: 1, name: "0001_backend_schema.sql", sql: schema),
    ]

    static let schema = """
        SET LOCAL ROLE aegis_owner;

        \(AppendOnlySQL.function)

        CREATE TABLE users (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            email VARCHAR(255) UNIQUE NOT NULL,
            password VARCHAR(255) NOT NULL,
            first_name VARCHAR(100),
            last_name VARCHAR(100),
            is_active BOOLEAN NOT NULL DEFAULT true,
            last_login_at TIMESTAMP WITH TIME ZONE,
            created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
            updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
        );
        CREATE INDEX users_created_at_idx ON users (created_at);

        CREATE TABLE roles (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            name VARCHAR(100) UNIQUE NOT NULL,
            description TEXT,
            permissions JSONB NOT NULL DEFAULT '[]'::jsonb,
            created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
            updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
        );

        CREATE TABLE user_roles (
            user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            role_id UUID NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
            granted_by UUID REFERENCES users (id) ON DELETE SET NULL,
            created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
            PRIMARY KEY (user_id, role_id)
        );
        CREATE INDEX user_roles_role_id_idx ON user_roles (role_id);

        CREATE TABLE policies (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            name VARCHAR(255) UNIQUE NOT NULL,
            description TEXT,
            effect VARCHAR(10) NOT NULL CHECK (effect IN ('allow', 'deny')),
            actions TEXT[] NOT NULL,
            resources TEXT[] NOT NULL,
            conditions JSONB,
            priority INTEGER NOT NULL DEFAULT 100,
            is_active BOOLEAN NOT NULL DEFAULT true,
            created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
            updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
        );
        CREATE INDEX policies_priority_idx ON policies (priority) WHERE is_active;
        CREATE INDEX policies_created_at_idx ON policies (created_at);

        -- Immutable: no foreign keys, so that a decision stays on record after its user or
        -- policy is deleted.
        CREATE TABLE policy_audit_logs (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            user_id VARCHAR(255),
            action VARCHAR(255) NOT NULL,
            resource TEXT NOT NULL,
            result VARCHAR(10) NOT NULL CHECK (result IN ('allow', 'deny')),
            policy_id UUID,
            reason TEXT,
            context JSONB,
            created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
        );
        CREATE INDEX policy_audit_logs_created_at_idx ON policy_audit_logs (created_at);
        CREATE INDEX policy_audit_logs_user_id_idx ON policy_audit_logs (user_id, created_at);
        \(AppendOnlySQL.triggers(on: "policy_audit_logs", archivable: true))

        CREATE TABLE session_cache (
            session_id VARCHAR(255) PRIMARY KEY,
            user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            data JSONB NOT NULL,
            expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
            created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
        );
        CREATE INDEX session_cache_user_id_idx ON session_cache (user_id);
        CREATE INDEX session_cache_expires_at_idx ON session_cache (expires_at);

        GRANT SELECT, INSERT, UPDATE, DELETE ON users, roles, user_roles, policies, session_cache TO aegis_app;
        GRANT SELECT, INSERT ON policy_audit_logs TO aegis_app;
        GRANT SELECT, DELETE ON policy_audit_logs TO aegis_archiver;

        \(AppendOnlySQL.archiveTable(of: "policy_audit_logs"))

        -- Moves decisions older than `days` days into the archive in one statement; returns how many.
        CREATE FUNCTION archive_old_policy_audit_logs(days integer) RETURNS bigint
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        DECLARE
            moved_count bigint;
        BEGIN
            IF days IS NULL OR days < 1 THEN
                RAISE EXCEPTION 'archive_old_policy_audit_logs: days must be at least 1, not %', days
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
            WITH moved AS (
                DELETE FROM policy_audit_logs WHERE created_at < now() - days * interval '1 day' RETURNING *
            )
            INSERT INTO policy_audit_logs_archive SELECT * FROM moved;
            GET DIAGNOSTICS moved_count = ROW_COUNT;
            RETURN moved_count;
        END
        $$;
        \(AppendOnlySQL.archiveFunctionGrants("archive_old_policy_audit_logs(integer)"))
        """
}
