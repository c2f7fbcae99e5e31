// Wrapper for the system libpcap headers (Debian: see scripts/setup).
#include <pcap/pcap.h>
