/// Decides which certificates of the built-in CA to issue, from what is on disk, what is wanted
/// and the time. Pure: `CertificateStore` gathers the conditions, calls `make`, and carries the
/// changes out, CA first.
///
/// The CA is never replaced behind the operator's back while any piece of it is still there:
/// every app trusts `ca.crt`, so a new CA means handing them all a new file. Only a CA that is
/// wholly missing, expired, inside the renewal window, or explicitly rotated is (re)created.
public enum CertificatePlan {
    /// What kind of rotation the operator asked for.
    public enum Rotation: Sendable, Equatable {
        /// Routine check: issue what is missing, renew what is due.
        case none
        /// `certs rotate`: re-issue every leaf, keep the CA.
        case leaves
        /// Re-create the CA too, and therefore every leaf.
        case all
    }

    /// Why nothing can be planned.
    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// The changes to make, CA first, then leaves in the order they were requested.
    public static func make(
        ca: CertificateCondition,
        leaves: [(request: CertificateRequest, condition: CertificateCondition)],
        policy: CertificatePolicy,
        now: UTCTimestamp,
        rotation: Rotation = .none
    ) throws(Refusal) -> [CertificateChange] {
        if let problem = policy.problem { throw Refusal(message: problem) }
        var changes: [CertificateChange] = []
        let caChange = try caDecision(ca, policy: policy, now: now, rotation: rotation)
        if let caChange { changes.append(caChange) }
        for (request, condition) in leaves {
            precondition(request.role != .ca, "the CA is not a leaf")
            let reason: CertificateChange.Reason?
            if caChange != nil {
                reason = condition == .missing ? .missing : .newCA
            } else if rotation != .none {
                reason = condition == .missing ? .missing : .rotationRequested
            } else {
                reason = leafDecision(condition, request: request, policy: policy, now: now)
            }
            if let reason {
                changes.append(CertificateChange(role: request.role, kind: condition == .missing ? .created : .renewed, reason: reason))
            }
        }
        return changes
    }

    private static func caDecision(
        _ condition: CertificateCondition, policy: CertificatePolicy, now: UTCTimestamp, rotation: Rotation
    ) throws(Refusal) -> CertificateChange? {
        switch condition {
        case .missing:
            return CertificateChange(role: .ca, kind: .created, reason: .missing)
        case let .unusable(why):
            if rotation == .all { return CertificateChange(role: .ca, kind: .renewed, reason: .unusable(why)) }
            throw Refusal(message: "the CA cannot be used: \(why). Restore ca.crt and ca.key, or remove both "
                + "to create a new CA (apps must then be given the new ca.crt)")
        case let .present(info):
            if rotation == .all { return CertificateChange(role: .ca, kind: .renewed, reason: .rotationRequested) }
            if let reason = dueReason(info, policy: policy, now: now) {
                return CertificateChange(role: .ca, kind: .renewed, reason: reason)
            }
            return nil
        }
    }

    private static func leafDecision(
        _ condition: CertificateCondition, request: CertificateRequest, policy: CertificatePolicy, now: UTCTimestamp
    ) -> CertificateChange.Reason? {
        switch condition {
        case .missing:
            return .missing
        case let .unusable(why):
            return .unusable(why)
        case let .present(info):
            if let reason = dueReason(info, policy: policy, now: now) { return reason }
            if info.subject != request.commonName {
                return .commonNameChanged(from: info.subject, to: request.commonName)
            }
            let (added, removed) = nameDifference(have: info.subjectAltNames, want: request.subjectAltNames)
            if !added.isEmpty || !removed.isEmpty { return .namesChanged(added: added, removed: removed) }
            return nil
        }
    }

    /// Time-based reasons, shared by the CA and the leaves.
    private static func dueReason(_ info: CertificateInfo, policy: CertificatePolicy, now: UTCTimestamp) -> CertificateChange.Reason? {
        if info.notAfter < now { return .expired(notAfter: info.notAfter) }
        if now < info.notBefore { return .notYetValid(notBefore: info.notBefore) }
        let daysLeft = info.daysLeft(now: now)
        if daysLeft < policy.renewBeforeDays { return .expiresSoon(daysLeft: daysLeft) }
        return nil
    }

    /// Names wanted but absent, and present but unwanted, compared without regard to case or
    /// order (DNS names are case-insensitive; IP addresses arrive in canonical form).
    static func nameDifference(have: [String], want: [String]) -> (added: [String], removed: [String]) {
        let haveSet = Set(have.map { $0.lowercased() })
        let wantSet = Set(want.map { $0.lowercased() })
        return (want.filter { !haveSet.contains($0.lowercased()) }, have.filter { !wantSet.contains($0.lowercased()) })
    }
}
