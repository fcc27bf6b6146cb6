extension CertificateLayout {
    /// The file pair of a role.
    public func pair(for role: CertificateRole) -> Pair {
        switch role {
        case .ca: ca
        case let .server(service): server(service)
        case let .client(app): client(app)
        case .metrics: metrics
        }
    }
}
