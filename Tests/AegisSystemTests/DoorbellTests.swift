import Foundation
import AegisSystem
import Testing

/// The wake-up between a thread with news and the task waiting for it.
@Suite struct DoorbellTests {
    @Test func testARingBeforeTheWait_isKept_once() async {
        let bell = Doorbell()
        bell.ring()
        bell.ring()
        await bell.wait()  // the kept ring: no suspension
        let second = Task { await bell.wait() }
        bell.ring()  // wakes it, whether it waits already or not
        await second.value
    }

    @Test func testARingFromAnotherThread_wakesTheWaiter() async {
        let bell = Doorbell()
        let waiting = Task { await bell.wait() }
        Thread.detachNewThread { bell.ring() }
        await waiting.value
    }

    @Test func testCancellation_wakesTheWaiter_withoutARing() async {
        let bell = Doorbell()
        let waiting = Task { await bell.wait() }
        waiting.cancel()
        await waiting.value
    }
}
