extension AegisConfig {
    /// One server that can listen beyond loopback: an enabled PostgreSQL instance or Redis.
    public struct NetworkListener: Sendable, Equatable {
        public var service: ServiceID
        /// `postgres.backend` or `redis`: the section of its keys.
        public var section: String
        /// `listen_addresses` (PostgreSQL) or `bind` (Redis).
        public var addressKey: String
        public var addresses: [String]
        public var clientNetworks: [String]
        public var port: Int

        /// Addresses that reach beyond this host's loopback: specific ones and wildcards.
        public var exposedAddresses: [String] {
            addresses.filter { !(IPAddress($0)?.isLoopback ?? false) }
        }

        /// Specific (not wildcard) non-loopback addresses: the names clients will connect to.
        public var specificExposedAddresses: [String] {
            exposedAddresses.compactMap { text in
                guard let address = IPAddress(text), !address.isUnspecified else { return nil }
                return address.description
            }
        }

        public var wildcardAddresses: [String] {
            addresses.filter { ListenAddress.isWildcard($0) }
        }
    }
}
