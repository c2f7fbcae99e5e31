@testable import Analyzer
import Foundation
import Testing
import _TestSupport

/// docs/bounds.md is the code's constants, and the tables' worst case fits the budget.
struct BoundsTableTests {
    @Test func documentMatchesTheCode() throws {
        let path = Fixtures.path("../docs/bounds.md")
        if ProcessInfo.processInfo.environment["LOUPE_WRITE_BOUNDS"] == "1" {
            try BoundsDocument.markdown.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(
            text == BoundsDocument.markdown, "docs/bounds.md is stale: LOUPE_WRITE_BOUNDS=1 swift test --filter BoundsTableTests")
    }

    @Test func worstCaseFitsTheBudget() {
        #expect(MemoryBudget.worstCaseBytes <= MemoryBudget.defaultBytes)
        #expect(MemoryBudget.defaultBytes <= 256 << 20)
        // The tables' bounds are the constants the code uses.
        #expect(FlowLimits().maximumFlows == MemoryBudget.maximumFlows)
        #expect(DNSAnalysis.maximumPending == MemoryBudget.dnsPending)
        #expect(IPDefragmenter.maximumPending == MemoryBudget.ipDatagrams)
        #expect(ReassemblyBudget().totalLimit == MemoryBudget.streamBytes)
        #expect(DNSAnalysis(rows: 1).reassemblyBudget.totalLimit == MemoryBudget.dnsStreamBytes)
        #expect(DNSTCPStreams.maximumConnections == MemoryBudget.dnsTCPConnections)
    }
}
