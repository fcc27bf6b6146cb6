/// Clients on other hosts: where the servers listen, which networks may connect, and what that
/// asks of the certificates and of the systemd unit.
extension AegisConfig {
    /// The enabled PostgreSQL instances and Redis, with their listen keys.
    public var networkListeners: [NetworkListener] {
        var listeners: [NetworkListener] = []
        for instance in PostgresInstance.allCases {
            guard let settings = postgres.instances[instance], settings.enabled else { continue }
            listeners.append(NetworkListener(
                service: instance.serviceID, section: "postgres.\(instance.rawValue)", addressKey: "listen_addresses",
                addresses: settings.listenAddresses, clientNetworks: settings.clientNetworks, port: settings.port))
        }
        if redis.enabled {
            listeners.append(NetworkListener(
                service: .redis, section: "redis", addressKey: "bind",
                addresses: redis.bind, clientNetworks: redis.clientNetworks, port: redis.port))
        }
        return listeners
    }

    /// The names every server certificate carries beyond loopback and the host name:
    /// `[tls] extra_names`, then every specific non-loopback listen address, so that a client
    /// on another host can verify the server (`sslmode=verify-full`) at the address it dials.
    /// A change of addresses therefore re-issues the certificates.
    public var serverCertificateNames: [String] {
        var names = tls.extraNames
        for listener in networkListeners {
            for address in listener.specificExposedAddresses where !names.contains(address) {
                names.append(address)
            }
        }
        return names
    }

    /// The client networks the systemd unit must let in, each with the key that asks for it.
    /// Unreadable networks are left out (the validator reports them).
    public var unitDropIn: UnitDropIn {
        var dropIn = UnitDropIn()
        for listener in networkListeners where !listener.exposedAddresses.isEmpty {
            for text in listener.clientNetworks {
                guard let network = try? IPNetwork(text) else { continue }
                dropIn.add(network, reason: "\(listener.service.rawValue) clients (\(listener.section).client_networks)")
            }
        }
        // Standbys reach every exposed PostgreSQL instance and Redis of a primary.
        if !replication.isStandby {
            for listener in networkListeners where !listener.exposedAddresses.isEmpty {
                for text in replication.standbyNetworks {
                    guard let network = try? IPNetwork(text) else { continue }
                    dropIn.add(network, reason: "standbys replicating \(listener.service.rawValue) (replication.standby_networks)")
                }
            }
        }
        if case .success(let endpoint) = MetricsEndpoint.of(metrics), !endpoint.isLoopback {
            for text in metrics.scraperNetworks {
                guard let network = try? IPNetwork(text) else { continue }
                dropIn.add(network, reason: "Prometheus scrapes of /metrics (metrics.scraper_networks)")
            }
        }
        return dropIn
    }

    /// What is allowed but worth a second look: wildcard listen addresses, Redis beyond
    /// loopback (it has no per-network access list), and a listener no network may reach.
    public var clientAccessWarnings: [ConfigIssue] {
        var warnings: [ConfigIssue] = []
        for listener in networkListeners {
            let key = "\(listener.section).\(listener.addressKey)"
            if !listener.wildcardAddresses.isEmpty {
                let list = listener.wildcardAddresses.map { "\"\($0)\"" }.joined(separator: ", ")
                warnings.append(ConfigIssue(path: key, reason: "\(list) listens on every interface of this host: port \(listener.port) "
                    + "is exposed on every network the host is on. Prefer this host's address on the clients' network; "
                    + "clients verifying the server (sslmode=verify-full) need the address they dial in [tls] extra_names"))
            }
            guard !listener.exposedAddresses.isEmpty else { continue }
            if listener.clientNetworks.isEmpty {
                warnings.append(ConfigIssue(path: "\(listener.section).client_networks", reason: "is empty, so no client on another "
                    + "host can use \(listener.service.rawValue) although \(key) reaches beyond loopback; list the clients' networks (CIDR)"))
            } else if listener.service == .redis {
                warnings.append(ConfigIssue(path: key, reason: "Redis has no per-network access list: any host that reaches port "
                    + "\(listener.port) may try the ACL passwords. Only the systemd unit's IPAddressAllow= (redis.client_networks) "
                    + "and your firewall limit which networks reach it"))
            }
        }
        return warnings
    }
}
