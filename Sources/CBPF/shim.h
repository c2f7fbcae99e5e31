// Wrapper for the system libbpf headers (Debian: see scripts/setup).
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
