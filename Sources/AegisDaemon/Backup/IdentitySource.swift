import AegisCore

/// Where the age identity that opens an x25519 backup comes from, for one restore or drill.
enum IdentitySource: Sendable {
    /// Sent with the request (`identity_key`): read by aegisctl with the operator's permissions,
    /// held in memory for this one operation, never logged, echoed or written anywhere.
    case sent(SecretText)
    /// A file the daemon opens itself, with its own permissions (`identity`, from clients that
    /// send a path).
    case daemonFile(String)
    /// `<state_dir>/secrets/backup.agekey`, for a host that keeps its identity (scheduled drills).
    case stateDirectory

    /// What a control request asks for (the codec has already refused one that sends both).
    init(_ request: ControlRequest) {
        if let key = request.identityKey {
            self = .sent(key)
        } else if let path = request.identity {
            self = .daemonFile(path)
        } else {
            self = .stateDirectory
        }
    }
}
