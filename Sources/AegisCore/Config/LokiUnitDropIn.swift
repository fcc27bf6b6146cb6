/// What the operator must add to aegisd's unit so that pushes reach a remote Loki (and uploads
/// a remote store: `offsite.remote`).
///
/// The shipped unit (systemd/aegisd.service) has `IPAddressDeny=any` and
/// `IPAddressAllow=localhost`: the kernel blocks packets to any other address, so every push
/// fails as if the network were down. A remote `loki_url` therefore needs a
/// drop-in that allows the Loki host's addresses. Pure: the caller resolves the host name.
public enum LokiUnitDropIn {
    /// Whether `host` (a `loki_url` host: a name or an IPv4 address) is outside what the shipped
    /// unit allows. `localhost` and 127.0.0.0/8 are inside.
    public static func isNeeded(host: String) -> Bool {
        !isLoopback(host)
    }

    /// The drop-in's text for `addresses` (IPv4 or IPv6 addresses or prefixes, in order).
    public static func text(addresses: [String]) -> String {
        "[Service]\nIPAddressAllow=\(addresses.joined(separator: " "))\n"
    }

    /// The advice `config check` prints for `host`, whose addresses resolved to `addresses`
    /// (empty when it could not be resolved, nil when resolving was not tried; loopback addresses
    /// are left out). A host name also needs the DNS resolver to be reachable from the unit.
    ///
    /// `traffic` is what the kernel blocks ("every push to it") and `role` names the host in
    /// the placeholder when there is no address to print ("Loki": "<the Loki host's …>"); the
    /// same advice serves the off-host store (`offsite.remote`).
    public static func advice(
        host: String, addresses: [String]?, traffic: String = "every push to it", role: String = "Loki"
    ) -> String {
        let isAddress = LokiEndpoint.isIPv4(host)
        let outside = isAddress ? [host] : (addresses ?? []).filter { !isLoopback($0) }
        let named: String
        if isAddress {
            named = host
        } else if outside.isEmpty {
            named = addresses == nil ? host : "\(host) (which could not be resolved here)"
        } else {
            named = "\(host) (\(outside.joined(separator: ", ")))"
        }
        var advice = "the host \(named) is outside the shipped unit's IPAddressAllow=localhost: under systemd the kernel "
            + "blocks \(traffic). Run `systemctl edit aegisd`, add\n"
            + text(addresses: outside.isEmpty ? ["<the \(role) host's addresses or network>"] : outside)
        if !isAddress {
            advice += "(a network rather, should the addresses change; and the DNS server's address unless the resolver "
                + "is on loopback, such as systemd-resolved), "
        }
        return advice + "then `systemctl restart aegisd`"
    }

    /// `localhost` and 127.0.0.0/8, which `IPAddressAllow=localhost` covers (with ::1).
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || (LokiEndpoint.isIPv4(host) && host.hasPrefix("127."))
    }
}
