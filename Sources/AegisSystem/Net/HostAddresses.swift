import Glibc

/// The addresses a host name resolves to, as text, for advice that must name them (the
/// `IPAddressAllow=` a remote Loki needs). Not used to connect: `SocketConnection` resolves
/// for itself.
public enum HostAddresses {
    /// IPv4 and IPv6 addresses of `host` in the resolver's order, without repeats; `host`
    /// itself for an IPv4 address; empty when it cannot be resolved.
    public static func resolve(_ host: String) -> [String] {
        var binary = in_addr()
        if inet_pton(AF_INET, host, &binary) == 1 { return [host] }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let list else { return [] }
        defer { freeaddrinfo(list) }
        var addresses: [String] = []
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let current = entry {
            entry = current.pointee.ai_next
            let bytes: [UInt8]
            switch current.pointee.ai_family {
            case AF_INET:
                let raw = current.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                bytes = withUnsafeBytes(of: raw) { Array($0) }
            case AF_INET6:
                let raw = current.pointee.ai_addr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                bytes = withUnsafeBytes(of: raw) { Array($0) }
            default:
                continue
            }
            guard let address = SubjectAltName.ipAddressText(bytes) else { continue }
            if !addresses.contains(address) { addresses.append(address) }
        }
        return addresses
    }
}
