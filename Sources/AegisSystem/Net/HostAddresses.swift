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
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            let converted: UnsafePointer<CChar>?
            switch current.pointee.ai_family {
            case AF_INET:
                var raw = current.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                converted = inet_ntop(AF_INET, &raw, &text, socklen_t(text.count))
            case AF_INET6:
                var raw = current.pointee.ai_addr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                converted = inet_ntop(AF_INET6, &raw, &text, socklen_t(text.count))
            default:
                converted = nil
            }
            guard converted != nil else { continue }
            let address = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if !addresses.contains(address) { addresses.append(address) }
        }
        return addresses
    }
}
