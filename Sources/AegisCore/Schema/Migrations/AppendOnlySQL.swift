/// The append-only trigger function, created by the first migration of the databases that have
/// an audit log. A constant of the migration texts: changing it changes their checksums, which
/// aegisd then refuses, so it is frozen like them.
///
/// Why the bypass is sound: a row of an archivable log may be deleted only when `current_user`
/// is `aegis_archiver`. A session is that role only inside a SECURITY DEFINER function owned by
/// it (the archive functions, whose bodies only move rows into the archive table) or after
/// `SET ROLE aegis_archiver`, which needs membership that no role is granted; only a superuser
/// (aegisd itself) could. Unlike a custom setting (`SET aegis.bypass = on`), which any role can
/// set in its own session, `current_user` cannot be forged. UPDATE and TRUNCATE are refused for
/// everyone, the archiver included; archive tables refuse DELETE too.
enum AppendOnlySQL {
    static let function = """
        CREATE FUNCTION aegis_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' AND TG_NARGS > 0 AND TG_ARGV[0] = 'archivable'
               AND current_user = 'aegis_archiver' THEN
                RETURN OLD;
            END IF;
            RAISE EXCEPTION 'table % is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'rows leave an audit log only through its archive function';
        END
        $$;
        REVOKE ALL ON FUNCTION aegis_append_only() FROM PUBLIC;
        """

    /// Row triggers for UPDATE and DELETE, a statement trigger for TRUNCATE (which fires no row
    /// trigger). `archivable` lets the archive function's DELETE through.
    static func triggers(on table: String, archivable: Bool) -> String {
        let argument = archivable ? "'archivable'" : ""
        return """
            CREATE TRIGGER \(table)_append_only BEFORE UPDATE OR DELETE ON \(table)
                FOR EACH ROW EXECUTE FUNCTION aegis_append_only(\(argument));
            CREATE TRIGGER \(table)_no_truncate BEFORE TRUNCATE ON \(table)
                FOR EACH STATEMENT EXECUTE FUNCTION aegis_append_only();
            """
    }

    /// The archive table of `table`: same columns in the same order (so `SELECT *` moves rows),
    /// CHECKs and indexes, no foreign keys (what it referenced may be archived or gone), and
    /// append-only without exception.
    static func archiveTable(of table: String) -> String {
        """
        CREATE TABLE \(table)_archive (LIKE \(table) INCLUDING CONSTRAINTS INCLUDING INDEXES);
        \(triggers(on: "\(table)_archive", archivable: false))
        GRANT SELECT ON \(table)_archive TO aegis_app;
        GRANT INSERT ON \(table)_archive TO aegis_archiver;
        """
    }

    /// Hands an archive function to `aegis_archiver` (a superuser act: the owner is no member of
    /// it) and lets the applications call it.
    static func archiveFunctionGrants(_ signature: String) -> String {
        """
        RESET ROLE;
        ALTER FUNCTION \(signature) OWNER TO aegis_archiver;
        REVOKE ALL ON FUNCTION \(signature) FROM PUBLIC;
        GRANT EXECUTE ON FUNCTION \(signature) TO aegis_app;
        SET LOCAL ROLE aegis_owner;
        """
    }
}
