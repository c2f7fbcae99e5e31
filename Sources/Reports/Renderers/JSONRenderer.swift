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
}
