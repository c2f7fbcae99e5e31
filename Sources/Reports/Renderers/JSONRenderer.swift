/// JSON with sorted keys and a final newline: the same report gives the same bytes.
/// `ReportJSONEncoder` writes what Foundation's `JSONEncoder` would with
/// `[.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]` and non-finite numbers as the
/// strings "inf", "-inf", "nan", several times faster.
public enum JSONRenderer {
    public static func render<T: Encodable>(_ value: T) -> String {
        do {
            return try ReportJSONEncoder.text(value)
        } catch {
            return "{\"error\": \"could not encode report\"}\n"
        }
    }

    /// A report: the same text, with its TLS and API-server sections (about half of it on a
    /// busy node) written on a second thread (`ReportJSONEncoder.text(_:apart:)`).
    public static func render(_ report: Report) -> String {
        do {
            return try ReportJSONEncoder.text(report, apart: [("tls", report.tls), ("apiServer", report.apiServer)])
        } catch {
            return "{\"error\": \"could not encode report\"}\n"
        }
    }
}
