// Wrapper for the system libzstd headers (Debian: see scripts/setup).
#include <zstd.h>
