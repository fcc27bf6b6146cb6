import AegisCore
import CLibCrypto
import Glibc

/// Reads certificates and keys from PEM files, telling "cannot read the file" apart from "the
/// file is not what it should be": an operator fixes the two differently.
enum PEMFile {
    enum Failure: Error, Equatable {
        /// The file cannot be opened or read; strerror's text.
        case unreadable(String)
        /// Read, but no PEM object of the expected kind was in it.
        case notPEM
    }

    static let certificateKind = "a PEM certificate"
    static let keyKind = "an unencrypted PEM private key"

    static func text(_ path: String) throws(Failure) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadable(String(cString: strerror(errno))) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadable(String(cString: strerror(errno)))
            }
            if count == 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func certificates(at path: String) throws(Failure) -> [Certificate] {
        let pem = try text(path)
        do {
            return try Certificate.all(pem: pem)
        } catch {
            ERR_clear_error()
            throw .notPEM
        }
    }

    static func key(at path: String) throws(Failure) -> PrivateKey {
        let pem = try text(path)
        do {
            return try PrivateKey(pem: pem)
        } catch {
            ERR_clear_error()
            throw .notPEM
        }
    }

    /// The first certificate of `path`, with an operator's message on failure.
    static func certificate(_ path: String) throws(SystemError) -> Certificate {
        do {
            return try certificates(at: path)[0]
        } catch {
            throw SystemError(problem(error, path: path, expected: certificateKind).description)
        }
    }

    /// The private key in `path`, with an operator's message on failure.
    static func privateKey(_ path: String) throws(SystemError) -> PrivateKey {
        do {
            return try key(at: path)
        } catch {
            throw SystemError(problem(error, path: path, expected: keyKind).description)
        }
    }

    static func problem(_ failure: Failure, path: String, expected: String) -> CertificateProblem {
        switch failure {
        case let .unreadable(reason): .unreadable(path: path, reason: reason)
        case .notPEM: .notPEM(path: path, expected: expected)
        }
    }
}
