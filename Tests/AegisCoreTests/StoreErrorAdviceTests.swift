import AegisCore
import Testing

/// rclone's error output read for its cause. The SeaweedFS output is what rclone 1.60 printed
/// against a full SeaweedFS 4.48 here; the other stores' lines carry the error codes those
/// stores document (MinIO's XMinioStorageFull, Ceph's QuotaExceeded, B2's storage_cap_exceeded).
@Suite struct StoreErrorAdviceTests {
    /// SeaweedFS 4.48 with its volume disk full (the output OffsiteTests' full store gets).
    static let seaweedFull = """
        2026/12/01 07:07:40 ERROR : Attempt 1/1 failed with 1 errors and: InternalError: We encountered an internal error, please try again.
        \tstatus code: 500, request id: 18ED0F7DF2FAF5CC4FB96EDB, host id:
        2026/12/01 07:07:40 Failed to copyto: InternalError: We encountered an internal error, please try again.
        \tstatus code: 500, request id: 18ED0F7DF2FAF5CC4FB96EDB, host id:
        """

    @Test func testAPlainServerError_isNamed_withTheFullDiskToCheck() {
        let advice = StoreErrorAdvice.classify(Self.seaweedFull)
        #expect(advice == .serverError(status: 500))
        let text = advice?.text(configFile: "/etc/aegis/rclone.conf") ?? ""
        #expect(text.contains("HTTP 500") && text.contains("check the store's free space"), "\(text)")
    }

    @Test(arguments: [
        "XMinioStorageFull: Storage backend has reached its minimum free drive threshold.\n\tstatus code: 507",
        "QuotaExceeded: \n\tstatus code: 403, request id: tx0000",
        "storage_cap_exceeded (403)",
        "write /data/v_1.dat: no space left on device",
    ])
    func testAStoreThatSaysItIsFull_isFull_notARefusal(output: String) {
        #expect(StoreErrorAdvice.classify(output) == .full)
        #expect(StoreErrorAdvice.full.text(configFile: "/x").contains("free space in the store or raise its quota"))
    }

    @Test(arguments: [
        "Failed to copyto: Forbidden: Forbidden\n\tstatus code: 403, request id: 1",
        "SignatureDoesNotMatch: The request signature we calculated does not match",
        "InvalidAccessKeyId: The access key ID you provided does not exist",
    ])
    func testRefusedCredentials_nameTheConfigFile(output: String) {
        #expect(StoreErrorAdvice.classify(output) == .credentialsRefused)
        #expect(StoreErrorAdvice.credentialsRefused.text(configFile: "/etc/aegis/rclone.conf")
            .contains("check the access key and secret in offsite.rclone_config /etc/aegis/rclone.conf"))
    }

    @Test(arguments: [
        "Failed to copyto: RequestError: send request failed\ncaused by: dial tcp 127.0.0.1:9: connect: connection refused",
        "directory not found",
        "status code: 404, request id: 1",
        "",
    ])
    func testOtherFailures_getNoAdvice_onlyRclonesWords(output: String) {
        #expect(StoreErrorAdvice.classify(output) == nil)
    }

    @Test func testTheLastStatusCode_counts() {
        #expect(StoreErrorAdvice.classify("status code: 404\nthen status code: 503, request id") == .serverError(status: 503))
    }
}
