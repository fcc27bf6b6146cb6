import Glibc

/// The account a child runs as. When aegisd runs as root this is the unprivileged service user
/// (PostgreSQL refuses to run as root); otherwise children simply run as aegisd's own user.
public struct ServiceAccount: Sendable, Equatable {
    public let name: String
    public let uid: uid_t
    public let gid: gid_t
    /// True when aegisd must switch to this account when spawning (it runs as root).
    public let switchesUser: Bool

    public init(name: String, uid: uid_t, gid: gid_t, switchesUser: Bool) {
        self.name = name
        self.uid = uid
        self.gid = gid
        self.switchesUser = switchesUser
    }

    /// The account children run as: `configuredUser` when we are root, our own user otherwise.
    public static func forChildren(configuredUser: String) throws(SystemError) -> ServiceAccount {
        if geteuid() == 0 {
            guard let account = lookup(configuredUser) else {
                throw SystemError(
                    "the service user '\(configuredUser)' does not exist; create it with "
                        + "`useradd --system --user-group --no-create-home --shell /usr/sbin/nologin \(configuredUser)` "
                        + "or set aegisd.user")
            }
            guard account.uid != 0 else {
                throw SystemError("aegisd.user must not be root: PostgreSQL refuses to run as root")
            }
            return ServiceAccount(name: account.name, uid: account.uid, gid: account.gid, switchesUser: true)
        }
        let uid = geteuid()
        let name = lookup(uid: uid)?.name ?? "uid\(uid)"
        return ServiceAccount(name: name, uid: uid, gid: getegid(), switchesUser: false)
    }

    public static func lookup(_ name: String) -> (name: String, uid: uid_t, gid: gid_t)? {
        guard let entry = getpwnam(name) else { return nil }
        return (String(cString: entry.pointee.pw_name), entry.pointee.pw_uid, entry.pointee.pw_gid)
    }

    public static func lookup(uid: uid_t) -> (name: String, uid: uid_t, gid: gid_t)? {
        guard let entry = getpwuid(uid) else { return nil }
        return (String(cString: entry.pointee.pw_name), entry.pointee.pw_uid, entry.pointee.pw_gid)
    }

    public static func groupID(named name: String) -> gid_t? {
        guard let entry = getgrnam(name) else { return nil }
        return entry.pointee.gr_gid
    }
}
