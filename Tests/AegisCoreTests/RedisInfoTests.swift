import AegisCore
import Testing

/// `INFO`'s text as fields, the way redis-server writes it.
@Suite struct RedisInfoTests {
    @Test func testFields_skipHeadersAndBlankLines_andSplitAtTheFirstColon() {
        let text = "# Replication\r\nrole:master\r\nconnected_slaves:1\r\n"
            + "slave0:ip=::1,port=6380,state=online,offset=42,lag=0\r\n\r\n# Keyspace\r\ndb0:keys=2,expires=0,avg_ttl=0\r\n"
        #expect(RedisInfo.fields(text) == [
            "role": "master", "connected_slaves": "1",
            "slave0": "ip=::1,port=6380,state=online,offset=42,lag=0", "db0": "keys=2,expires=0,avg_ttl=0",
        ])
    }

    @Test func testBareNewlines_emptyValues_andLinesWithoutAColon() {
        #expect(RedisInfo.fields("a:1\nmaster_host:\nnot a field\n#x:y\nb:2") == ["a": "1", "master_host": "", "b": "2"])
        #expect(RedisInfo.fields("").isEmpty)
        #expect(RedisInfo.fields("\r\n\r\n").isEmpty)
    }

    @Test func testNonASCIIText_isKeptAsItIs() {
        #expect(RedisInfo.fields("executable:/opt/rédis/bin/redis-server\r\n") == ["executable": "/opt/rédis/bin/redis-server"])
    }
}
