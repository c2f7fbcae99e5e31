import Dissectors

/// A connection's two ends as the `http` section names them: the endpoints, and the pods and
/// the server's workload when the metadata names them.
struct HTTPEnds {
    var client: PodDirectory.Endpoint
    var server: PodDirectory.Endpoint
    var clientPod: String?
    var serverPod: String?
    /// "namespace/Kind/name" of the server pod's workload.
    var serverWorkload: String?

    /// With the owners the directory gave the client and the server.
    init(
        client: PodDirectory.Endpoint, server: PodDirectory.Endpoint, _ owners: (PodDirectory.Owner?, PodDirectory.Owner?),
        _ directory: PodDirectory?
    ) {
        (self.client, self.server) = (client, server)
        if let directory {
            clientPod = owners.0.map(directory.name)
            serverPod = owners.1.map(directory.name)
            serverWorkload = owners.1.flatMap(directory.workload)
        }
    }
}

/// Endpoint and address texts ("10.0.0.1:80", "[fd00::1]:443", "10.0.0.1"), each made once:
/// the same few servers and clients come back on every connection, and making the text was
/// most of the cost of a short cleartext connection (a flood of them is a hostile capture).
/// Bound: `limit` entries each; full, a table starts over.
struct EndpointTexts {
    static let limit = 65_536
    private var endpoints: [PodDirectory.Endpoint: String] = [:]
    private var addresses: [IPAddress: String] = [:]

    mutating func endpoint(_ e: PodDirectory.Endpoint) -> String {
        if let t = endpoints[e] { return t }
        if endpoints.count >= Self.limit { endpoints.removeAll(keepingCapacity: true) }
        let t = e.address.endpoint(port: e.port)
        endpoints[e] = t
        return t
    }

    mutating func address(_ a: IPAddress) -> String {
        if let t = addresses[a] { return t }
        if addresses.count >= Self.limit { addresses.removeAll(keepingCapacity: true) }
        let t = a.text
        addresses[a] = t
        return t
    }
}
