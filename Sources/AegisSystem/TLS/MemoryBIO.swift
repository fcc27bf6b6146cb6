import CLibCrypto

/// OpenSSL's PEM functions read from and write to a `BIO`; these move text in and out of a
/// memory BIO so that the wrappers deal in Swift strings and files stay our business (atomic
/// writes, modes, owners).
enum MemoryBIO {
    /// Runs `body` with a read-only BIO over `text`'s bytes.
    static func reading<T>(_ text: String, _ body: (OpaquePointer) throws(CryptoError) -> T) throws(CryptoError) -> T {
        var bytes = Array(text.utf8)
        // An empty array may have no address; one spare byte keeps the pointer valid.
        bytes.append(0)
        let result: Result<T, CryptoError> = bytes.withUnsafeBytes { buffer in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count - 1)) else {
                return .failure(CryptoError("memory BIO allocation"))
            }
            defer { BIO_free(bio) }
            return Result { () throws(CryptoError) in try body(bio) }
        }
        return try result.get()
    }

    /// Runs `write` on an empty memory BIO and returns what it wrote; `write` returns OpenSSL's
    /// status (1 on success).
    static func writing(_ operation: String, _ write: (OpaquePointer) -> Int32) throws(CryptoError) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw CryptoError("memory BIO allocation") }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw CryptoError(operation) }
        // BIO_get_mem_data is a macro over BIO_ctrl(BIO_CTRL_INFO).
        var data: UnsafeMutablePointer<CChar>?
        let length = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &data)
        guard let data, length > 0 else { throw CryptoError(operation) }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    }
}

/// The PEM password callback we hand OpenSSL: no password. Without it OpenSSL would prompt on
/// the daemon's terminal for an encrypted key; with it such a key simply fails to load.
let refusePassword: @convention(c) (UnsafeMutablePointer<CChar>?, Int32, Int32, UnsafeMutableRawPointer?) -> Int32 = { _, _, _, _ in 0 }
