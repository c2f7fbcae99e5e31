import CaptureFormats
import Dissectors

extension CapturePass {
    /// One decoded packet the sightings stage hands to the analyses: reassembled when it
    /// completes a fragmented datagram, counted, its malformation kept for the warnings.
    /// `countLayers`: false for a held packet released late (its frame was counted when read).
    @inline(__always)
    static func process(
        _ frame: inout DecodedFrame, _ record: PacketRecord, _ input: Int, _ now: Int64,
        _ clock: Int64, _ frameNumber: Int, countLayers: Bool, _ hierarchy: inout ProtocolHierarchy,
        _ malformed: inout MalformedLog, _ flows: inout FlowTable, _ sinks: inout FlowSinks,
        _ defragmenter: inout IPDefragmenter
    ) {
        if sinks.packetSteps != nil { sinks.packetSteps?.count(at: now) }
        let before = malformed.count
        if frame.fragment != nil, let datagram = defragmenter.add(frame, time: now) {
            accountReassembled(
                datagram, &frame, record, input, now, clock, frameNumber, countLayers: countLayers,
                &hierarchy, &malformed, &flows, &sinks)
        } else {
            account(
                frame, record, input, now, clock, frameNumber, countLayers: countLayers, &hierarchy, &malformed,
                &flows, &sinks)
        }
        if malformed.count != before, let error = frame.error {
            malformed.keep(.init(input: input, frameNumber: frameNumber, recordOffset: record.offset, error: error))
        }
    }

    /// Held packets due by `now` (`.max`: all), never seen at their flow's point: analysed as
    /// first seen, from their copies, at their own time; left out when their direction's
    /// packets pass that point (lost before it: `Sightings.leavesOut`).
    @inline(never)
    static func releaseHeld(
        upTo now: Int64, _ frame: inout DecodedFrame, _ clock: Int64,
        _ hierarchy: inout ProtocolHierarchy, _ malformed: inout MalformedLog,
        _ flows: inout FlowTable, _ sinks: inout FlowSinks, _ defragmenter: inout IPDefragmenter,
        _ sightings: inout Sightings
    ) {
        while let held = sightings.held.due(at: now) {
            held.bytes.withUnsafeBytes { raw in
                var record = held.record
                record.data = raw
                FrameDecoder.decode(
                    linkType: record.linkType.rawValue, bytes: raw, originalLength: record.originalLength,
                    into: &frame)
                if !sightings.nat.isEmpty { sightings.nat.rewrite(&frame) }
                if sightings.leavesOut(held: frame) { return }
                process(
                    &frame, record, held.input, held.time, clock, held.frameNumber, countLayers: false, &hierarchy,
                    &malformed, &flows, &sinks, &defragmenter)
            }
        }
    }
}
