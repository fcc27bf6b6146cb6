import CAegisShims
import Foundation

/// Threads of aegisd's own for blocking work (pipe readers, journald, control connections):
/// named for `top -H`, `ps -L` and profilers, and at a lower priority where the work may lag.
public enum DedicatedThread {
    public enum Priority: Sendable {
        case normal
        /// nice 10, a tenth of a normal thread's CPU share when both want the same core: for work
        /// that may lag behind (cutting children's output into entries, forwarding them to
        /// journald), so that a burst of a server's output is buffered and processed after the
        /// burst instead of taking CPU from the server writing it, or from the database's queries.
        case background
    }

    /// Starts `body` on a new thread called `name` (at most 15 bytes: the kernel's limit).
    public static func start(_ name: String, priority: Priority = .normal, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread {
            // Set from inside: Foundation's `Thread.name` is not applied to the OS thread, which
            // otherwise inherits the name of whichever thread created it.
            _ = aegis_name_thread(name)
            // Best effort: under a seccomp filter that denies setpriority the thread keeps the
            // normal priority.
            if priority == .background { _ = aegis_set_thread_nice(10) }
            body()
        }
        thread.name = name
        thread.start()
    }
}
