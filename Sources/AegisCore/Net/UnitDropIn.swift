/// The networks aegisd's systemd unit must let through, and the drop-in that does it.
///
/// The shipped unit has `IPAddressDeny=any` and `IPAddressAllow=localhost`: systemd's socket
/// filter drops every packet from elsewhere before a server sees it, silently. Whatever the
/// configuration expects to reach from another host (clients of a service listening on a
/// non-loopback address, a remote Loki) is one `Allowance`; `uncovered(by:)` keeps the ones the
/// unit does not allow yet, and `instruction` is what `config check` tells the operator to add.
public struct UnitDropIn: Sendable, Equatable {
    /// One network to allow, with why (the keys that need it), for the drop-in's comments.
    public struct Allowance: Sendable, Equatable {
        public var network: IPNetwork
        public var reasons: [String]

        public init(network: IPNetwork, reasons: [String]) {
            self.network = network
            self.reasons = reasons
        }
    }

    /// In the order first needed; one entry per network, with every reason for it.
    public private(set) var allowances: [Allowance] = []

    public init(needs: [(network: IPNetwork, reason: String)] = []) {
        for need in needs { add(need.network, reason: need.reason) }
    }

    public mutating func add(_ network: IPNetwork, reason: String) {
        if let index = allowances.firstIndex(where: { $0.network == network }) {
            if !allowances[index].reasons.contains(reason) { allowances[index].reasons.append(reason) }
        } else {
            allowances.append(Allowance(network: network, reasons: [reason]))
        }
    }

    public var isEmpty: Bool { allowances.isEmpty }

    /// The unit's own allow list, before any drop-in.
    public static let shippedAllowList = ["localhost"]

    /// The drop-in file's text (`systemctl edit aegisd` writes it to
    /// /etc/systemd/system/aegisd.service.d/override.conf).
    public var text: String {
        var lines = ["[Service]"]
        for allowance in allowances {
            lines.append("# " + allowance.reasons.joined(separator: "; "))
            lines.append("IPAddressAllow=\(allowance.network)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// What `config check` says when some networks are not allowed yet.
    public var instruction: String {
        let networks = allowances.map(\.network.description).joined(separator: ", ")
        return "\(networks) will be dropped by the systemd unit's IPAddressAllow=localhost (IPAddressDeny=any) "
            + "before any server sees them; run `systemctl edit aegisd`, add these lines, then `systemctl restart aegisd`:\n"
            + text
    }

    /// The allowances no entry of `allowList` covers. `allowList` holds `IPAddressAllow=` values
    /// in systemd's syntax: addresses, CIDRs and the words `any`, `localhost`, `link-local`,
    /// `multicast`; values that cannot be read cover nothing.
    public func uncovered(by allowList: [String]) -> UnitDropIn {
        let allowed = allowList.flatMap(Self.networks(ofAllowValue:))
        var rest = UnitDropIn()
        rest.allowances = allowances.filter { allowance in !allowed.contains { $0.contains(allowance.network) } }
        return rest
    }

    /// The values of the `IPAddressAllow=` lines of unit files read in order (the unit, then its
    /// drop-ins): an empty assignment clears what came before, as in systemd.
    public static func allowList(unitFiles: [String], startingWith initial: [String] = shippedAllowList) -> [String] {
        var list = initial
        for file in unitFiles {
            var inService = false
            for rawLine in file.split(whereSeparator: \.isNewline) {
                let line = String(rawLine).trimmingCharacters(in: " ")
                if line.hasPrefix("[") { inService = line == "[Service]"; continue }
                guard inService, line.hasPrefix("IPAddressAllow") else { continue }
                let value = line.drop(while: { $0 != "=" }).dropFirst()
                guard String(line.prefix(while: { $0 != "=" })).trimmingCharacters(in: " ") == "IPAddressAllow" else { continue }
                let words = value.split(whereSeparator: \.isWhitespace).map(String.init)
                if words.isEmpty { list = [] } else { list += words }
            }
        }
        return list
    }

    private static func networks(ofAllowValue value: String) -> [IPNetwork] {
        let named: [String: [String]] = [
            "any": ["0.0.0.0/0", "::/0"],
            "localhost": ["127.0.0.0/8", "::1/128"],
            "link-local": ["169.254.0.0/16", "fe80::/64"],
            "multicast": ["224.0.0.0/4", "ff00::/8"],
        ]
        if let texts = named[value] { return texts.compactMap { try? IPNetwork($0) } }
        // systemd masks host bits itself, so 10.20.0.5/16 in a unit allows 10.20.0.0/16.
        let parts = value.split(separator: "/", maxSplits: 1)
        guard let address = IPAddress(String(parts[0])) else { return [] }
        let length = parts.count == 2 ? Int(parts[1]) : address.bitWidth
        guard let length, (0...address.bitWidth).contains(length) else { return [] }
        return [IPNetwork(address: address, prefixLength: length)]
    }
}
