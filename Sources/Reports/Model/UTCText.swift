import Foundation

/// Seconds since the epoch as UTC wall-clock text, to the millisecond (rounded down):
/// "2026-12-07T10:52:26.123Z". One place for findings' details and the HTML banner.
enum UTCText {
    static func iso(_ seconds: Double) -> String {
        let whole = seconds.rounded(.down)
        let date = Date(timeIntervalSince1970: whole)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0,
            c.minute ?? 0, c.second ?? 0, Int(((seconds - whole) * 1000).rounded(.down)))
    }
}
