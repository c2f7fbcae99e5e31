import CCurl
import Foundation

/// GETs and watch streams against the Kubernetes API through libcurl: TLS checked against the
/// connection's CA, a bearer token or a client certificate. One easy handle per request.
public final class KubernetesClient: @unchecked Sendable {
    public let connection: KubernetesConnection
    /// A list larger than this is refused (memory bounded: a page is at most `limit` objects).
    static let maximumBody = 256 << 20

    public init(_ connection: KubernetesConnection) {
        self.connection = connection
        _ = Self.initialised
    }

    private static let initialised: Bool = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK }()

    public struct HTTPError: Error, CustomStringConvertible {
        public var path: String
        public var message: String
        public var description: String { "\(path): \(message)" }
    }

    /// What the callbacks write into.
    final class Transfer {
        var body = Data()
        var overflow = false
        var onLine: ((Data) -> Void)?
        var shouldStop: () -> Bool = { false }
    }

    private func handle(
        _ path: String, _ transfer: Transfer, stream: Bool
    ) -> (UnsafeMutableRawPointer?, UnsafeMutablePointer<curl_slist>?) {
        guard let curl = curl_easy_init() else { return (nil, nil) }
        _ = loupe_curl_set_string(curl, CURLOPT_URL, connection.server + path)
        _ = loupe_curl_set_long(curl, CURLOPT_CONNECTTIMEOUT, 10)
        _ = loupe_curl_set_long(curl, CURLOPT_NOSIGNAL, 1)
        if !stream { _ = loupe_curl_set_long(curl, CURLOPT_TIMEOUT, 60) }
        _ = loupe_curl_set_string(curl, CURLOPT_USERAGENT, "loupe-agent/0.1.0")
        if connection.insecure {
            _ = loupe_curl_set_long(curl, CURLOPT_SSL_VERIFYPEER, 0)
            _ = loupe_curl_set_long(curl, CURLOPT_SSL_VERIFYHOST, 0)
        }
        if let ca = connection.certificateAuthority {
            ca.withUnsafeBytes { _ = loupe_curl_set_blob(curl, CURLOPT_CAINFO_BLOB, $0.baseAddress, $0.count) }
        }
        if let cert = connection.clientCertificate, let key = connection.clientKey {
            cert.withUnsafeBytes { _ = loupe_curl_set_blob(curl, CURLOPT_SSLCERT_BLOB, $0.baseAddress, $0.count) }
            key.withUnsafeBytes { _ = loupe_curl_set_blob(curl, CURLOPT_SSLKEY_BLOB, $0.baseAddress, $0.count) }
            _ = loupe_curl_set_string(curl, CURLOPT_SSLCERTTYPE, "PEM")
        }
        var headers: UnsafeMutablePointer<curl_slist>? = curl_slist_append(nil, "Accept: application/json")
        if let token = connection.token { headers = curl_slist_append(headers, "Authorization: Bearer " + token) }
        _ = loupe_curl_set_list(curl, CURLOPT_HTTPHEADER, headers)
        let context = Unmanaged.passUnretained(transfer).toOpaque()
        _ = loupe_curl_set_writer(
            curl,
            { data, size, count, context in
                guard let data, let context else { return 0 }
                let t = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
                let n = size * count
                t.body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: n)
                if let onLine = t.onLine {
                    // A watch: one JSON event per line.
                    while let newline = t.body.firstIndex(of: 0x0A) {
                        let line = t.body[t.body.startIndex..<newline]
                        if !line.isEmpty { onLine(Data(line)) }
                        t.body.removeSubrange(t.body.startIndex...newline)
                    }
                    if t.body.count > KubernetesClient.maximumBody { t.overflow = true; return 0 }
                } else if t.body.count > KubernetesClient.maximumBody {
                    t.overflow = true
                    return 0
                }
                return n
            }, context)
        _ = loupe_curl_set_progress(
            curl,
            { context, _, _, _, _ in
                guard let context else { return 0 }
                return Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue().shouldStop() ? 1 : 0
            }, context)
        return (curl, headers)
    }

    private func perform(_ path: String, _ transfer: Transfer, stream: Bool) throws(HTTPError) {
        let (curl, headers) = handle(path, transfer, stream: stream)
        defer { curl_slist_free_all(headers); if let curl { curl_easy_cleanup(curl) } }
        guard let curl else { throw HTTPError(path: path, message: "libcurl did not start") }
        let code = curl_easy_perform(curl)
        let status = loupe_curl_response_code(curl)
        if transfer.overflow { throw HTTPError(path: path, message: "response larger than \(Self.maximumBody >> 20) MB") }
        if code == CURLE_ABORTED_BY_CALLBACK && transfer.shouldStop() { return }
        guard code == CURLE_OK else {
            throw HTTPError(path: path, message: String(cString: curl_easy_strerror(code)))
        }
        guard (200..<300).contains(status) else {
            let detail = (try? JSONSerialization.jsonObject(with: transfer.body) as? [String: Any])?["message"] as? String
            throw HTTPError(path: path, message: "HTTP \(status)" + (detail.map { ": " + $0 } ?? ""))
        }
    }

    /// One GET, the whole body.
    public func get(_ path: String) throws(HTTPError) -> Data {
        let t = Transfer()
        try perform(path, t, stream: false)
        return t.body
    }

    /// A watch: every line to `onLine` until the server ends it or `shouldStop` says so.
    public func stream(_ path: String, shouldStop: @escaping () -> Bool, onLine: @escaping (Data) -> Void) throws(HTTPError) {
        let t = Transfer()
        t.onLine = onLine
        t.shouldStop = shouldStop
        try perform(path, t, stream: true)
    }
}
