/// `aegis_ai`: predictions, model metrics, training data and the model registry.
/// Forward-only: never edit a released migration.
enum AIMigrations {
    static let all: [Migration] = [
        Migration(version: 1, name: "0001_ai_schema.sql", sql: schema),
    ]

    static let schema = """
        SET LOCAL ROLE aegis_owner;

        \(AppendOnlySQL.function)

        CREATE TABLE prediction_history (
            id SERIAL PRIMARY KEY,
            timestamp TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
            model_type VARCHAR(50) NOT NULL,
            model_version VARCHAR(50),
            namespace VARCHAR(255),
            resource_name VARCHAR(255),
            input_features JSONB,
            prediction JSONB NOT NULL,
            severity_score NUMERIC(5, 4) CHECK (severity_score BETWEEN 0 AND 1),
            confidence NUMERIC(5, 4) CHECK (confidence BETWEEN 0 AND 1),
            recommended_action VARCHAR(100),
            created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
        );
        CREATE INDEX prediction_history_timestamp_idx ON prediction_history (timestamp);
        CREATE INDEX prediction_history_model_type_idx ON prediction_history (model_type, timestamp);
        CREATE INDEX prediction_history_namespace_idx ON prediction_history (namespace, timestamp);

        CREATE TABLE model_metrics (
            id SERIAL PRIMARY KEY,
            model_type VARCHAR(50) NOT NULL,
            model_version VARCHAR(50) NOT NULL,
            metric_name VARCHAR(100) NOT NULL,
            metric_value DOUBLE PRECISION NOT NULL,
            timestamp TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
        );
        CREATE INDEX model_metrics_model_type_idx ON model_metrics (model_type, metric_name, timestamp);
        CREATE INDEX model_metrics_timestamp_idx ON model_metrics (timestamp);

        CREATE TABLE training_data (
            id BIGSERIAL PRIMARY KEY,
            model_type VARCHAR(50) NOT NULL,
            namespace VARCHAR(255),
            features JSONB NOT NULL,
            label JSONB,
            source VARCHAR(100),
            created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
        );
        CREATE INDEX training_data_model_type_idx ON training_data (model_type, created_at);
        CREATE INDEX training_data_created_at_idx ON training_data (created_at);

        CREATE TABLE anomaly_detections (
            id SERIAL PRIMARY KEY,
            prediction_id INTEGER REFERENCES prediction_history (id),
            anomaly_score NUMERIC(5, 4) NOT NULL CHECK (anomaly_score BETWEEN 0 AND 1),
            is_anomaly BOOLEAN NOT NULL,
            severity VARCHAR(20) CHECK (severity IN ('low', 'medium', 'high', 'critical')),
            affected_metrics TEXT[],
            namespace VARCHAR(255),
            resource_name VARCHAR(255),
            created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
        );
        CREATE INDEX anomaly_detections_prediction_id_idx ON anomaly_detections (prediction_id);
        CREATE INDEX anomaly_detections_created_at_idx ON anomaly_detections (created_at);
        CREATE INDEX anomaly_detections_namespace_idx ON anomaly_detections (namespace, created_at);

        CREATE TABLE failure_predictions (
            id SERIAL PRIMARY KEY,
            prediction_id INTEGER REFERENCES prediction_history (id),
            namespace VARCHAR(255) NOT NULL,
            resource_name VARCHAR(255) NOT NULL,
            failure_type VARCHAR(100),
            failure_probability NUMERIC(5, 4) NOT NULL CHECK (failure_probability BETWEEN 0 AND 1),
            predicted_failure_time TIMESTAMP WITH TIME ZONE,
            created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
        );
        CREATE INDEX failure_predictions_prediction_id_idx ON failure_predictions (prediction_id);
        CREATE INDEX failure_predictions_namespace_idx ON failure_predictions (namespace, created_at);
        CREATE INDEX failure_predictions_created_at_idx ON failure_predictions (created_at);

        CREATE TABLE feature_store (
            id BIGSERIAL PRIMARY KEY,
            feature_set VARCHAR(100) NOT NULL,
            entity_id VARCHAR(255) NOT NULL,
            features JSONB NOT NULL,
            version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
            created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
            updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
            UNIQUE (feature_set, entity_id, version)
        );
        CREATE INDEX feature_store_created_at_idx ON feature_store (created_at);

        CREATE TABLE model_registry (
            id SERIAL PRIMARY KEY,
            model_type VARCHAR(50) NOT NULL,
            version VARCHAR(50) NOT NULL,
            artifact_uri TEXT NOT NULL,
            parameters JSONB,
            metrics JSONB,
            status VARCHAR(20) NOT NULL DEFAULT 'staging'
                CHECK (status IN ('staging', 'production', 'archived', 'failed')),
            created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
            promoted_at TIMESTAMP WITH TIME ZONE,
            UNIQUE (model_type, version)
        );
        -- At most one model of each type in production.
        CREATE UNIQUE INDEX model_registry_one_production_idx ON model_registry (model_type) WHERE status = 'production';

        GRANT SELECT, INSERT, UPDATE, DELETE ON prediction_history, model_metrics, training_data,
            anomaly_detections, failure_predictions, feature_store, model_registry TO aegis_app;
        GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO aegis_app;
        GRANT SELECT, DELETE ON prediction_history, anomaly_detections, failure_predictions TO aegis_archiver;

        \(AppendOnlySQL.archiveTable(of: "prediction_history"))
        \(AppendOnlySQL.archiveTable(of: "anomaly_detections"))
        \(AppendOnlySQL.archiveTable(of: "failure_predictions"))

        -- archive_old_predictions(days), as the platform's apps call it: predictions older than `days` days move into
        -- the archive, with the anomaly and failure results that reference them (their foreign
        -- keys would refuse the move otherwise), all in this one call's transaction. Returns how
        -- many predictions moved.
        CREATE FUNCTION archive_old_predictions(days integer) RETURNS bigint
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        DECLARE
            cutoff timestamp with time zone;
            moved_count bigint;
        BEGIN
            IF days IS NULL OR days < 1 THEN
                RAISE EXCEPTION 'archive_old_predictions: days must be at least 1, not %', days
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
            cutoff := now() - days * interval '1 day';
            WITH moved AS (
                DELETE FROM anomaly_detections a USING prediction_history p
                WHERE a.prediction_id = p.id AND p.timestamp < cutoff RETURNING a.*
            )
            INSERT INTO anomaly_detections_archive SELECT * FROM moved;
            WITH moved AS (
                DELETE FROM failure_predictions f USING prediction_history p
                WHERE f.prediction_id = p.id AND p.timestamp < cutoff RETURNING f.*
            )
            INSERT INTO failure_predictions_archive SELECT * FROM moved;
            WITH moved AS (
                DELETE FROM prediction_history WHERE timestamp < cutoff RETURNING *
            )
            INSERT INTO prediction_history_archive SELECT * FROM moved;
            GET DIAGNOSTICS moved_count = ROW_COUNT;
            RETURN moved_count;
        END
        $$;
        \(AppendOnlySQL.archiveFunctionGrants("archive_old_predictions(integer)"))
        """
}
