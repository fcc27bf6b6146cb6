/// Comparison of secrets in time that depends on their lengths only, never on where they
/// differ, so a scraper cannot learn a token or password a byte at a time.
enum ConstantTime {
    static func equal(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference = UInt8(given.count == expected.count ? 0 : 1)
        for index in expected.indices { difference |= expected[index] ^ (index < given.count ? given[index] : 0) }
        return difference == 0
    }
}
