/// The group roles every aegisd database is built around. They are cluster roles (each
/// PostgreSQL instance is its own cluster), NOLOGIN, and fixed names so that the migration texts
/// and their checksums do not depend on the configuration: the configured login role (`user`)
/// is made a member of `app`.
public enum SchemaRoles {
    /// Owns the database, its schema and every table; only aegisd (superuser) becomes it, to
    /// apply migrations.
    public static let owner = "aegis_owner"
    /// What the applications may do: DML on their tables, INSERT and SELECT on audit logs.
    public static let app = "aegis_app"
    /// Owns the SECURITY DEFINER archive functions; the only role the append-only triggers let
    /// delete from an audit log. No role is ever granted membership in it.
    public static let archiver = "aegis_archiver"

    public static let all = [owner, app, archiver]
}
