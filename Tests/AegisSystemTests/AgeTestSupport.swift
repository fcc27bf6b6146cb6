import AegisSystem
import Foundation
import Testing

/// Shared helpers for the age tests: deterministic data, piecewise streaming, temporary
/// directories and the real `age` command-line tools.
enum AgeTestSupport {
    static let age = "/usr/bin/age"
    static let ageKeygen = "/usr/bin/age-keygen"
    static let chunk = 64 * 1024

    /// Incompressible pseudo-random bytes, the same for the same seed.
    static func sample(bytes count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [UInt8] {
        var state = seed | 1
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < count {
                state ^= state << 13
                state ^= state >> 7
                state ^= state << 17
                var word = state
                let take = min(8, count - offset)
                withUnsafeBytes(of: &word) { buffer.baseAddress!.advanced(by: offset).copyMemory(from: $0.baseAddress!, byteCount: take) }
                offset += take
            }
        }
        return out
    }

    /// Feeds `data` to `write` in uneven pieces, as a pipe would deliver them.
    static func feed(_ data: [UInt8], pieceSize: Int?, to write: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let pieceSize else {
            try data.withUnsafeBytes { try write($0) }
            return
        }
        var offset = 0
        var piece = pieceSize
        while offset < data.count {
            let end = min(data.count, offset + piece)
            try data[offset..<end].withUnsafeBytes { try write($0) }
            offset = end
            piece = piece * 7 % (3 * pieceSize) + 1
        }
    }

    static func encrypt(_ plaintext: [UInt8], to recipients: [AgeRecipient], pieceSize: Int? = nil) throws -> [UInt8] {
        var ciphertext: [UInt8] = []
        let encryptor = try AgeEncryptor(recipients: recipients) { ciphertext.append(contentsOf: $0) }
        try feed(plaintext, pieceSize: pieceSize) { try encryptor.write($0) }
        try encryptor.finish()
        return ciphertext
    }

    static func decrypt(_ ciphertext: [UInt8], with identities: [AgeIdentity], pieceSize: Int? = nil) throws -> [UInt8] {
        var plaintext: [UInt8] = []
        let decryptor = AgeDecryptor(identities: identities) { plaintext.append(contentsOf: $0) }
        try feed(ciphertext, pieceSize: pieceSize) { try decryptor.write($0) }
        try decryptor.finish()
        return plaintext
    }

    /// The `AgeError` that decrypting `ciphertext` throws, or nil if it decrypts.
    static func decryptionError(_ ciphertext: [UInt8], with identities: [AgeIdentity], pieceSize: Int? = nil) -> AgeError? {
        do {
            _ = try decrypt(ciphertext, with: identities, pieceSize: pieceSize)
            return nil
        } catch let error as AgeError {
            return error
        } catch {
            Issue.record("unexpected error type: \(error)")
            return nil
        }
    }

    /// A fresh directory, removed by `body`'s end.
    static func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("aegis-age-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try body(directory)
    }

    struct Outcome {
        var status: Int32
        var stdout: [UInt8]
        var stderr: String
    }

    /// Runs a real program with `input` on stdin. Files rather than pipes carry the data, so
    /// neither side can block on a full pipe whatever the sizes.
    static func run(_ executable: String, _ arguments: [String], input: [UInt8] = [], in directory: URL) throws -> Outcome {
        let id = UUID().uuidString
        let inputURL = directory.appendingPathComponent("stdin-\(id)")
        let outputURL = directory.appendingPathComponent("stdout-\(id)")
        let errorURL = directory.appendingPathComponent("stderr-\(id)")
        try Data(input).write(to: inputURL)
        try Data().write(to: outputURL)
        try Data().write(to: errorURL)
        defer {
            for url in [inputURL, outputURL, errorURL] { try? FileManager.default.removeItem(at: url) }
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let stdin = try FileHandle(forReadingFrom: inputURL)
        let stdout = try FileHandle(forWritingTo: outputURL)
        let stderr = try FileHandle(forWritingTo: errorURL)
        defer {
            try? stdin.close()
            try? stdout.close()
            try? stderr.close()
        }
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus,
            stdout: Array(try Data(contentsOf: outputURL)),
            stderr: String(decoding: try Data(contentsOf: errorURL), as: UTF8.self))
    }

    /// Runs `command` under `script`, whose pseudo-terminal is the only place `age` reads a
    /// passphrase from; `typed` is what the user would type.
    static func runInTerminal(_ command: String, typed: String, in directory: URL) throws -> Outcome {
        try run("/usr/bin/script", ["-qec", command, "/dev/null"], input: Array(typed.utf8), in: directory)
    }

    static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }
}
