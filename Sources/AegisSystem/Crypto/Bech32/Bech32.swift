/// Bech32 as specified by BIP-173 (the original checksum constant 1, not Bech32m), without the
/// 90-character limit, as age uses it for `age1…` recipients and `AGE-SECRET-KEY-1…`
/// identities. Keys are short, so plain array code is fast enough here.
public enum Bech32 {
    private static let alphabet = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)
    private static let generator: [UInt32] = [0x3B6A_57B2, 0x2650_8E6D, 0x1EA1_19FA, 0x3D42_33DD, 0x2A14_62B3]

    /// Encodes `data` under the human-readable part `hrp`, in lower case.
    public static func encode(hrp: String, data: [UInt8]) -> String {
        let hrp = Array(hrp.lowercased().utf8)
        let values = convertBits(data, from: 8, to: 5, pad: true)!
        let checksumInput = expand(hrp) + values + [0, 0, 0, 0, 0, 0]
        let residue = polymod(checksumInput) ^ 1
        let checksum = (0..<6).map { UInt8((residue >> (5 * (5 - UInt32($0)))) & 31) }
        let encoded = hrp + [UInt8(ascii: "1")] + (values + checksum).map { alphabet[Int($0)] }
        return String(decoding: encoded, as: UTF8.self)
    }

    /// Decodes an all-lower-case or all-upper-case Bech32 string. The returned `hrp` is lower
    /// case, because the checksum is always computed over the lower-case form.
    public static func decode(_ string: String) throws(Bech32Error) -> (hrp: String, data: [UInt8]) {
        let bytes = Array(string.utf8)
        let hasLower = bytes.contains { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) }
        let hasUpper = bytes.contains { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }
        guard !(hasLower && hasUpper) else { throw .mixedCase }
        if let bad = string.unicodeScalars.first(where: { !(33...126).contains($0.value) }) {
            throw .invalidCharacter(Character(bad))
        }
        let lower = bytes.map { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) ? $0 + 32 : $0 }
        guard let separator = lower.lastIndex(of: UInt8(ascii: "1")) else { throw .missingSeparator }
        guard separator > 0, lower.count - separator - 1 >= 6 else { throw .tooShort }
        let hrp = Array(lower[..<separator])
        var values: [UInt8] = []
        values.reserveCapacity(lower.count - separator - 1)
        for byte in lower[(separator + 1)...] {
            guard let value = alphabet.firstIndex(of: byte) else {
                throw .invalidCharacter(Character(Unicode.Scalar(byte)))
            }
            values.append(UInt8(value))
        }
        guard polymod(expand(hrp) + values) == 1 else { throw .badChecksum }
        guard let data = convertBits(values.dropLast(6), from: 5, to: 8, pad: false) else { throw .invalidPadding }
        return (String(decoding: hrp, as: UTF8.self), data)
    }

    /// Decodes and checks that the string is the expected kind of key: `hrp` (compared without
    /// regard to case) and exactly `count` bytes.
    public static func decode(_ string: String, expectingHRP hrp: String, count: Int) throws(Bech32Error) -> [UInt8] {
        let decoded = try decode(string)
        guard decoded.hrp == hrp.lowercased() else { throw .wrongHRP(expected: hrp.lowercased(), found: decoded.hrp) }
        guard decoded.data.count == count else { throw .wrongLength(expected: count, found: decoded.data.count) }
        return decoded.data
    }

    private static func polymod(_ values: [UInt8]) -> UInt32 {
        var checksum: UInt32 = 1
        for value in values {
            let top = checksum >> 25
            checksum = (checksum & 0x1FF_FFFF) << 5 ^ UInt32(value)
            for bit in 0..<5 where (top >> UInt32(bit)) & 1 == 1 {
                checksum ^= generator[bit]
            }
        }
        return checksum
    }

    private static func expand(_ hrp: [UInt8]) -> [UInt8] {
        hrp.map { $0 >> 5 } + [0] + hrp.map { $0 & 31 }
    }

    /// Regroups bits (8 → 5 to encode, 5 → 8 to decode); nil when decoding leaves more than four
    /// padding bits or non-zero ones, which BIP-173 rejects.
    private static func convertBits(_ input: some Collection<UInt8>, from: Int, to: Int, pad: Bool) -> [UInt8]? {
        var accumulator = 0
        var bits = 0
        let mask = (1 << to) - 1
        var output: [UInt8] = []
        output.reserveCapacity(input.count * from / to + 1)
        for value in input {
            accumulator = (accumulator << from) | Int(value)
            bits += from
            while bits >= to {
                bits -= to
                output.append(UInt8((accumulator >> bits) & mask))
            }
            accumulator &= (1 << bits) - 1
        }
        if pad {
            if bits > 0 { output.append(UInt8((accumulator << (to - bits)) & mask)) }
        } else if bits >= from || (accumulator << (to - bits)) & mask != 0 {
            return nil
        }
        return output
    }
}
