// Wrapper for the system zlib headers (Debian: see scripts/setup).
#include <zlib.h>
