import AegisCore
import CLibSSL
import Glibc

/// A TLS connection (libssl) over a connected `SocketConnection`. As a client: TLS 1.2 or newer,
/// the server's chain verified against `TLSClientSettings.caFile` (or the system store), its
/// name checked against the certificate's subjectAltNames, SNI sent for DNS names. As a server
/// (`accepting:`): TLS 1.2 or newer with the certificate and key of a `TLSServerIdentity`, no
/// client certificate asked. Every wait uses the socket's deadline, so a peer that stalls
/// mid-handshake costs a timeout, not a thread.
///
/// libssl writes with write(2), not send(MSG_NOSIGNAL): a peer that closes mid-write raises
/// SIGPIPE, which aegisd ignores process-wide (`TerminationSignals`) and so must any other user.
///
/// A fresh SSL_CTX per connection, on purpose: the CA file may not exist yet when the shipper
/// is built (aegisd creates its CA after), and may be replaced by `certs rotate`; reading it at
/// each connect (one per push or probe, at most a few per second) always sees the current one.
public final class TLSConnection: ByteStream {
    private let socket: SocketConnection
    private let context: OpaquePointer
    private let ssl: OpaquePointer
    /// "TLSv1.3" or "TLSv1.2": what was negotiated.
    public private(set) var protocolVersion = ""
    /// Whether close_notify may be sent: only after a handshake, and never after a fatal error
    /// (OpenSSL forbids SSL_shutdown then).
    private var mayShutDown = false

    /// Runs the handshake; throws, naming the peer and the reason, when it fails.
    /// - Parameter peer: "host:port", for messages.
    public init(over socket: SocketConnection, settings: TLSClientSettings, peer: String) throws(SystemError) {
        self.socket = socket
        (context, ssl) = try Self.contextAndConnection(TLS_client_method()) { context throws(SystemError) in
            try Self.configure(context, settings)
        }
        // From here on deinit frees both, whatever is thrown.
        try configureConnection(settings)
        try handshake(settings, peer: peer)
        protocolVersion = String(cString: SSL_get_version(ssl))
        mayShutDown = true
    }

    /// Runs the server side of a handshake on an accepted connection, with the certificate
    /// files as they are now (read at every handshake: a rotation needs no restart).
    public init(accepting socket: SocketConnection, identity: TLSServerIdentity) throws(SystemError) {
        self.socket = socket
        (context, ssl) = try Self.contextAndConnection(TLS_server_method()) { context throws(SystemError) in
            try Self.configure(context, identity)
        }
        guard SSL_set_fd(ssl, socket.fd) == 1 else {
            throw SystemError("TLS: cannot attach to the socket: \(Self.errorQueue())")
        }
        while true {
            let rc = SSL_accept(ssl)
            if rc == 1 { break }
            try waitOrThrow(SSL_get_error(ssl, rc), what: "TLS handshake")
        }
        protocolVersion = String(cString: SSL_get_version(ssl))
        mayShutDown = true
    }

    /// A context made with `method` and set up by `configure`, then a connection from it. The
    /// context first: SSL_new copies its verify mode, certificates and protocol bounds, so
    /// settings made on the context afterwards would not apply to this connection.
    private static func contextAndConnection(
        _ method: OpaquePointer?, configure: (OpaquePointer) throws(SystemError) -> Void
    ) throws(SystemError) -> (OpaquePointer, OpaquePointer) {
        ERR_clear_error()
        guard let context = SSL_CTX_new(method) else {
            throw SystemError("TLS: cannot create a context: \(errorQueue())")
        }
        do {
            try configure(context)
        } catch {
            SSL_CTX_free(context)
            throw error
        }
        guard let ssl = SSL_new(context) else {
            SSL_CTX_free(context)
            throw SystemError("TLS: cannot create a connection: \(errorQueue())")
        }
        return (context, ssl)
    }

    deinit {
        // One close_notify, not waiting for the peer's: the socket closes right after.
        if mayShutDown { _ = SSL_shutdown(ssl) }
        SSL_free(ssl)
        SSL_CTX_free(context)
    }

    /// TLS 1.2 or newer, peer verification, and the CAs to verify against.
    private static func configure(_ context: OpaquePointer, _ settings: TLSClientSettings) throws(SystemError) {
        guard aegis_SSL_CTX_set_min_proto_version(context, aegis_TLS1_2_VERSION()) == 1 else {
            throw SystemError("TLS: cannot require TLS 1.2: \(errorQueue())")
        }
        // HTTP/1.1 with Connection: close frames its own end; a server that closes without
        // close_notify (common) is the end of the response, not an error.
        _ = aegis_SSL_CTX_set_options(context, aegis_SSL_OP_IGNORE_UNEXPECTED_EOF())
        if let caFile = settings.caFile {
            guard access(caFile, R_OK) == 0 else {
                throw .errno("TLS: cannot read the CA file \(caFile)")
            }
            guard SSL_CTX_load_verify_locations(context, caFile, nil) == 1 else {
                throw SystemError("TLS: \(caFile) holds no usable CA certificate: \(errorQueue())")
            }
        } else if SSL_CTX_set_default_verify_paths(context) != 1 {
            throw SystemError("TLS: cannot load the system's CA store: \(errorQueue())")
        }
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
    }

    /// TLS 1.2 or newer, and the chain and key the server presents.
    private static func configure(_ context: OpaquePointer, _ identity: TLSServerIdentity) throws(SystemError) {
        guard aegis_SSL_CTX_set_min_proto_version(context, aegis_TLS1_2_VERSION()) == 1 else {
            throw SystemError("TLS: cannot require TLS 1.2: \(errorQueue())")
        }
        guard SSL_CTX_use_certificate_chain_file(context, identity.certificateFile) == 1 else {
            throw SystemError("TLS: \(identity.certificateFile) holds no usable certificate: \(errorQueue())")
        }
        guard SSL_CTX_use_PrivateKey_file(context, identity.keyFile, SSL_FILETYPE_PEM) == 1 else {
            throw SystemError("TLS: \(identity.keyFile) holds no usable private key: \(errorQueue())")
        }
        guard SSL_CTX_check_private_key(context) == 1 else {
            throw SystemError("TLS: \(identity.keyFile) is not the key of \(identity.certificateFile)")
        }
    }

    /// The name to check (and send as SNI), and the socket to run over.
    private func configureConnection(_ settings: TLSClientSettings) throws(SystemError) {
        SSL_set_verify(ssl, SSL_VERIFY_PEER, nil)
        let name = settings.serverName
        if Self.isIPAddress(name) {
            // An IP address is matched against IP subjectAltNames and never sent as SNI (RFC 6066).
            guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) == 1 else {
                throw SystemError("TLS: cannot verify against the address \(name): \(Self.errorQueue())")
            }
        } else {
            guard SSL_set1_host(ssl, name) == 1, aegis_SSL_set_tlsext_host_name(ssl, name) == 1 else {
                throw SystemError("TLS: cannot verify against the name \(name): \(Self.errorQueue())")
            }
        }
        guard SSL_set_fd(ssl, socket.fd) == 1 else {
            throw SystemError("TLS: cannot attach to the socket: \(Self.errorQueue())")
        }
    }

    private func handshake(_ settings: TLSClientSettings, peer: String) throws(SystemError) {
        while true {
            let rc = SSL_connect(ssl)
            if rc == 1 { return }
            let code = SSL_get_error(ssl, rc)
            do throws(SystemError) {
                switch code {
                case SSL_ERROR_WANT_READ: try socket.wait(for: Int16(POLLIN))
                case SSL_ERROR_WANT_WRITE: try socket.wait(for: Int16(POLLOUT))
                default: throw handshakeError(code, settings: settings, peer: peer)
                }
            } catch {
                throw SystemError("TLS handshake with \(peer): \(error.message)")
            }
        }
    }

    /// The reason a handshake failed, worded for the operator: a verification failure says
    /// what did not verify and against which CAs; anything else says what OpenSSL said.
    private func handshakeError(_ code: Int32, settings: TLSClientSettings, peer: String) -> SystemError {
        let verify = SSL_get_verify_result(ssl)
        if verify != X509_V_OK {
            let reason = String(cString: X509_verify_cert_error_string(verify))
            return SystemError(
                "certificate verify failed: \(reason) (server \(peer), expected name \(settings.serverName), "
                    + "trusting \(settings.trustDescription))")
        }
        var queue = Self.errorQueue()
        if queue.isEmpty {
            queue = code == SSL_ERROR_SYSCALL ? "the server closed the connection" : "SSL error \(code)"
        }
        if queue.contains("wrong version number") || queue.contains("packet length too long") {
            queue += " (the server does not speak TLS on this port: is it plain http?)"
        }
        return SystemError(queue)
    }

    public func write(_ bytes: [UInt8]) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            var written = 0
            let rc = bytes[offset...].withUnsafeBytes { SSL_write_ex(ssl, $0.baseAddress, $0.count, &written) }
            if rc == 1 {
                offset += written
                continue
            }
            try waitOrThrow(SSL_get_error(ssl, rc), what: "TLS write")
        }
    }

    public func read(max: Int) throws(SystemError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: max)
        while true {
            var count = 0
            // Read before polling: libssl may hold decrypted bytes the socket no longer shows.
            let rc = buffer.withUnsafeMutableBytes { SSL_read_ex(ssl, $0.baseAddress, $0.count, &count) }
            if rc == 1 { return Array(buffer[0..<count]) }
            let code = SSL_get_error(ssl, rc)
            if code == SSL_ERROR_ZERO_RETURN { return [] }
            try waitOrThrow(code, what: "TLS read")
        }
    }

    private func waitOrThrow(_ code: Int32, what: String) throws(SystemError) {
        switch code {
        case SSL_ERROR_WANT_READ: try socket.wait(for: Int16(POLLIN))
        case SSL_ERROR_WANT_WRITE: try socket.wait(for: Int16(POLLOUT))
        case SSL_ERROR_SYSCALL where ERR_peek_error() == 0:
            mayShutDown = false
            throw .errno(what)
        default:
            mayShutDown = false
            let queue = Self.errorQueue()
            throw SystemError("\(what): \(queue.isEmpty ? "SSL error \(code)" : queue)")
        }
    }

    /// Drains libssl's (thread-local) error queue into one line.
    static func errorQueue() -> String {
        var reasons: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var text = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &text, text.count)
            reasons.append(text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        }
        return reasons.joined(separator: "; ")
    }

    static func isIPAddress(_ name: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, name, &v4) == 1 || inet_pton(AF_INET6, name, &v6) == 1
    }
}
