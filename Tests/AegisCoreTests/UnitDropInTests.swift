import Testing
import AegisCore

@Suite struct UnitDropInTests {
    private func dropIn(_ needs: [(String, String)]) throws -> UnitDropIn {
        UnitDropIn(needs: try needs.map { (network: try IPNetwork($0.0), reason: $0.1) })
    }

    @Test func testText_oneLinePerNetwork_reasonsMerged_inFirstNeededOrder() throws {
        let needed = try dropIn([
            ("10.20.0.0/16", "postgres-backend clients"), ("fd00:20::/48", "redis clients"),
            ("10.20.0.0/16", "redis clients"), ("10.20.0.0/16", "postgres-backend clients"),
        ])
        #expect(needed.text == """
            [Service]
            # postgres-backend clients; redis clients
            IPAddressAllow=10.20.0.0/16
            # redis clients
            IPAddressAllow=fd00:20::/48

            """)
        #expect(needed.instruction.hasPrefix("10.20.0.0/16, fd00:20::/48 will be dropped by the systemd unit's IPAddressAllow=localhost"))
        #expect(needed.instruction.contains("run `systemctl edit aegisd`, add these lines, then `systemctl restart aegisd`:\n[Service]\n"))
    }

    @Test(arguments: [
        // The shipped unit alone lets nothing but loopback in.
        ([], ["10.20.0.0/16", "192.168.7.0/24"]),
        (["[Service]\nIPAddressAllow=10.20.0.0/16\n"], ["192.168.7.0/24"]),
        // A wider network covers a narrower one; systemd masks host bits itself.
        (["[Service]\nIPAddressAllow=10.0.0.0/8 192.168.7.9/24\n"], []),
        (["[Service]\nIPAddressAllow = any\n"], []),
        // Lines outside [Service], or of another key, allow nothing.
        (["[Unit]\nIPAddressAllow=any\n[Service]\nIPAddressAllowX=any\n#IPAddressAllow=any\n"], ["10.20.0.0/16", "192.168.7.0/24"]),
        // An empty assignment clears the list, also for a later file.
        (["[Service]\nIPAddressAllow=any\n", "[Service]\nIPAddressAllow=\nIPAddressAllow=192.168.7.5\n"], ["10.20.0.0/16", "192.168.7.0/24"]),
        (["[Service]\nIPAddressAllow=192.168.7.0/24 junk 10.20.0.0/99\n"], ["10.20.0.0/16"]),
    ] as [([String], [String])])
    func testUncovered_followsTheUnitsAllowList(files: [String], stillNeeded: [String]) throws {
        let needed = try dropIn([("10.20.0.0/16", "a"), ("192.168.7.0/24", "b")])
        let list = UnitDropIn.allowList(unitFiles: files)
        #expect(needed.uncovered(by: list).allowances.map(\.network.description) == stillNeeded, "\(list)")
    }

    @Test func testAllowList_ofTheShippedUnitFile_isLocalhost() throws {
        let unit = "[Service]\nIPAddressDeny=any\nIPAddressAllow=localhost\nDevicePolicy=closed\n"
        #expect(UnitDropIn.allowList(unitFiles: [unit], startingWith: []) == ["localhost"])
        #expect(UnitDropIn.allowList(unitFiles: []) == ["localhost"])
        #expect(try dropIn([("127.0.0.0/8", "loopback")]).uncovered(by: ["localhost"]).isEmpty)
        #expect(try dropIn([("fe80::/64", "link")]).uncovered(by: ["link-local"]).isEmpty)
    }
}
