// Intentionally empty: everything is in include/prefetch.h (SwiftPM wants a source file).
#include "prefetch.h"
