import CLibCrypto

/// scrypt (RFC 7914) with age's parameters r = 8, p = 1, through `EVP_PBE_scrypt`.
enum Scrypt {
    /// The largest work factor we will ever compute: 2^30 costs 128 GiB of memory, far beyond
    /// what any age implementation produces; it only bounds the arithmetic below.
    static let workFactorRange = 1...30

    static func derive(password: [UInt8], salt: [UInt8], logN: Int, count: Int = 32) throws(CryptoError) -> [UInt8] {
        precondition(workFactorRange.contains(logN), "scrypt work factor outside 1...30")
        let n = UInt64(1) << UInt64(logN)
        let r: UInt64 = 8
        // OpenSSL refuses anything above `maxmem` (32 MiB by default, less than age's default
        // work factor 18 needs): allow exactly scrypt's V array, 128·r·(N+2) bytes, plus its
        // 128·r·p B array and some slack.
        let maxMemory = 128 * r * (n + 2) + 128 * r + (1 << 16)
        var key = [UInt8](repeating: 0, count: count)
        let status = password.withUnsafeBytes { password in
            EVP_PBE_scrypt(
                password.baseAddress?.assumingMemoryBound(to: CChar.self), password.count,
                salt, salt.count, n, r, 1, maxMemory, &key, count)
        }
        guard status == 1 else { throw CryptoError("scrypt (work factor \(logN))") }
        return key
    }
}
