// Cache prefetch for the flow table's pipelined lookups. Swift has no prefetch
// intrinsic; a static inline function is compiled into the Swift module's IR and inlined.
#ifndef LOUPE_PREFETCH_H
#define LOUPE_PREFETCH_H

static inline __attribute__((always_inline)) void loupe_prefetch(const void *address) {
    __builtin_prefetch(address, 1, 3);
}

#endif
