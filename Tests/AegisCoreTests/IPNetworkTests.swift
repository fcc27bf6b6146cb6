import Testing
import AegisCore

@Suite struct IPNetworkTests {
    @Test(arguments: [
        ("10.20.0.5", "10.20.0.5"),
        ("0.0.0.0", "0.0.0.0"),
        ("::1", "::1"),
        ("0:0:0:0:0:0:0:1", "::1"),
        ("::", "::"),
        ("FD00:20::0:5", "fd00:20::5"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        ("::ffff:10.1.2.3", "::ffff:a01:203"),
        ("fe80::", "fe80::"),
    ])
    func testAddresses_parseToCanonicalText(text: String, canonical: String) {
        #expect(IPAddress(text)?.description == canonical)
    }

    @Test(arguments: ["", "10.20.0", "10.20.0.256", "010.1.1.1", "10.1.1.1.", "1:2:3:4:5:6:7:8:9", "1::2::3",
                      "fe80::1%eth0", "12345::", "db.example", "*", "::g", "1:2:3:4:5:6:7::8:9"])
    func testNotAnAddress(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test func testLoopbackAndUnspecified() {
        #expect(IPAddress("127.0.0.2")!.isLoopback && IPAddress("::1")!.isLoopback)
        #expect(!IPAddress("10.0.0.1")!.isLoopback && !IPAddress("::2")!.isLoopback)
        #expect(IPAddress("0.0.0.0")!.isUnspecified && IPAddress("::")!.isUnspecified && !IPAddress("::1")!.isUnspecified)
    }

    @Test(arguments: [
        ("10.20.0.0/16", "10.20.0.0/16"),
        ("10.20.0.7", "10.20.0.7/32"),
        ("fd00:20::/48", "fd00:20::/48"),
        ("FD00:0020:0000::/48", "fd00:20::/48"),
        ("0.0.0.0/0", "0.0.0.0/0"),
        ("2001:db8::1", "2001:db8::1/128"),
    ])
    func testNetworks_parseToCanonicalText(text: String, canonical: String) throws {
        #expect(try IPNetwork(text).description == canonical)
    }

    @Test(arguments: [
        ("10.20.0.5/16", "\"10.20.0.5/16\" has host bits set after /16; did you mean 10.20.0.0/16 (the whole network) or 10.20.0.5/32 (that one host)?"),
        ("fd00:20::1/48", "\"fd00:20::1/48\" has host bits set after /48; did you mean fd00:20::/48 (the whole network) or fd00:20::1/128 (that one host)?"),
        ("10.20.0.0/33", "\"10.20.0.0/33\": the prefix length must be 0–32"),
        ("fd00::/129", "\"fd00::/129\": the prefix length must be 0–128"),
        ("10.20.0.0/", "\"10.20.0.0/\": the prefix length must be 0–32"),
        ("10.20.0.0/+8", "\"10.20.0.0/+8\": the prefix length must be 0–32"),
        ("office-lan/24", "\"office-lan/24\" is not an IPv4 or IPv6 network (like 10.20.0.0/16 or fd00:20::/48)"),
    ])
    func testBadNetworks_sayWhatIsWrong(text: String, reason: String) {
        #expect(throws: IPNetwork.ParseError(description: reason)) { try IPNetwork(text) }
    }

    @Test func testContains_sameFamilyAndNarrowerOnly() throws {
        let office = try IPNetwork("10.20.0.0/16")
        #expect(office.contains(try IPNetwork("10.20.5.0/24")))
        #expect(office.contains(try IPNetwork("10.20.0.0/16")))
        #expect(office.contains(IPAddress("10.20.255.1")!))
        #expect(!office.contains(try IPNetwork("10.0.0.0/8")), "a wider network is not inside a narrower one")
        #expect(!office.contains(IPAddress("10.21.0.1")!))
        #expect(!(try IPNetwork("0.0.0.0/0")).contains(try IPNetwork("fd00::/8")), "IPv4 any does not cover IPv6")
        #expect(try IPNetwork("fd00::/8").contains(try IPNetwork("fd00:20::/48")))
        #expect(try IPNetwork("10.20.0.0/17").contains(IPAddress("10.20.127.255")!))
        #expect(!(try IPNetwork("10.20.0.0/17")).contains(IPAddress("10.20.128.0")!))
    }
}
