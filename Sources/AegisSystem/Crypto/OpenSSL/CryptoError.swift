import CLibCrypto

/// A libcrypto call that failed. These are rare (allocation failure, a provider missing from the
/// OpenSSL configuration) and never mean that data was forged: forgeries are reported by the
/// age format as `AgeError`, so a caller can tell "the file is bad" from "the machine is".
public struct CryptoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The operation that failed, e.g. "X25519 key derivation".
    public var operation: String
    /// OpenSSL's own reason, taken from its thread-local error queue, when it left one.
    public var reason: String?

    init(_ operation: String) {
        self.operation = operation
        reason = Self.drainErrorQueue()
    }

    public var description: String {
        reason.map { "\(operation) failed in libcrypto: \($0)" } ?? "\(operation) failed in libcrypto"
    }

    /// Takes every queued OpenSSL error so a stale one cannot be blamed on a later call.
    private static func drainErrorQueue() -> String? {
        var reasons: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var text = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &text, text.count)
            reasons.append(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return reasons.isEmpty ? nil : reasons.joined(separator: "; ")
    }
}
