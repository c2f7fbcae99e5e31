// Wrapper for the system libbpf headers (Debian: see scripts/setup).
#include <bpf/libbpf.h>
