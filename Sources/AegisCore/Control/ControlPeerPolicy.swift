/// Who may use the control socket. The file mode (0660, group = socket group) already keeps
/// strangers out; this check, made on the peer's kernel-reported credentials, is what still
/// holds when the mode is wrong (a hand-made chmod, a directory created by someone else).
public enum ControlPeerPolicy {
    /// Root, the daemon's own user, or a member of the socket group (primary or supplementary).
    ///
    /// - Parameters:
    ///   - uid: The peer's effective uid (SO_PEERCRED).
    ///   - gid: The peer's effective gid (SO_PEERCRED).
    ///   - groups: The peer's supplementary groups.
    ///   - daemonUID: The daemon's effective uid.
    ///   - socketGroup: The group allowed to use the socket; `nil` allows only root and the daemon's user.
    public static func isAllowed(
        uid: UInt32, gid: UInt32, groups: [UInt32], daemonUID: UInt32, socketGroup: UInt32?
    ) -> Bool {
        if uid == 0 || uid == daemonUID { return true }
        guard let socketGroup else { return false }
        return gid == socketGroup || groups.contains(socketGroup)
    }
}
