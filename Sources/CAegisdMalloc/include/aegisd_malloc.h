#ifndef AEGISD_MALLOC_H
#define AEGISD_MALLOC_H

/// Nothing to call: linking this target into aegisd caps glibc's malloc arenas before main
/// (malloc_arenas.c). Only the aegisd executable depends on it; aegisctl and the tests do not.

#endif
