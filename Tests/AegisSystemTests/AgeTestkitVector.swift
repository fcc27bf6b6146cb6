import CZlib
import Foundation

/// One vector of the CCTV age testkit (Resources/age-testkit, see its ORIGIN.md): a textual
/// header saying what decrypting the file must give, an empty line, then the age file.
struct AgeTestkitVector: CustomStringConvertible {
    /// The outcomes the testkit distinguishes (its `expect:` values, armor failure excepted).
    enum Expectation: String {
        case success
        case noMatch = "no match"
        case hmacFailure = "HMAC failure"
        case headerFailure = "header failure"
        case payloadFailure = "payload failure"
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Resources/age-testkit", isDirectory: true)

    /// Every vector file, sorted (the origin note is not one).
    static var names: [String] {
        let all = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return all.filter { !$0.hasSuffix(".md") }.sorted()
    }

    let name: String
    let expectation: Expectation
    /// Hex SHA-256 of all the plaintext released, even when decryption then fails.
    let payloadHash: String?
    let identities: [String]
    let passphrases: [String]
    let file: [UInt8]

    var description: String { name }

    /// Hybrid (ML-KEM-768 + X25519) vectors: post-quantum recipients, which aegisd does not
    /// implement.
    var usesHybridRecipients: Bool { identities.contains { $0.hasPrefix("AGE-SECRET-KEY-PQ-") } }

    init(named name: String) throws {
        self.name = name
        let raw = Array(try Data(contentsOf: Self.directory.appendingPathComponent(name)))
        guard let split = (0..<(raw.count - 1)).first(where: { raw[$0] == 0x0A && raw[$0 + 1] == 0x0A }) else {
            throw VectorError("\(name): no empty line after the vector's header")
        }
        var fields: [(String, String)] = []
        for line in String(decoding: raw[..<split], as: UTF8.self).split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { throw VectorError("\(name): header line without a colon: \(line)") }
            fields.append((String(line[..<colon]), String(line[line.index(after: colon)...].dropFirst())))
        }
        func values(_ key: String) -> [String] { fields.filter { $0.0 == key }.map(\.1) }
        guard let expect = values("expect").first, let expectation = Expectation(rawValue: expect) else {
            throw VectorError("\(name): unknown expectation \(values("expect"))")
        }
        self.expectation = expectation
        payloadHash = values("payload").first
        identities = values("identity")
        passphrases = values("passphrase")
        let body = Array(raw[(split + 2)...])
        switch values("compressed").first {
        case nil: file = body
        case "zlib": file = try Self.inflate(body)
        case let other?: throw VectorError("\(name): unknown compression \(other)")
        }
    }

    /// zlib-decompresses `bytes` (some vectors are megabytes of compressible ciphertext).
    static func inflate(_ bytes: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw VectorError("inflateInit failed")
        }
        defer { inflateEnd(&stream) }
        var input = bytes
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var status = Z_OK
        input.withUnsafeMutableBufferPointer { inputBuffer in
            stream.next_in = inputBuffer.baseAddress
            stream.avail_in = UInt32(inputBuffer.count)
            while status == Z_OK {
                buffer.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(out.count)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    output.append(contentsOf: out[0..<(out.count - Int(stream.avail_out))])
                }
            }
        }
        guard status == Z_STREAM_END else { throw VectorError("zlib stream did not end cleanly (\(status))") }
        return output
    }

    struct VectorError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
