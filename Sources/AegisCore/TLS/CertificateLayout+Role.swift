extension CertificateLayout {
    /// The file pair of a role of the built-in CA. A standby's replication client certificate is
    /// no file of this tree: it lives with the pairing credentials (`ReplicationCredentials`),
    /// and nothing here issues or loads it by role.
    public func pair(for role: CertificateRole) -> Pair {
        switch role {
        case .ca: ca
        case let .server(service): server(service)
        case let .client(app): client(app)
        case .metrics: metrics
        case .replicationClient:
            preconditionFailure("the replication client certificate is a pairing credential, not a file of \(root)")
        }
    }
}
