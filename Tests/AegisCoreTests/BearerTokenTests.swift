import AegisCore
import Testing

@Suite struct BearerTokenTests {
    @Test(arguments: [
        ("Bearer s3cret-token", true), ("bearer s3cret-token", true), ("  Bearer   s3cret-token ", true),
        ("Bearer s3cret-toke", false), ("Bearer s3cret-token2", false), ("Basic czNjcmV0", false), ("s3cret-token", false),
        ("Bearer ", false), ("", false),
    ])
    func testAdmits(header: String, admitted: Bool) throws {
        let token = try #require(BearerToken(fileContent: "s3cret-token\n"))
        #expect(token.admits(header) == admitted)
    }

    @Test func testNoHeader_isRefused_andAnEmptyFileIsNoToken() throws {
        #expect(try #require(BearerToken(fileContent: "t")).admits(nil) == false)
        #expect(BearerToken(fileContent: " \n") == nil)
    }
}
