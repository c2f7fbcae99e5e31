import CaptureFormats
import Dissectors

/// `docs/bounds.md`, written from the code's constants (`BoundsTableTests` compares the file
/// with this text, and writes it anew with `LOUPE_WRITE_BOUNDS=1`): the memory budget's
/// tables, then the limits that bound work per packet rather than memory.
public enum BoundsDocument {
    static func number(_ n: Int) -> String {
        let digits = String(n)
        var out = ""
        for (i, c) in digits.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return String(out.reversed())
    }

    static func megabytes(_ n: Int) -> String {
        let mib = Double(n) / Double(1 << 20)
        return mib >= 10 ? String(Int(mib.rounded())) + " MiB" : String(Double(Int(mib * 10)) / 10) + " MiB"
    }

    /// Limits on work and nesting (not memory): (what, bound, constant, past it).
    static var limits: [(String, String, String, String)] {
        [
            (
                "decapsulation nesting: VLAN tags, overlay headers and IPv6 extension headers added up",
                number(FrameDecoder.maximumNesting), "FrameDecoder.maximumNesting", "frame malformed (`.limit`)"
            ),
            (
                "VLAN tags in one stack (after Ethernet, a cooked header or Geneve)", number(Ethernet.maximumTags),
                "Ethernet.maximumTags", "frame malformed"
            ),
            (
                "overlays peeled (VXLAN, Geneve)", number(FrameDecoder.maximumTunnelDepth),
                "FrameDecoder.maximumTunnelDepth", "inner layers not peeled"
            ),
            (
                "IPv6 extension headers in one header chain", number(IPv6.maximumExtensionHeaders),
                "IPv6.maximumExtensionHeaders", "frame malformed"
            ),
            (
                "DNS compression pointers followed per name", number(DNS.maximumPointerHops), "DNS.maximumPointerHops",
                "message malformed (its header still counts)"
            ),
            (
                "DNS records walked per message", number(DNS.maximumRecords), "DNS.maximumRecords",
                "message malformed (its header still counts)"
            ),
            (
                "a pcap record",
                "the snaplen; past it up to \(number(Int(LinkType.ethernet.maximumPacket))) (the link type's maximum, counted in `oversizedRecords`)",
                "LinkType.maximumPacket", "damage (exit 3)"
            ),
            (
                "TCP segments held past a hole, per direction", number(StreamReassembler.maximumHeldSegments),
                "StreamReassembler.maximumHeldSegments", "the hole given up as a gap"
            ),
            (
                "bytes held past a hole, per direction (with \(StreamReassembler.segmentOverhead) charged per segment)",
                megabytes(ReassemblyBudget().perStreamLimit), "ReassemblyBudget.perStreamLimit", "the hole given up as a gap"
            ),
            (
                "IP datagram length", number(IPDefragmenter.maximumLength), "IPDefragmenter.maximumLength",
                "fragment dropped, counted"
            ),
        ]
    }

    /// Smaller tables whose bounds are counts: their memory is within the fixed cost of
    /// `MemoryBudget` (estimated, not yet measured one by one).
    static var counted: [(String, Int, String)] {
        [
            ("API-server clients", APIServerAnalysis.clientLimit, "APIServerAnalysis.clientLimit"),
            ("API-server exchange samples, timeline points", TLSExchanges.timelineLimit, "TLSExchanges.timelineLimit"),
            ("Service NAT sides kept for pairing (each side)", ServiceNATPairs.limit, "ServiceNATPairs.limit"),
            ("unknown addresses listed", AttributionCounter.unknownLimit, "AttributionCounter.unknownLimit"),
            ("pods broken down", PodStats.podLimit, "PodStats.podLimit"),
            ("metric series", MetricsRecorder.seriesLimit, "MetricsRecorder.seriesLimit"),
            ("metric series of Retina's packet series, merged first", RetinaSeries.seriesLimit, "RetinaSeries.seriesLimit"),
            ("QUIC flows remembered", QUICAnalysis.flowLimit, "QUICAnalysis.flowLimit"),
            ("kernel-event connections", KernelEventSummary.connectionLimit, "KernelEventSummary.connectionLimit"),
            ("server certificates decoded once", CertificateCache.limit, "CertificateCache.limit"),
            ("TLS fingerprints worked out once", TLSFingerprintCache.limit, "TLSFingerprintCache.limit"),
            ("search-path clients, and chains", SearchPathDetector.maximumClients, "SearchPathDetector.maximumClients"),
            ("truncated DNS answers waiting for a TCP retry", TCPFallbackTracker.capacity, "TCPFallbackTracker.capacity"),
            ("protocol hierarchy paths (summary)", ProtocolHierarchy.maximumPaths, "ProtocolHierarchy.maximumPaths"),
            ("unacknowledged segments kept per direction (ACK RTT)", TCPDirection.maximumUnacked, "TCPDirection.maximumUnacked"),
            ("TLS alerts kept per connection", TLSSession.alertsKept, "TLSSession.alertsKept"),
            (
                "a TLS handshake message (bytes)", TLSRecordStream.maximumHandshakeMessage,
                "TLSRecordStream.maximumHandshakeMessage"
            ),
            ("plain HTTP requests waiting, exchanges kept, per connection", HTTPExchanges.limit, "HTTPExchanges.limit"),
            ("TLS key log connections (client randoms)", TLSKeyLog.maximumConnections, "TLSKeyLog.maximumConnections"),
            ("decrypted HTTP/1.1 requests kept per connection", HTTP1Conversation.limit, "HTTP1Conversation.limit"),
            ("an HTTP/1.1 header block (bytes)", HTTP1MessageStream.maximumHeaderBlock, "HTTP1MessageStream.maximumHeaderBlock"),
            (
                "an HTTP/2 frame or header block buffered (bytes)", HTTP2Conversation.maximumBuffered,
                "HTTP2Conversation.maximumBuffered"
            ),
            ("API requests grouped by verb and resource", APIRequests.verbLimit, "APIRequests.verbLimit"),
            ("ICMP error rows kept before --rows", ICMPAnalysis.rowsKept, "ICMPAnalysis.rowsKept"),
            (
                "packets whose sightings `loupe extract --all-points` writes", SightingsOf.maximumPackets,
                "SightingsOf.maximumPackets"
            ),
            (
                "address pairs whose Retina labels are cached (metrics formats; then the cache starts over)",
                RetinaSeries.cacheLimit, "RetinaSeries.cacheLimit"
            ),
            ("node pairs sampled for clock offsets", NodeClocks.maximumPairs, "NodeClocks.maximumPairs"),
            ("HTTP request rows kept (http section; decrypted and cleartext)", HTTPServices.rowsKept, "HTTPServices.rowsKept"),
            (
                "HTTP servers, clients, routes and gRPC methods grouped (each)", HTTPServices.groupLimit,
                "HTTPServices.groupLimit"
            ),
            (
                "retransmitted frame numbers kept per connection (evidence)", TCPAnalysis.retransmittedFramesKept,
                "TCPAnalysis.retransmittedFramesKept"
            ),
            (
                "steps a metric series holds while recording (step from the capture's length)", 2 * StepLadder.maximumPoints,
                "2 * StepLadder.maximumPoints"
            ),
            ("flow records sampled per eviction", FlowEviction.sampleSize, "FlowEviction.sampleSize"),
            ("pcapng bytes pending before `loupe extract` writes them", PacketExtractor.flushBytes, "PacketExtractor.flushBytes"),
            (
                "TLS 1.3 early data held until the server accepts or refuses it, per connection (bytes)",
                TLSEarlyData.maximumHeld,
                "TLSEarlyData.maximumHeld"
            ),
            ("API lists slower than their SLO kept (apiServer.slowLists)", APIChurn.slowListsKept, "APIChurn.slowListsKept"),
            ("API-server error times kept for the densest 10 s", APIChurn.errorTimesKept, "APIChurn.errorTimesKept"),
            (
                "connections with a time-sequence graph (HTML report)", StreamGraphPass.maximumGraphs,
                "StreamGraphPass.maximumGraphs"
            ),
            ("packets drawn per time-sequence graph", StreamGraphCollector.maximumPackets, "StreamGraphCollector.maximumPackets"),
        ]
    }

    public static var markdown: String {
        var lines = [
            "# Bounds",
            "",
            "Generated from the code's constants (`Sources/Analyzer/Bounds`); `BoundsTableTests` fails when this",
            "file and the code differ (`LOUPE_WRITE_BOUNDS=1 swift test --filter BoundsTableTests` writes it).",
            "",
            "## Memory",
            "",
            "Every table that grows with the input, at the defaults. Full at once, with the process's fixed cost",
            "(\(megabytes(MemoryBudget.fixedBytes))), they come to \(megabytes(MemoryBudget.worstCaseBytes)), within the budget of "
                + "\(megabytes(MemoryBudget.defaultBytes)). Each is driven past its bound by a test.",
            "",
            "| what | bound | in the code | bytes each | worst case | when reached |",
            "|---|---:|---|---:|---:|---|",
        ]
        for t in MemoryBudget.tables {
            lines.append(
                "| \(t.name) | \(number(t.bound)) | `\(t.constant)` | \(number(t.bytesEach)) | "
                    + "\(megabytes(t.bytes)) | \(t.whenReached) |")
        }
        lines += [
            "",
            "## Work and nesting",
            "",
            "| what | bound | in the code | when reached |",
            "|---|---|---|---|",
        ]
        for (what, bound, constant, past) in limits {
            lines.append("| \(what) | \(bound) | `\(constant)` | \(past) |")
        }
        lines += [
            "",
            "## Smaller tables, counted",
            "",
            "Bounded by count; their memory is part of the fixed cost above (an estimate: not yet measured one",
            "by one). Past each bound the rest is counted or listed as `(other)`, and said in `warnings`.",
            "",
            "| what | bound | in the code |",
            "|---|---:|---|",
        ]
        for (what, bound, constant) in counted {
            lines.append("| \(what) | \(number(bound)) | `\(constant)` |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
