import Glibc

/// Finds `count` consecutive free TCP ports on 127.0.0.1 for one test's services.
enum FreePorts {
    static func base(count: Int) throws -> Int {
        for _ in 0..<200 {
            let base = Int.random(in: 20_000...55_000)
            if (base..<base + count).allSatisfy(isFree) { return base }
        }
        throw TestFailure("no \(count) consecutive free ports found")
    }

    static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}
