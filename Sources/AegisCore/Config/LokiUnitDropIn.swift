/// What the operator must add to aegisd's unit so that pushes reach a remote Loki.
///
/// The shipped unit (systemd/aegisd.service) has `IPAddressDeny=any` and
/// `IPAddressAllow=localhost`: a packet to any other address is dropped by the kernel without an
/// error the shipper could tell from a dead network. A remote `loki_url` therefore needs a
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
    /// (empty when it could not be resolved; loopback addresses are left out).
    public static func advice(host: String, addresses: [String]) -> String {
        let outside = addresses.filter { !isLoopback($0) }
        let allow: String
        let named: String
        if outside.isEmpty {
            named = LokiEndpoint.isIPv4(host) ? host : "\(host) (which could not be resolved here)"
            allow = text(addresses: [LokiEndpoint.isIPv4(host) ? host : "<the Loki host's address or network>"])
        } else {
            named = outside == [host] ? host : "\(host) (\(outside.joined(separator: ", ")))"
            allow = text(addresses: outside)
        }
        return "the host \(named) is outside the shipped unit's IPAddressAllow=localhost: under systemd every push "
            + "to it is dropped without an answer. Run `systemctl edit aegisd`, add\n"
            + allow
            + "(or the network those addresses belong to, should they change), then `systemctl restart aegisd`"
    }

    /// `localhost` and 127.0.0.0/8, which `IPAddressAllow=localhost` covers (with ::1).
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || (LokiEndpoint.isIPv4(host) && host.hasPrefix("127."))
    }
}
