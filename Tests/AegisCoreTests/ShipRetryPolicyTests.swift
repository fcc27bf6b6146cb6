import AegisCore
import Testing

@Suite struct ShipRetryPolicyTests {
    let policy = ShipRetryPolicy()

    @Test(arguments: [
        (ShipRetryPolicy.Outcome.status(204), ShipRetryPolicy.Decision.delivered),
        (.status(200), .delivered),
        (.status(400), .drop),
        (.status(413), .drop),
        (.status(404), .drop),
        (.status(401), .credentialsRefused(retryAfterNs: 500_000_000)),
        (.status(403), .credentialsRefused(retryAfterNs: 500_000_000)),
        (.status(429), .retry(afterNs: 500_000_000)),
        (.status(500), .retry(afterNs: 500_000_000)),
        (.status(503), .retry(afterNs: 500_000_000)),
        (.networkError, .retry(afterNs: 500_000_000)),
    ])
    func testDecision_byOutcome(outcome: ShipRetryPolicy.Outcome, expected: ShipRetryPolicy.Decision) {
        #expect(policy.decide(outcome, attempt: 1, random: 0) == expected)
    }

    @Test(arguments: [(1, Int64(500_000_000)), (2, 1_000_000_000), (5, 8_000_000_000), (10, 256_000_000_000), (11, 300_000_000_000), (1000, 300_000_000_000)])
    func testDelay_doublesUpToTheCap(attempt: Int, expected: Int64) {
        #expect(policy.delay(attempt: attempt, random: 0) == expected)
    }

    @Test func testJitter_shortensByAtMostItsShare() {
        #expect(policy.delay(attempt: 1, random: 0.999_999) >= 375_000_000)
        #expect(policy.delay(attempt: 1, random: 0.5) == 437_500_000)
    }
}
