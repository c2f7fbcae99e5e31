import Bundles
import CaptureFormats
import Foundation
import Testing
import _TestSupport

/// Cluster metadata: kubectl's List and Loupe's sidecar, read tolerantly (unknown fields and
/// kinds skipped, missing fields warned about) and strictly where a type is wrong (the error
/// names the field).
struct ClusterMetadataTests {
    static func parse(_ json: String) throws(MetadataError) -> ClusterMetadata {
        try ClusterMetadata.parse(Data(json.utf8), name: "test.json")
    }

    @Test(.enabled(if: Corpus.sharedRoot != nil, Comment(rawValue: Corpus.missingMessage)))
    func kubectlSample() throws {
        let m = try ClusterMetadata.load(path: Corpus.sharedRoot!.appendingPathComponent("samples/kubectl-list.json").path)
        #expect(m.objects.count == 7 && m.events.isEmpty && m.warnings.isEmpty)
        guard case .pod(let api) = m.objects[0] else { Issue.record("not a pod"); return }
        #expect(
            api
                == PodRecord(
                    namespace: "payments", name: "api-6c7d8f9b5d-2xkqp", workload: "Deployment/api",
                    node: "aks-nodepool1-41844487-vmss000000", hostNetwork: false, ips: ["10.224.0.5"]))
        #expect(
            m.objects.contains(
                .service(
                    ServiceRecord(
                        namespace: "default", name: "kubernetes", clusterIPs: ["10.0.0.1"],
                        ports: [443]))))
        #expect(
            m.objects.contains(
                .endpointSlice(
                    EndpointSliceRecord(
                        namespace: "default", name: "kubernetes",
                        service: "kubernetes", addresses: ["20.62.145.17"],
                        ports: [443]))))
        #expect(m.objects.contains(.node(NodeRecord(name: "aks-nodepool1-41844487-vmss000000", addresses: ["10.224.0.4"]))))
    }

    @Test func workloadOwners() throws {
        func workload(_ owner: String, hash: String? = nil) throws -> String {
            let labels = hash.map { #", "labels": {"pod-template-hash": "\#($0)"}"# } ?? ""
            let (kind, name) = (owner.split(separator: "/")[0], owner.split(separator: "/")[1])
            let m = try Self.parse(
                #"{"kind": "Pod", "metadata": {"name": "p", "namespace": "n"\#(labels), "ownerReferences": [{"kind": "\#(kind)", "name": "\#(name)", "controller": true}]}, "status": {"podIP": "10.1.1.1"}}"#
            )
            guard case .pod(let p) = m.objects.first else { return "?" }
            return p.workload
        }
        #expect(try workload("ReplicaSet/web-6b8c7d9f5", hash: "6b8c7d9f5") == "Deployment/web")
        #expect(try workload("ReplicaSet/standalone-rs") == "ReplicaSet/standalone-rs", "no hash label: a bare ReplicaSet")
        #expect(try workload("StatefulSet/db") == "StatefulSet/db" && workload("Node/node1") == "Node/node1")
        let bare = try Self.parse(
            #"{"kind": "Pod", "metadata": {"name": "solo", "namespace": "n"}, "spec": {"hostNetwork": true}, "status": {"podIPs": [{"ip": "10.1.1.2"}, {"ip": "fd00::2"}]}}"#
        )
        #expect(
            bare.objects == [
                .pod(
                    PodRecord(
                        namespace: "n", name: "solo", workload: "Pod/solo", node: nil, hostNetwork: true,
                        ips: ["10.1.1.2", "fd00::2"]))
            ])
    }

    @Test func tolerantOfUnknownAndMissing() throws {
        let m = try Self.parse(
            #"""
            {"apiVersion": "v1", "kind": "List", "future": {"x": 1}, "items": [
              {"kind": "ConfigMap", "metadata": {"name": "c"}},
              {"kind": "Pod", "metadata": {"name": "nip", "namespace": "n", "newField": [1, 2]}, "status": {}},
              {"metadata": {"name": "kindless"}},
              {"kind": "Service", "metadata": {"name": "headless", "namespace": "n"}, "spec": {"clusterIP": "None"}}
            ]}
            """#)
        #expect(m.objects.count == 2, "the pod without an IP and the headless service; ConfigMap and kindless skipped")
        #expect(m.warnings == ["items[1]: Pod n/nip has no status.podIP", "items[2]: no kind, skipped"])
        guard case .service(let s) = m.objects[1] else { Issue.record("not a service"); return }
        #expect(s.clusterIPs.isEmpty, "\"None\" is no address")
    }

    @Test func wrongTypesNameTheField() {
        let cases: [(String, String)] = [
            (
                #"{"kind": "List", "items": [{"kind": "Pod", "metadata": {"name": 5}}]}"#,
                "test.json: items[0].metadata.name: expected a string, found a number"
            ),
            (
                #"{"kind": "List", "items": [{"kind": "Pod", "metadata": {"name": "p"}, "status": {"podIPs": "10.0.0.1"}}]}"#,
                "test.json: items[0].status.podIPs: expected an array, found a string"
            ),
            (#"{"kind": "List", "items": {}}"#, "test.json: items: expected an array, found an object"),
            (
                #"{"schema": "loupe.sidecar/1", "events": [{"time": "soon", "type": "ADDED"}]}"#,
                "test.json: events[0].time: expected a number, found a string"
            ),
            (
                #"{"schema": "loupe.sidecar/9"}"#,
                "test.json: sidecar schema \"loupe.sidecar/9\", this Loupe reads \"loupe.sidecar/1\""
            ),
            ("[1, 2]", "test.json: expected a JSON object (a v1 List or a Loupe sidecar)"),
            ("{\"kind\": ", "test.json: not JSON"),
        ]
        for (json, message) in cases {
            do {
                _ = try ClusterMetadata.parse(Data(json.utf8), name: "test.json")
                Issue.record("parsed: \(json)")
            } catch {
                #expect(error.description.hasPrefix(message), "\(error.description)")
            }
        }
    }

    @Test func sidecarEventsInTimeOrder() throws {
        let pod = { (name: String, t: Double, type: String) in
            #"{"time": \#(t), "type": "\#(type)", "object": {"kind": "Pod", "metadata": {"name": "\#(name)", "namespace": "n"}, "status": {"podIP": "10.0.0.9"}}}"#
        }
        let m = try Self.parse(
            #"{"schema": "loupe.sidecar/1", "snapshotTime": 100, "items": [], "events": [\#(pod("b", 200, "ADDED")), \#(pod("a", 150, "DELETED")), {"time": 160, "type": "EXPLODED", "object": {}}]}"#
        )
        #expect(m.events.map(\.time) == [150, 200] && m.events.map(\.kind) == [.deleted, .added])
        #expect(m.warnings == ["events[2]: type is not ADDED, MODIFIED or DELETED, skipped"])
    }

    @Test func unreadableFile() {
        #expect(throws: MetadataError.self) { try ClusterMetadata.load(path: "/nonexistent/pods.json") }
    }
}
