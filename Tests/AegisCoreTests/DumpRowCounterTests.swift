import Testing

@testable import AegisCore

@Suite struct DumpRowCounterTests {
    /// The shape of a real plain-format dump (pg_dump 15): header, DDL, one data block per table.
    static let dump = """
        --
        -- PostgreSQL database dump
        --

        -- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
        -- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

        SET statement_timeout = 0;

        --
        -- Name: f(); Type: FUNCTION; Schema: public; Owner: aegis
        --

        CREATE FUNCTION public.f() RETURNS void AS $_$
        COPY public.decoy (a) FROM stdin;
        1
        $_$ LANGUAGE sql;

        --
        -- Data for Name: accounts; Type: TABLE DATA; Schema: public; Owner: aegis
        --

        COPY public.accounts (id, note) FROM stdin;
        1\tfirst\\nline
        2\t\\\\.
        3\t\\N
        \\.


        --
        -- Data for Name: My "Odd" Table; Type: TABLE DATA; Schema: Sales Dept; Owner: aegis
        --

        COPY "Sales Dept"."My ""Odd"" Table" ("a b") FROM stdin;
        x
        \\.


        --
        -- Data for Name: empty; Type: TABLE DATA; Schema: public; Owner: aegis
        --

        COPY public.empty (id) FROM stdin;
        \\.


        --
        -- Name: accounts accounts_pkey; Type: CONSTRAINT; Schema: public; Owner: aegis
        --

        ALTER TABLE ONLY public.accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY (id);

        """

    static let expected: [String: Int64] = ["public.accounts": 3, "Sales Dept.My \"Odd\" Table": 1, "public.empty": 0]

    static func count(_ text: String, pieceSizes: [Int]) throws -> (rowCounts: [String: Int64], serverVersion: String) {
        var counter = DumpRowCounter()
        let bytes = Array(text.utf8)
        var offset = 0
        var sizes = pieceSizes.makeIterator()
        while offset < bytes.count {
            let size = sizes.next() ?? bytes.count
            let end = min(bytes.count, offset + max(1, size))
            bytes[offset..<end].withUnsafeBytes { counter.consume($0) }
            offset = end
        }
        return try counter.finish()
    }

    @Test func testCountsEveryTablesRows_andReadsTheServerVersion() throws {
        let result = try Self.count(Self.dump, pieceSizes: [])
        #expect(result.rowCounts == Self.expected)
        #expect(result.serverVersion == "15.18 (Debian 15.18-0+deb12u1)")
    }

    @Test(arguments: [1, 2, 3, 7, 8, 9, 64, 4096])
    func testTheResultDoesNotDependOnHowTheStreamIsCut(pieceSize: Int) throws {
        let result = try Self.count(Self.dump, pieceSizes: Array(repeating: pieceSize, count: Self.dump.utf8.count))
        #expect(result.rowCounts == Self.expected)
    }

    @Test func testIrregularCuts_everyOffsetOnce() throws {
        let length = Self.dump.utf8.count
        for cut in 1..<length {
            let result = try Self.count(Self.dump, pieceSizes: [cut, 5, 1, 13])
            #expect(result.rowCounts == Self.expected, "cut at \(cut)")
        }
    }

    @Test func testManyRows_countedExactly() throws {
        let rows = (0..<100_000).map { "\($0)\tsome padding text \($0 * 7)" }.joined(separator: "\n")
        let text = """
            -- Dumped from database version 15.18
            -- Data for Name: big; Type: TABLE DATA; Schema: public; Owner: aegis
            COPY public.big (id, note) FROM stdin;
            \(rows)
            \\.

            """
        let result = try Self.count(text, pieceSizes: Array(repeating: 65_536, count: 100))
        #expect(result.rowCounts == ["public.big": 100_000])
    }

    @Test func testAStreamThatStopsInsideATable_isRefused() {
        // Everything before the third row of public.accounts.
        let cut = String(Self.dump.prefix { $0 != "3" })
        #expect(cut.hasSuffix("\\\\.\n"))
        #expect(throws: DumpRowCounter.Failure.endedInsideTable("public.accounts")) {
            try Self.count(cut, pieceSizes: [])
        }
    }

    @Test func testAStreamWithoutTheVersionHeader_isRefused() {
        #expect(throws: DumpRowCounter.Failure.noVersionHeader) {
            try Self.count("COPY public.t (a) FROM stdin;\n\\.\n", pieceSizes: [])
        }
    }

    @Test func testQualifiedNames_areUnquotedAsPgClassNamesThem() {
        #expect(DumpRowCounter.qualifiedName(atStartOf: "public.t (a) FROM stdin;") == "public.t")
        #expect(DumpRowCounter.qualifiedName(atStartOf: "public.\"user\" (a) FROM stdin;") == "public.user")
        #expect(DumpRowCounter.qualifiedName(atStartOf: "\"a.b\".\"c\"\"d\" (a)") == "a.b.c\"d")
        #expect(DumpRowCounter.qualifiedName(atStartOf: "noschema (a)") == nil)
        #expect(DumpRowCounter.qualifiedName(atStartOf: "\"unterminated.t (a)") == nil)
    }

    @Test func testNewlineSearch_agreesWithAByteLoop() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let length = Int.random(in: 0..<80, using: &generator)
            let bytes = (0..<length).map { _ in
                // Bytes near 0x0A and with high bits set, where word tricks go wrong.
                [UInt8(0x0A), 0x0B, 0x09, 0x8A, 0xFF, 0x00, 0x41].randomElement(using: &generator)!
            }
            let start = Int.random(in: 0...length, using: &generator)
            let expected = bytes[start...].firstIndex(of: 0x0A)
            bytes.withUnsafeBytes { #expect(NewlineSearch.first(in: $0, from: start) == expected) }
        }
    }
}
