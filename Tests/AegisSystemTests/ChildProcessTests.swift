import AegisCore
import Glibc
import Synchronization
import Testing
@testable import AegisSystem

@Suite struct ChildProcessTests {
    let me = try! ServiceAccount.forChildren(configuredUser: "aegis")

    @Test func testOutput_collectsStdoutAndStderrLinesAndTheExitStatus() async throws {
        let spec = LaunchSpec(
            executable: "/bin/sh", arguments: ["-c", "echo one; echo two >&2; printf 'no newline'; exit 3"],
            account: me)
        let result = try await ChildProcess.output(of: spec)
        #expect(result.status == .exited(3))
        #expect(Set(result.lines) == ["one", "two", "no newline"])
    }

    @Test func testOutputWithADeadline_killsTheWholeGroupPastIt_andSaysSo() async throws {
        // The shell leaves a grandchild (its pid printed) in its group: the kill must take both.
        let spec = LaunchSpec(
            executable: "/bin/sh", arguments: ["-c", "sleep 300 & echo $! ; wait"], account: me)
        var message = ""
        do {
            _ = try await ChildProcess.output(of: spec, deadline: .milliseconds(500))
        } catch {
            message = error.message
        }
        #expect(message.contains("did not finish within"), "\(message)")
        let grandchild = try #require(message.split(separator: " ").last.flatMap { Int32($0) })
        #expect(!ProcessTable.isAlive(grandchild) || ProcessTable.commandLine(grandchild).first != "sleep",
                "the grandchild went with the group")
    }

    @Test func testOutputWithADeadline_returnsWhatAQuickCommandPrinted() async throws {
        let spec = LaunchSpec(executable: "/bin/sh", arguments: ["-c", "echo done; exit 4"], account: me)
        let result = try await ChildProcess.output(of: spec, deadline: .seconds(60))
        #expect(result.status == .exited(4))
        #expect(result.lines == ["done"])
    }

    @Test func testRun_reportsThePidAndASignalDeath() async throws {
        let spec = LaunchSpec(executable: "/bin/sh", arguments: ["-c", "kill -9 $$"], account: me)
        let pid = Mutex<Int32?>(nil)
        let status = try await ChildProcess.run(spec, onLines: { _, _ in }) { @Sendable spawned in
            pid.withLock { $0 = spawned }
        }
        #expect(status == .signaled(9))
        #expect((pid.withLock { $0 } ?? 0) > 0)
    }

    @Test func testRun_putsTheChildInItsOwnProcessGroup_asTheServiceUserWhenRoot() async throws {
        let spec = LaunchSpec(executable: "/bin/sh", arguments: ["-c", "echo $(id -u) $(ps -o pgid= -p $$)"], account: me)
        let pid = Mutex<Int32>(0)
        let lines = Mutex<[String]>([])
        _ = try await ChildProcess.run(spec, onLines: { _, batch in lines.withLock { $0 += batch } }) { @Sendable p in
            pid.withLock { $0 = p }
        }
        // run returns after the child's last line was handed over (no wait needed here).
        let fields = lines.withLock { $0 }.first?.split(separator: " ").map(String.init) ?? []
        #expect(fields.count == 2)
        #expect(fields.first == String(me.uid))
        #expect(fields.last == String(pid.withLock { $0 }), "the child leads its own process group")
    }

    /// A one-shot command is SIGKILLed by the kernel when aegisd dies; a supervised server is
    /// not (aegisd's crash must not take a database down). Read back by `setpriv --dump` run as
    /// the child itself, after the same user switch (which would clear a signal set before it).
    @Test(arguments: [false, true])
    func testParentDeathSignal_isKillForOneShotCommands_andNoneForServers(outlivesDaemon: Bool) async throws {
        let spec = LaunchSpec(executable: ChildProcess.setprivPath, arguments: ["--dump"], account: me)
        let lines = Mutex<[String]>([])
        let status = try await ChildProcess.run(
            spec, outlivesDaemon: outlivesDaemon, onLines: { _, batch in lines.withLock { $0 += batch } }, onSpawn: { _ in })
        #expect(status == .exited(0))
        let dump = lines.withLock { $0 }
        let signal = try #require(dump.first { $0.hasPrefix("Parent death signal:") }, "\(dump)")
        #expect(signal == (outlivesDaemon ? "Parent death signal: [none]" : "Parent death signal: KILL"))
        #expect(dump.contains("uid: \(me.uid)"), "\(dump)")
    }

    @Test func testMissingProgram_throwsAndDoesNotHang() async {
        let spec = LaunchSpec(executable: "/nonexistent/program", arguments: [], account: me)
        await #expect(throws: SystemError.self) { try await ChildProcess.output(of: spec) }
    }
}
