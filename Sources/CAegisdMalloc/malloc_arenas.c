#include <malloc.h>

/// glibc gives each thread that allocates while another holds an arena's lock an arena of its
/// own, up to 8 per core: an idle aegisd ended up with some fifteen, 3.3 of its 6.7 MiB of private
/// memory, each arena keeping its own free pages. Two are enough for its threads (the log
/// pipeline's benchmark is no slower: docs/benchmarks.md, "Idle cost: the idle loop's code
/// packed together"). Set in a constructor, before main and before any thread exists: glibc
/// fixes the limit when the first thread beyond the main one needs an arena, so a call from
/// Swift, once the runtime's threads have started, could come too late. The environment
/// variable MALLOC_ARENA_MAX would do the same but must be set by whoever starts aegisd.
__attribute__((constructor)) static void aegisd_cap_malloc_arenas(void) {
    mallopt(M_ARENA_MAX, 2);
}
