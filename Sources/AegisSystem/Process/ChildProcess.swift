import AegisCore
import CAegisShims
import Glibc
import Subprocess
import Synchronization
import SystemPackage

/// Spawns supervised children through swift-subprocess: in their own process group, as the
/// service account, with a minimal environment, stdout and stderr captured line by line.
///
/// The pipes are ours, not Subprocess's, so that the exit of the main process is reported the
/// moment it is reaped, even while orphaned grandchildren (a killed postmaster's backends) still
/// hold the write ends; the reader drains them until the last holder is gone.
public enum ChildProcess {
    /// Runs `spec` until the process exits. `onSpawn` receives the pid as soon as it exists.
    ///
    /// - Parameters:
    ///   - stdin: a descriptor the child reads as its stdin (a pipe's read end for `psql` in a
    ///     restore); closed here once the child has it. nil: /dev/null.
    ///   - rawStdout: a descriptor the child writes its stdout to, unparsed (a pipe's write end
    ///     for `pg_dump`); closed here once the child has it. nil: stdout comes as lines.
    ///   - drainAhead: cut lines on a thread of their own so that the child is never slowed by
    ///     `onLines` (supervised servers); lines may then still arrive after this returns.
    ///     Without it (one-shot commands), this returns only after the last line was handed to
    ///     `onLines`, so an error message a command printed before it exited is never missed.
    ///   - outlivesDaemon: false (the default) for one-shot commands (pg_dump, psql, rclone,
    ///     pgBackRest…): the kernel SIGKILLs them when aegisd dies, even by SIGKILL outside
    ///     systemd, so no upload or dump runs on unsupervised. true only for the supervised
    ///     servers: a crash of aegisd must not take the databases down (the next start finds
    ///     them as leftovers and stops them in order).
    ///   - onLines: the lines of one stream, a batch per read (one or many).
    ///   - onOutputDropped: bytes dropped in drain-ahead mode because the line handling fell
    ///     too far behind (the child is never made to wait).
    public static func run(
        _ spec: LaunchSpec,
        stdin: Int32? = nil,
        rawStdout: Int32? = nil,
        drainAhead: Bool = false,
        outlivesDaemon: Bool = false,
        onLines: @escaping @Sendable (OutputStreamKind, [String]) -> Void,
        onOutputDropped: @escaping @Sendable (Int) -> Void = { _ in },
        onSpawn: @Sendable (Int32) async -> Void
    ) async throws(SystemError) -> ExitStatus {
        // Checked here because behind setpriv a missing program would be an exit status (127).
        guard FileSystem.isExecutable(spec.executable) else {
            stdin.map { _ = close($0) }
            rawStdout.map { _ = close($0) }
            throw SystemError("cannot start \(spec.executable): no such executable file")
        }
        let stdoutPipe: (read: Int32, write: Int32)
        if let rawStdout { stdoutPipe = (-1, rawStdout) } else { stdoutPipe = try makePipe() }
        let stderrPipe = try makePipe()
        if drainAhead {
            // A server's burst of output then waits in the pipe while the reader thread waits
            // for a CPU, instead of stopping the server every 64 KiB.
            for fd in [stdoutPipe.read, stderrPipe.read] where fd >= 0 { growPipe(fd, to: supervisedPipeBytes) }
        }
        // Always a descriptor, /dev/null by default: Subprocess's input is a generic parameter,
        // so one call site needs one input type.
        let input = stdin ?? open("/dev/null", O_RDONLY | O_CLOEXEC)
        let outputEnd = OutputEnd()
        PipeLineReader.start(
            (rawStdout == nil ? [(stdoutPipe.read, .stdout)] : []) + [(stderrPipe.read, .stderr)], drainAhead: drainAhead,
            onLines: onLines, onDropped: onOutputDropped, onFinished: { outputEnd.signal() })

        var options = PlatformOptions()
        options.processGroupID = 0
        let (executable, arguments) = commandLine(spec, outlivesDaemon: outlivesDaemon)
        var environment: [Environment.Key: String] = [:]
        for (key, value) in spec.environment {
            environment[Environment.Key(stringLiteral: key)] = value
        }
        do {
            let result = try await Subprocess.run(
                .path(FilePath(executable)),
                arguments: Arguments(arguments),
                environment: .custom(environment),
                workingDirectory: spec.workingDirectory.map { FilePath($0) },
                platformOptions: options,
                input: .fileDescriptor(FileDescriptor(rawValue: input), closeAfterSpawningProcess: true),
                output: .fileDescriptor(FileDescriptor(rawValue: stdoutPipe.write), closeAfterSpawningProcess: true),
                error: .fileDescriptor(FileDescriptor(rawValue: stderrPipe.write), closeAfterSpawningProcess: true)
            ) { execution in
                await onSpawn(execution.processIdentifier.value)
            }
            if !drainAhead {
                // The exit is reported the moment the process is reaped; its last bytes may
                // still be in the pipes. Wait for their end of file, but not forever: a
                // grandchild it left running would hold them open.
                await outputEnd.wait(atMost: .seconds(5))
            }
            switch result.terminationStatus {
            case .exited(let code): return .exited(code)
            case .signaled(let signal): return .signaled(signal)
            }
        } catch {
            // On a failed spawn Subprocess may not have closed the write ends; the reader would
            // then wait forever for end of file.
            close(stdoutPipe.write)
            close(stderrPipe.write)
            close(input)
            throw SystemError("cannot start \(spec.executable): \(error)")
        }
    }

    /// The program actually executed for `spec`: util-linux's setpriv in front of it when the
    /// user changes, or when aegisd is root and a one-shot command must die with it; setpriv
    /// then execs the program (same pid).
    ///
    /// - The user switch is setpriv's, not Subprocess's own uid/gid options: those fork with a
    ///   raw clone3 and then call glibc's setgroups/setgid/setuid in the child, which can wait
    ///   forever for threads that exist only in the parent (seen here with concurrent spawns).
    /// - `--pdeathsig KILL` is applied by setpriv after its user switch (a change of uid clears
    ///   the parent-death signal). The kernel sends it when the *thread* that forked exits, not
    ///   the process: Subprocess forks every child from one worker thread of its own that lives
    ///   until exit (its `runOnBackgroundThread`), never from a cooperative-pool thread, which
    ///   may end while idle. ChildProcessTests checks the signal after the user switch;
    ///   OffsiteTests the end result (aegisd SIGKILLed mid-upload leaves no rclone behind).
    static func commandLine(_ spec: LaunchSpec, outlivesDaemon: Bool) -> (executable: String, arguments: [String]) {
        var wrapper: [String] = []
        if spec.account.switchesUser {
            wrapper += ["--reuid=\(spec.account.uid)", "--regid=\(spec.account.gid)", "--clear-groups"]
        }
        if !outlivesDaemon { wrapper += parentDeathSignal }
        guard !wrapper.isEmpty else { return (spec.executable, spec.arguments) }
        return (setprivPath, wrapper + ["--", spec.executable] + spec.arguments)
    }

    /// Runs a one-shot command (initdb, `loki -version`) to completion and returns its status and
    /// its output lines, stdout and stderr interleaved as they came.
    public static func output(of spec: LaunchSpec) async throws(SystemError) -> (status: ExitStatus, lines: [String]) {
        let lines = Mutex<[String]>([])
        let status = try await run(spec, onLines: { _, batch in lines.withLock { $0 += batch } }, onSpawn: { _ in })
        return (status, lines.withLock { $0 })
    }

    /// The pipe size for supervised children's output (Linux's default pipe-max-size).
    static let supervisedPipeBytes = 1 << 20

    static let setprivPath = FileSystem.findExecutable("setpriv") ?? "/usr/bin/setpriv"

    /// setpriv's options that make a one-shot command die with aegisd: only when aegisd runs as
    /// root (outside systemd, where nothing else would end it). Under the packaged unit aegisd
    /// is the service user, systemd ends the whole control group with it, and setpriv itself
    /// cannot run there (it fails to "activate capabilities" with an empty CapabilityBoundingSet).
    static var parentDeathSignal: [String] { geteuid() == 0 ? ["--pdeathsig", "KILL"] : [] }

    /// A close-on-exec pipe: the child gets its end through Subprocess's dup2, and no other
    /// child inherits either end.
    public static func makePipe() throws(SystemError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard aegis_pipe_cloexec(&fds) == 0 else { throw .errno("pipe2") }
        return (fds[0], fds[1])
    }

    /// Asks for a larger pipe buffer, so a fast writer runs ahead of its reader instead of
    /// waking it every 64 KiB. Best effort: an unprivileged process is capped by
    /// /proc/sys/fs/pipe-max-size, and the default size still works.
    public static func growPipe(_ fd: Int32, to size: Int) {
        _ = aegis_set_pipe_size(fd, Int32(size))
    }
}

/// The end of a command's output, signalled from the reader thread.
private final class OutputEnd: Sendable {
    private let ended = Atomic<Bool>(false)
    private let bell = Doorbell()

    func signal() {
        ended.store(true, ordering: .releasing)
        bell.ring()
    }

    /// Returns once the output ended, or after `limit`.
    func wait(atMost limit: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: limit) }
            group.addTask {
                while !Task.isCancelled, !self.ended.load(ordering: .acquiring) { await self.bell.wait() }
            }
            await group.next()
            group.cancelAll()
        }
    }
}
