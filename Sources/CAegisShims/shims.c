#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "aegis_shims.h"

int aegis_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

int aegis_set_pipe_size(int fd, int size) {
    return fcntl(fd, F_SETPIPE_SZ, size);
}

int aegis_set_thread_nice(int nice) {
    // On Linux the nice value belongs to a thread: PRIO_PROCESS with a thread id sets it for
    // that thread alone (setpriority(2), NOTES). Raising it needs no privilege.
    return setpriority(PRIO_PROCESS, (id_t)gettid(), nice);
}

int aegis_name_thread(const char *name) {
    char truncated[16];
    strncpy(truncated, name, sizeof truncated - 1);
    truncated[sizeof truncated - 1] = '\0';
    return pthread_setname_np(pthread_self(), truncated);
}

int aegis_pidfd_open(int pid) {
    return (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
}
