#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>
#include "aegis_shims.h"

int aegis_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

int aegis_set_pipe_size(int fd, int size) {
    return fcntl(fd, F_SETPIPE_SZ, size);
}
