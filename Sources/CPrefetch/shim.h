// The compiler's prefetch hint, which Swift has no spelling for. Header-only: the inline
// function is compiled into the Swift code that calls it (one instruction, no call).
#ifndef LOUPE_PREFETCH_H
#define LOUPE_PREFETCH_H

/// Asks the CPU to start loading the cache line holding `p`. A hint: it never faults and
/// changes no value.
static inline __attribute__((always_inline)) void loupe_prefetch(const void *p) {
    __builtin_prefetch(p, 0, 3);
}

#endif
