import CLibCrypto

/// Chain verification with OpenSSL's own verifier (`X509_verify_cert`), so that "chains to the
/// CA" means exactly what it means to the TLS libraries of PostgreSQL, Redis and their clients.
enum CertificateChain {
    /// Nil when `leaf` chains, through `intermediates`, to one of `anchors`; otherwise
    /// OpenSSL's reason (`X509_verify_cert_error_string`).
    ///
    /// Time is not checked here (`X509_V_FLAG_NO_CHECK_TIME`): callers report expiry
    /// themselves, with the date and against their injected clock. Any certificate of the
    /// bundle is a trust anchor, root or not (`X509_V_FLAG_PARTIAL_CHAIN`), because the operator
    /// named that bundle as the CA to trust.
    static func failure(of leaf: Certificate, intermediates: [Certificate] = [], anchors: [Certificate]) -> String? {
        guard let store = X509_STORE_new() else { return "out of memory" }
        defer { X509_STORE_free(store) }
        for anchor in anchors {
            // A duplicate anchor is not an error for our purpose.
            _ = X509_STORE_add_cert(store, anchor.pointer)
        }
        guard let untrusted = OPENSSL_sk_new_null() else { return "out of memory" }
        // The stack borrows the certificates; OPENSSL_sk_free leaves them alone.
        defer { OPENSSL_sk_free(untrusted) }
        for certificate in intermediates {
            OPENSSL_sk_push(untrusted, UnsafeRawPointer(certificate.pointer))
        }
        guard let context = X509_STORE_CTX_new() else { return "out of memory" }
        defer { X509_STORE_CTX_free(context) }
        guard X509_STORE_CTX_init(context, store, leaf.pointer, untrusted) == 1 else {
            ERR_clear_error()
            return "verification could not start"
        }
        X509_STORE_CTX_set_flags(context, UInt(X509_V_FLAG_NO_CHECK_TIME | X509_V_FLAG_PARTIAL_CHAIN))
        let verified = X509_verify_cert(context) == 1
        let code = X509_STORE_CTX_get_error(context)
        ERR_clear_error()
        if verified { return nil }
        return String(cString: X509_verify_cert_error_string(Int(code)))
    }
}
