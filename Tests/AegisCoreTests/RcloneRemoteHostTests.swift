import Testing
import AegisCore

/// The host `config check` reads from the rclone configuration for the unit's drop-in.
@Suite struct RcloneRemoteHostTests {
    @Test(arguments: [
        ("https://s3.example.net", "s3.example.net"),
        ("http://10.0.0.5:8333", "10.0.0.5"),
        ("http://10.0.0.5:8333/bucket?x=1", "10.0.0.5"),
        ("10.0.0.5:8333", "10.0.0.5"),
        ("store.internal", "store.internal"),
        ("https://user:pw@[2001:db8::5]:9000/", "2001:db8::5"),
        ("2001:db8::5", "2001:db8::5"),
        ("\"https://s3.example.net\"", "s3.example.net"),
        ("http://10.0.0.5:8333 # the lab's store", "10.0.0.5"),
    ])
    func testHostOfEndpoint(endpoint: String, host: String) {
        #expect(RcloneRemoteHost.host(ofEndpoint: endpoint) == host)
    }

    static let config = """
        # the operator's file
        [store]
        type = s3
        provider = SeaweedFS
        access_key_id = AKIDEXAMPLE
        secret_access_key = not-printed
        endpoint = http://203.0.113.9:8333

        [aws]
        type = s3
        provider = AWS
        region = eu-west-1

        [vault]
        type = crypt
        remote = store:encrypted
        password = not-printed

        [box]
        type = sftp
        host = backup.example.net
        user = aegis

        [dav]
        type = webdav
        url = https://dav.example.net/remote.php/webdav/

        [disk]
        type = local

        [mirror]
        type = alias
        remote = /srv/backups
        """

    @Test(arguments: [
        ("store:aegis-backups/db1", RcloneRemoteHost.Finding.host("203.0.113.9")),
        ("aws:bucket", .providerDefault(type: "s3")),
        ("vault:db1", .host("203.0.113.9")),
        ("box:backups", .host("backup.example.net")),
        ("dav:backups", .host("dav.example.net")),
        ("disk:/srv", .local),
        ("mirror:db1", .local),
        ("nowhere:bucket", .unknownRemote),
    ])
    func testFind_followsTheRemoteToTheHostItConnectsTo(remote: String, finding: RcloneRemoteHost.Finding) {
        #expect(RcloneRemoteHost.find(remote: remote, configText: Self.config) == finding)
    }

    @Test func testFind_aLoopOfWrappersEnds() {
        let looping = "[a]\ntype = alias\nremote = b:x\n[b]\ntype = alias\nremote = a:y\n"
        #expect(RcloneRemoteHost.find(remote: "a:z", configText: looping) == .unknownRemote)
    }
}
