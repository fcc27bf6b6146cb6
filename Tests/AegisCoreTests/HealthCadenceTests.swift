import Testing

@testable import AegisCore

/// Health checks of every service fall due on one grid of instants.
@Suite struct HealthCadenceTests {
    let epoch = ContinuousClock.now
    var cadence: HealthCadence { HealthCadence(epoch: epoch, interval: .milliseconds(1000)) }

    @Test func testNext_isTheFollowingGridPoint_fromAnywhereInAnInterval() {
        #expect(cadence.next(after: epoch) == epoch + .seconds(1))
        #expect(cadence.next(after: epoch + .milliseconds(1)) == epoch + .seconds(1))
        #expect(cadence.next(after: epoch + .milliseconds(999)) == epoch + .seconds(1))
        #expect(cadence.next(after: epoch + .milliseconds(1000)) == epoch + .seconds(2))
        #expect(cadence.next(after: epoch + .milliseconds(2500)) == epoch + .seconds(3))
    }

    @Test func testServicesCheckedAtDifferentMoments_comeDueTogether() {
        let dues = [3, 250, 777, 998].map { cadence.next(after: epoch + .seconds(41) + .milliseconds($0)) }
        #expect(Set(dues.map { $0 - epoch }) == [.seconds(42)])
    }

    @Test func testAWeekFromTheEpoch_theGridIsExact() {
        let week = Duration.seconds(7 * 24 * 3600)
        let odd = HealthCadence(epoch: epoch, interval: .milliseconds(700))
        // 604,800 s is 864,000 intervals of 0.7 s exactly: the next point is one interval on.
        #expect(odd.next(after: epoch + week) == epoch + week + .milliseconds(700))
        #expect(odd.next(after: epoch + week - .nanoseconds(1)) == epoch + week)
    }

    @Test func testBeforeTheEpoch_theEpochComesFirst() {
        #expect(cadence.next(after: epoch - .seconds(5)) == epoch)
    }

    @Test func testACheckThatOverran_isFollowedByTheMissedGridPoint_atOnce() {
        // A check began at 10.2 s and ended at 11.5 s: the next is due at 11 s, already past,
        // so the loop checks again at once (fixed rate), then falls back onto the grid.
        let began = epoch + .milliseconds(10_200)
        #expect(cadence.next(after: began) == epoch + .seconds(11))
        #expect(cadence.next(after: epoch + .milliseconds(11_500)) == epoch + .seconds(12))
    }
}
