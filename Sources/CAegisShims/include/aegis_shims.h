#ifndef AEGIS_SHIMS_H
#define AEGIS_SHIMS_H

/// pipe2(fds, O_CLOEXEC): a pipe whose ends are close-on-exec from birth, so a child spawned
/// by another thread at the same moment can never inherit them. Glibc hides pipe2 from Swift
/// behind _GNU_SOURCE.
int aegis_pipe_cloexec(int fds[2]);

/// fcntl(fd, F_SETPIPE_SZ, size): resizes a pipe's buffer (Linux; also behind _GNU_SOURCE).
/// Returns the new size, or -1 with errno set.
int aegis_set_pipe_size(int fd, int size);

#endif
