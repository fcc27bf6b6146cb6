import Testing
import AegisCore

@Suite struct RestartPolicyTests {
    @Test(arguments: [
        (1, Duration.zero), (2, .milliseconds(500)), (3, .seconds(1)), (4, .seconds(2)),
        (8, .seconds(32)), (9, .seconds(60)), (30, .seconds(60)),
    ])
    func testDelayCap_isImmediateThenDoublesToTheMaximum(attempt: Int, cap: Duration) {
        #expect(RestartPolicy().delayCap(attempt: attempt) == cap)
    }

    @Test func testFailuresOutsideTheWindow_doNotCountTowardsTheBreaker() {
        let t0 = ContinuousClock.now
        var tracker = RestartTracker(policy: RestartPolicy(maxFailures: 2, window: .seconds(10)))
        #expect(tracker.recordFailure(at: t0, runStartedAt: nil, jitter: 0) == .restart(after: .zero))
        #expect(tracker.recordFailure(at: t0 + .seconds(11), runStartedAt: nil, jitter: 0) == .restart(after: .zero))
        guard case .giveUp = tracker.recordFailure(at: t0 + .seconds(12), runStartedAt: nil, jitter: 0) else {
            Issue.record("two failures within 10 s must open the breaker")
            return
        }
    }

    @Test(arguments: [(Duration.seconds(1), "1s"), (.milliseconds(1500), "1.5s"), (.milliseconds(250), "0.3s")])
    func testFormattedSeconds(duration: Duration, text: String) {
        #expect(duration.formattedSeconds == text)
    }

    @Test func testStopPlans_alwaysEndInSigkillOfTheGroup() {
        for plan in [StopPlan.postgres, .redis, .loki, .hung, StopPlan([])] {
            #expect(plan.steps.last?.signal == .kill)
            #expect(plan.steps.last?.toGroup == true)
        }
        #expect(StopPlan.postgres.steps.map(\.signal) == [.terminate, .interrupt, .quit, .kill])
        #expect(StopPlan.redis.steps.map(\.signal) == [.terminate, .kill])
    }
}
