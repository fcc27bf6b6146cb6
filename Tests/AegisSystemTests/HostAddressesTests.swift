import AegisSystem
import Testing

/// Names resolved by the machine's own resolver (/etc/hosts has localhost everywhere).
@Suite struct HostAddressesTests {
    @Test func testLocalhost_resolvesToTheLoopbackAddresses_withoutRepeats() {
        let addresses = HostAddresses.resolve("localhost")
        #expect(addresses.contains("127.0.0.1"), "\(addresses)")
        #expect(addresses.allSatisfy { $0 == "127.0.0.1" || $0 == "::1" }, "\(addresses)")
        #expect(Set(addresses).count == addresses.count, "no address twice (one per socket type asked)")
    }

    @Test func testAnIPv4Address_isItself_andAnIPv6LiteralIsCanonical() {
        #expect(HostAddresses.resolve("10.1.2.3") == ["10.1.2.3"])
        #expect(HostAddresses.resolve("0:0::1") == ["::1"])
    }

    @Test func testAnUnknownName_resolvesToNothing() {
        #expect(HostAddresses.resolve("no-such-host.invalid").isEmpty)
    }
}
