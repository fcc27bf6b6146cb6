import AegisSystem
import Foundation
import Testing

/// Parallel gzip members against the real `gunzip`, and our reader against real `gzip`.
@Suite struct GzipTests {
    /// Compressible but not trivial: lines of SQL-like text with varying numbers.
    static func sampleData(bytes: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes + 100)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        while out.count < bytes {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            out += Array("INSERT INTO t VALUES (\(state >> 40), 'row \(state % 977)');\n".utf8)
        }
        return Array(out.prefix(bytes))
    }

    static func compress(_ data: [UInt8], level: Int = 6, workers: Int = 2, blockSize: Int = 64 * 1024) throws -> (gzip: [UInt8], writer: ParallelGzipWriter) {
        var output: [UInt8] = []
        let writer = ParallelGzipWriter(level: level, workers: workers, blockSize: blockSize) { output += $0 }
        // Uneven pieces, as a pipe delivers them.
        var offset = 0
        var piece = 1
        while offset < data.count {
            let end = min(data.count, offset + piece)
            try data[offset..<end].withUnsafeBytes { try writer.write($0) }
            offset = end
            piece = piece * 3 % 200_003 + 1
        }
        try writer.finish()
        return (output, writer)
    }

    @Test(arguments: [0, 1, 65_535, 65_536, 65_537, 1_000_000])
    func testParallelMembers_decompressWithTheRealGunzip(size: Int) throws {
        let data = Self.sampleData(bytes: size)
        let (gzip, writer) = try Self.compress(data)
        #expect(writer.plainBytes == Int64(size))
        #expect(writer.compressedBytes == Int64(gzip.count))
        let restored = try Self.run("/bin/gzip", ["-d", "-c"], input: gzip)
        #expect(restored == data)
    }

    @Test func testReader_readsTheRealGzipOutput_andOurMembers() throws {
        let data = Self.sampleData(bytes: 700_000)
        let fromGzip = try Self.run("/bin/gzip", ["-c", "-6"], input: data)
        #expect(try Self.decompress(fromGzip, pieceSize: 4096) == data)
        #expect(try Self.decompress(try Self.compress(data).gzip, pieceSize: 777) == data)
    }

    @Test func testReader_refusesATruncatedStream_andCorruptData() throws {
        let gzip = try Self.compress(Self.sampleData(bytes: 300_000)).gzip
        #expect(throws: SystemError.self) { try Self.decompress(Array(gzip.dropLast(5)), pieceSize: 1000) }
        var corrupt = gzip
        corrupt[corrupt.count / 2] ^= 0xFF
        #expect(throws: (any Error).self) { try Self.decompress(corrupt, pieceSize: 1000) }
    }

    @Test func testCompressionLevel_changesTheOutput() throws {
        let data = Self.sampleData(bytes: 500_000)
        let fast = try Self.compress(data, level: 1).gzip
        let small = try Self.compress(data, level: 9).gzip
        #expect(small.count < fast.count)
    }

    static func decompress(_ gzip: [UInt8], pieceSize: Int) throws -> [UInt8] {
        var output: [UInt8] = []
        let reader = try GzipReader { output += $0 }
        var offset = 0
        while offset < gzip.count {
            let end = min(gzip.count, offset + pieceSize)
            try gzip[offset..<end].withUnsafeBytes { try reader.write($0) }
            offset = end
        }
        try reader.finish()
        return output
    }

    /// Runs a real command with `input` on stdin and returns its stdout.
    static func run(_ executable: String, _ arguments: [String], input: [UInt8]) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        let writer = Thread {
            stdin.fileHandleForWriting.write(Data(input))
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(executable) \(arguments) failed")
        return Array(output)
    }
}
