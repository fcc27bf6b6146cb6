#ifndef AEGIS_SHIMS_H
#define AEGIS_SHIMS_H

/// pipe2(fds, O_CLOEXEC): a pipe whose ends are close-on-exec from birth, so a child spawned
/// by another thread at the same moment can never inherit them. Glibc hides pipe2 from Swift
/// behind _GNU_SOURCE.
int aegis_pipe_cloexec(int fds[2]);

/// fcntl(fd, F_SETPIPE_SZ, size): resizes a pipe's buffer (Linux; also behind _GNU_SOURCE).
/// Returns the new size, or -1 with errno set.
int aegis_set_pipe_size(int fd, int size);

/// setpriority for the calling thread only: gives it the nice value `nice` (0 to 19).
/// Returns 0, or -1 with errno set (EPERM under a seccomp filter that denies it).
int aegis_set_thread_nice(int nice);

/// pthread_setname_np for the calling thread, `name` cut to the kernel's 15 bytes (also behind
/// _GNU_SOURCE). Returns 0 or an error number.
int aegis_name_thread(const char *name);

/// pidfd_open(pid, 0): a descriptor that becomes readable when the process exits, for any
/// process, not only our children (Linux 5.3+; Swift cannot call the variadic syscall(2)).
/// Returns the descriptor (close-on-exec), or -1 with errno set (ESRCH: already gone).
int aegis_pidfd_open(int pid);

#endif
