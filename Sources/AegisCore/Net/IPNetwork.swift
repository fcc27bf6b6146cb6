/// A network in CIDR notation (`10.20.0.0/16`, `fd00:20::/48`), or a single address, which is
/// the network of that one host (`/32`, `/128`).
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    public let address: IPAddress
    public let prefixLength: Int

    /// Why a text is not a usable network, worded for `config check`.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String

        public init(description: String) {
            self.description = description
        }
    }

    /// Parses `text`. A network with host bits set (`10.20.0.5/16`) is refused with the network
    /// it probably means: accepting it would silently widen or narrow who may connect.
    public init(_ text: String) throws(ParseError) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(parts[0])) else {
            throw ParseError(description: "\"\(text)\" is not an IPv4 or IPv6 network (like 10.20.0.0/16 or fd00:20::/48)")
        }
        var length = address.bitWidth
        if parts.count == 2 {
            guard let number = Int(parts[1]), parts[1].allSatisfy({ $0.isASCII && $0.isNumber }),
                  (0...address.bitWidth).contains(number)
            else {
                throw ParseError(description: "\"\(text)\": the prefix length must be 0–\(address.bitWidth)")
            }
            length = number
        }
        let masked = Self.mask(address, to: length)
        guard masked == address else {
            throw ParseError(description: "\"\(text)\" has host bits set after /\(length); "
                + "did you mean \(masked)/\(length) (the whole network) or \(address)/\(address.bitWidth) (that one host)?")
        }
        self.address = address
        self.prefixLength = length
    }

    init(address: IPAddress, prefixLength: Int) {
        self.address = Self.mask(address, to: prefixLength)
        self.prefixLength = prefixLength
    }

    /// Canonical CIDR text, prefix always written: what pg_hba and `IPAddressAllow=` get.
    public var description: String { "\(address)/\(prefixLength)" }

    /// Whether every address of `other` is in this network (same family only).
    public func contains(_ other: IPNetwork) -> Bool {
        guard other.address.isIPv4 == address.isIPv4, other.prefixLength >= prefixLength else { return false }
        return Self.mask(other.address, to: prefixLength) == address
    }

    /// Whether `candidate` is in this network.
    public func contains(_ candidate: IPAddress) -> Bool {
        contains(IPNetwork(address: candidate, prefixLength: candidate.bitWidth))
    }

    static func mask(_ address: IPAddress, to length: Int) -> IPAddress {
        var bytes = address.bytes
        for index in bytes.indices {
            let keep = max(0, min(8, length - index * 8))
            bytes[index] &= keep == 0 ? 0 : UInt8(truncatingIfNeeded: 0xff << (8 - keep))
        }
        return IPAddress(bytes: bytes)
    }
}
