import Dissectors
import Reports
#if canImport(Glibc)
import Glibc
#endif

/// The DNS part of the pass: the DNS analysis, and DNS over UDP's conversations counted in a
/// table of their own (`DNSConversations`). Both run on a thread of their own (`DNSWorker`)
/// when the stage is made with `apart` and there are two cores, else inline. Where they run is
/// this type's business alone: the pass hands it frames, and reads the analysis, the section
/// and the conversations after `finish`. The results are the same either way (tests compare
/// both).
///
/// The stage exists in three shapes: empty (no DNS analysis, conversations in the pass's own
/// table), the analysis with its conversations apart (a report), or the conversations alone
/// on the thread (`loupe summary` with two cores: DNS over UDP is most of a busy node's flows,
/// and the second core only read the file; the figures are the same, but for `peakLive`,
/// then the sum of the two tables' peaks).
struct DNSStage {
    /// The analysis: the stage's while it runs inline; the worker's until `finish` when it
    /// runs apart; nil when the stage analyses no DNS message.
    private(set) var analysis: DNSAnalysis?
    /// DNS over UDP's conversations (nil when the pass's flow table counts them); the
    /// worker's until `finish` when it runs apart.
    private(set) var conversations: DNSConversations?
    /// The epilogue's result (`init`'s `epilogue`), once finished.
    private(set) var section: DNSSection?
    /// DNS over UDP's 5-tuples come to the stage (`DNSConversations.takes`), not to the
    /// pass's flow table.
    let takesConversations: Bool
    /// DNS messages are analysed (else only the conversations are counted).
    let analyses: Bool
    private var worker: DNSWorker?
    private let epilogue: (@Sendable (inout DNSAnalysis) -> DNSSection)?
    private var finished = false

    /// No DNS stage: no analysis, conversations counted by the pass.
    init() {
        takesConversations = false
        analyses = false
        epilogue = nil
    }

    /// `analysis` (configured) runs with DNS over UDP's conversations apart, on a thread when
    /// `apart` and two cores allow; without an analysis, the conversations alone are counted
    /// apart only on that thread. `epilogue` is run on the finished analysis (on the thread
    /// when there is one: the report's DNS section built there overlaps the pass's end); it
    /// may free what only the section reads (`DNSAnalysis.releaseSectionStorage`).
    init(
        analysis: DNSAnalysis?, apart: Bool, conversations counting: () -> DNSConversations,
        epilogue: (@Sendable (inout DNSAnalysis) -> DNSSection)?
    ) {
        let thread = apart && sysconf(Int32(_SC_NPROCESSORS_ONLN)) > 1
        self.epilogue = epilogue
        analyses = analysis != nil
        // Conversations alone: the worker's analysis is never handed a message.
        if thread,
            let worker = DNSWorker(
                analysis ?? DNSAnalysis(rows: 0, names: 1), conversations: counting(),
                epilogue: epilogue)
        {
            self.worker = worker
            takesConversations = true
        } else if analysis != nil {
            self.analysis = analysis
            conversations = counting()
            takesConversations = true
        } else {
            takesConversations = false  // no thread: the pass's table counts them
        }
    }

    /// A packet of DNS over UDP's 5-tuples (`takesConversations`), with `payload` the message
    /// to analyse (`.empty` when it is not to be: `c.analyze` false).
    @inline(__always)
    mutating func conversationPacket(_ frame: DNSFrame, _ c: DNSFrame.Conversation, payload: ByteSlice) {
        // Through the stored reference: an `if let` binding retained and released the
        // worker on every DNS frame.
        if worker != nil { worker?.submit(frame, payload: payload); return }
        conversations?.count(frame, c)
        if c.analyze { analysis?.receive(frame, payload: payload) }
    }

    /// A DNS message on a flow of the pass's table (DNS over TCP, or UDP whose conversations
    /// the pass counts).
    @inline(__always)
    mutating func message(_ frame: DNSFrame, payload: ByteSlice) {
        if worker != nil { worker?.submit(frame, payload: payload) } else { analysis?.receive(frame, payload: payload) }
    }

    /// No more frames: the thread (when there is one) closes what is still open while the
    /// pass drains its table; `lastSweep` is the pass's table's last sweep.
    func close(lastSweep: Int64) { worker?.close(lastSweep: lastSweep) }

    /// The analysis finished (its thread joined) and its epilogue run. Returns DNS over UDP's
    /// conversations for the pass to merge into its counts the first time; nil after.
    mutating func finish(lastSweep: Int64) -> DNSConversations? {
        guard !finished else { return nil }
        finished = true
        if let worker {
            let joined = worker.join()
            (analysis, section, conversations) = (analyses ? joined.0 : nil, joined.1, joined.2)
            self.worker = nil
        } else if analysis != nil {
            conversations?.drain(after: lastSweep)
            analysis?.finish()
            // Moved out and back: the epilogue frees the section's storage, which a copy kept.
            if let epilogue, var done = analysis.take() {
                section = epilogue(&done)
                analysis = done
            }
        }
        return conversations
    }
}
