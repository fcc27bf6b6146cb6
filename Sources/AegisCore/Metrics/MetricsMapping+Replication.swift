/// `[replication]`'s figures, from the services' `role` and `replication` in the status (see
/// `ReplicationStatus` for how each is computed). A figure that is unknown (a standby not
/// streaming has no lag) is left out.
extension MetricsMapping {
    static func replication(_ services: [ServiceStatus]) -> [MetricFamily] {
        let replicating = services.filter { $0.role != nil }
        func label(_ s: ServiceStatus) -> MetricLabel { MetricLabel("service", s.name) }
        func family(_ name: String, _ help: String, _ value: (ServiceStatus) -> Double?) -> MetricFamily {
            MetricFamily(name: name, help: help, kind: .gauge,
                         samples: replicating.compactMap { s in value(s).map { MetricSample([label(s)], $0) } })
        }
        let standbys = replicating.filter { $0.role == "standby" }
        let primaries = replicating.filter { $0.role == "primary" && $0.replication != nil && $0.replication?.error == nil }
        return [
            family("aegis_replication_is_standby", "1 when the service is a standby following a primary, 0 on a primary.",
                   { $0.role == "standby" ? 1 : 0 }),
            MetricFamily(
                name: "aegis_replication_streaming", help: "On a standby: 1 while it streams from the primary.", kind: .gauge,
                samples: standbys.compactMap { s in
                    guard s.replication?.seeding == nil, let streaming = s.replication?.streaming else { return nil }
                    return MetricSample([label(s)], streaming ? 1 : 0)
                }),
            family("aegis_replication_lag_bytes",
                   "On a standby: WAL (Redis: replication offset) the primary reported that this standby has not received, in bytes.",
                   { $0.replicationLagBytes.map(Double.init) }),
            family("aegis_replication_lag_seconds",
                   "On a standby: seconds since the last replayed commit while WAL waits to be replayed; 0 when caught up.",
                   { $0.replicationLagSeconds }),
            MetricFamily(
                name: "aegis_replication_standbys", help: "On a primary: standbys connected now.", kind: .gauge,
                samples: primaries.map { MetricSample([label($0)], Double($0.replication?.standbys?.count ?? 0)) }),
            MetricFamily(
                name: "aegis_replication_slot_lost",
                help: "On a primary: 1 when the standby's slot was invalidated (wal_status lost); that standby must be copied again.",
                kind: .gauge,
                samples: primaries.flatMap { s in
                    (s.replication?.slots ?? []).map { MetricSample([label(s), MetricLabel("slot", $0.name)], $0.isLost ? 1 : 0) }
                }),
            MetricFamily(
                name: "aegis_replication_slot_retained_bytes", help: "On a primary: WAL a replication slot holds back on disk, in bytes.",
                kind: .gauge,
                samples: primaries.flatMap { s in
                    (s.replication?.slots ?? []).compactMap { slot in
                        slot.retainedBytes.map { MetricSample([label(s), MetricLabel("slot", slot.name)], Double($0)) }
                    }
                }),
        ]
    }
}
