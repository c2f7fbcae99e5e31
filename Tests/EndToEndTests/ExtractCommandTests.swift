import Foundation
import Testing
import _TestSupport

/// `loupe extract`: every TCP flow of recorded fixtures written out, and tshark (the oracle)
/// counting in the output the packets the report's row counts; the display filter printed
/// selects the same packets in the input; pods named in packet comments; secrets carried only
/// when asked; one sighting per packet where a node's capture saw each packet at three points.
struct ExtractCommandTests {
    static let https = Fixtures.path("pcaps/api/https.pcapng"), keys = Fixtures.path("pcaps/api/https.keylog")
    static let churn = Fixtures.path("pcaps/pods/churn.pcapng"), pods = ["--pods", Fixtures.path("pods/churn.sidecar.json")]
    static let points = Fixtures.path("pcaps/sightings/points.pcapng")

    /// The report's TCP rows: id and packets.
    static func flows(_ arguments: [String]) throws -> [(id: String, packets: Int)] {
        let r = try LoupeBinary.json(["report", "--format", "json"] + arguments)
        let rows = ((r.json["tcp"] as? [String: Any])?["flows"] as? [String: Any])?["rows"] as? [[String: Any]] ?? []
        return rows.compactMap { row in (row["id"] as? String).map { ($0, row["packets"] as? Int ?? -1) } }
    }

    static func tshark(_ arguments: [String]) throws -> [Substring] {
        try run(TShark.path, arguments).stdout.split(separator: "\n")
    }

    static func extract(_ arguments: [String]) throws -> (status: Int32, out: String, filter: String?) {
        let out = temporaryFile([], suffix: ".pcapng")
        let r = try LoupeBinary.run(["extract"] + arguments + ["-o", out])
        let filter = r.stdout.split(separator: "\n").first { $0.hasPrefix("Wireshark display filter: ") }
            .map { String($0.dropFirst("Wireshark display filter: ".count)) }
        return (r.status, out, filter)
    }

    @Test(.enabled(if: TShark.available, "tshark is absent"))
    func everyFlowReadsBackInTShark() throws {
        for (inputs, extra) in [([Self.https], [String]()), ([Self.churn], Self.pods), ([Self.points], [])] {
            let rows = try Self.flows(extra + inputs)
            #expect(rows.count >= 2, "\(inputs)")
            for row in rows {
                let x = try Self.extract(extra + inputs + ["--flow", row.id])
                #expect(x.status == 0)
                #expect(try Self.tshark(["-r", x.out]).count == row.packets, "\(row.id) of \(inputs[0])")
                let selected = try Self.tshark(["-r", inputs[0], "-Y", x.filter ?? "frame"])
                #expect(selected.count == row.packets, "display filter of \(row.id): \(x.filter ?? "none")")
            }
        }
    }

    /// `loupe summary`'s conversation ids (UDP here: DNS lookups) name flows too.
    @Test(.enabled(if: TShark.available, "tshark is absent"))
    func conversationIDsOfTheSummary() throws {
        let dns = Fixtures.path("pcaps/dns/host-search.pcapng")
        let r = try LoupeBinary.json(["summary", "--format", "json", dns])
        let rows = (r.json["conversations"] as? [String: Any])?["rows"] as? [[String: Any]] ?? []
        #expect(rows.count >= 3)
        for row in rows.prefix(5) {
            let x = try Self.extract([dns, "--flow", row["id"] as? String ?? ""])
            #expect(try Self.tshark(["-r", x.out]).count == row["packets"] as? Int)
        }
    }

    @Test(.enabled(if: TShark.available, "tshark is absent"))
    func podsInCommentsAndInterfacesByNode() throws {
        let id = try #require(try Self.flows(Self.pods + [Self.churn]).first?.id)
        let x = try Self.extract(Self.pods + [Self.churn, "--flow", id])
        let comments = Set(try Self.tshark(["-r", x.out, "-T", "fields", "-e", "frame.comment"]))
        #expect(comments.allSatisfy { $0.hasPrefix("pods: ") && $0.contains("kube-system/kube-apiserver-node1") })
        #expect(comments.count == 2, "one comment each way: \(comments)")
        // A node's capture of three interfaces: the flow's packets at its point only, named.
        let p = try #require(try Self.flows([Self.points]).first)
        let y = try Self.extract([Self.points, "--flow", p.id])
        let interfaces = Set(try Self.tshark(["-r", y.out, "-T", "fields", "-e", "frame.interface_description"]))
        #expect(interfaces == ["node points, interface ls3693-h1"])
        let anyPoint = try #require(y.filter?.replacingOccurrences(of: " && frame.interface_id==0", with: ""))
        #expect(anyPoint != y.filter, "the filter names the point: \(y.filter ?? "")")
        #expect(try Self.tshark(["-r", Self.points, "-Y", anyPoint]).count > p.packets, "the input saw it at other points too")
        // --pod: every packet of that pod.
        let pod = try Self.extract(Self.pods + [Self.churn, "--pod", "shop/web-6b8c7d9f5-old"])
        let podLines = try Self.tshark(["-r", pod.out, "-T", "fields", "-e", "frame.comment"])
        #expect(!podLines.isEmpty && podLines.allSatisfy { $0.contains("shop/web-6b8c7d9f5-old") })
    }

    /// `--all-points`: every sighting of a flow's packets, at each point, before and after
    /// the Service's NAT. The oracle: tshark's count of the input's frames with the flow's
    /// client port (each flow of these recordings has its own), at every interface.
    @Test(.enabled(if: TShark.available, "tshark is absent"))
    func allPointsWritesEverySighting() throws {
        for input in [Self.points, Fixtures.path("pcaps/sightings/any-sll2.pcapng")] {
            let report = try LoupeBinary.json(["report", "--format", "json", input]).json
            let rows = ((report["tcp"] as! [String: Any])["flows"] as! [String: Any])["rows"] as! [[String: Any]]
            #expect(rows.count >= 3)
            for row in rows.prefix(4) {
                let id = row["id"] as! String, packets = row["packets"] as! Int
                let port = (row["client"] as! String).split(separator: ":").last!
                let all = try Self.extract([input, "--flow", id, "--all-points"])
                #expect(all.status == 0)
                let written = try Self.tshark(["-r", all.out]).count
                let truth = try Self.tshark(["-r", input, "-Y", "tcp.port==\(port)"]).count
                #expect(
                    written == truth && written > packets,
                    "\(id) of \(input): \(written) written, \(truth) in the input, \(packets) analysed")
            }
        }
    }

    @Test(.enabled(if: TShark.available, "tshark is absent"))
    func secretsOnlyWhenAsked() throws {
        let rows = try Self.flows(["--api-server", "10.78.0.2:6443", Self.https])
        let id = try #require(rows.first { $0.packets == 20 }?.id)
        let http = ["-d", "tcp.port==6443,tls", "-Y", "http.request", "-T", "fields", "-e", "http.request.uri"]
        let with = try Self.extract([Self.https, "--flow", id, "--with-secrets", "--tls-keylog", Self.keys])
        #expect(try Self.tshark(["-r", with.out] + http) == ["/api/v1/namespaces/shop/pods/web-1"])
        let without = try Self.extract([Self.https, "--flow", id])
        #expect(try Self.tshark(["-r", without.out] + http).isEmpty)
    }

    @Test func unknownFlowAndNoSelectionAreUsageErrors() throws {
        let r = try LoupeBinary.run([
            "extract", Self.https, "--flow", "F0000000000000000", "-o", temporaryFile([], suffix: ".pcapng"),
        ])
        #expect(r.status == 2 && r.stderr.contains("no flow with id F0000000000000000"))
        let none = try LoupeBinary.run(["extract", Self.https, "-o", temporaryFile([], suffix: ".pcapng")])
        #expect(none.status == 2 && none.stderr.contains("say which packets"))
    }

    /// A damaged input: exit 3, its damage named, the packets before it written.
    @Test(.enabled(if: TShark.available, "tshark is absent"))
    func damagedInputKeepsWhatWasRead() throws {
        let bytes = try #require(FileManager.default.contents(atPath: Self.https))
        let cut = temporaryFile(
            Array(bytes.prefix(bytes.count / 2)) + [0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x01, 0x00],
            suffix: ".pcapng")
        let x = try Self.extract([cut, "--filter", "tcp"])
        #expect(x.status == 3)
        let written = try Self.tshark(["-r", x.out]).count, all = try Self.tshark(["-r", Self.https, "-Y", "tcp"]).count
        #expect(written > 10 && written < all)
    }
}
