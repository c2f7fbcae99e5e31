import ArgumentParser

/// A duration on the command line with its unit (`500ms`, `10s`, `5m`, `1h`), or a bare
/// number in the option's own documented unit (`Unit`): `--duration 60` is 60 seconds,
/// `--min-latency 5` is 5 milliseconds, as they always were.
public struct DurationArgument<Unit: DurationUnit>: ExpressibleByArgument, Sendable, Equatable {
    /// The duration in seconds.
    public var seconds: Double

    public init(seconds: Double) { self.seconds = seconds }

    public init?(argument: String) {
        guard let seconds = Self.seconds(argument) else { return nil }
        self.seconds = seconds
    }

    /// Seconds from `500ms`, `10s`, `5m`, `1h`, or a bare number in `Unit`; nil for anything
    /// else (a negative, infinite or unparsable value).
    public static func seconds(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let v = Double(text.dropLast(suffix.count)), v.isFinite, v >= 0 else { return nil }
            return v * scale
        }
        guard let v = Double(text), v.isFinite, v >= 0 else { return nil }
        return v * Unit.secondsPerUnit
    }

    public var defaultValueDescription: String {
        seconds >= 1 && seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(seconds * 1000)ms"
    }
}

/// The unit of a bare number.
public protocol DurationUnit: Sendable {
    static var secondsPerUnit: Double { get }
}

public enum Seconds: DurationUnit {
    public static let secondsPerUnit = 1.0
}

public enum Milliseconds: DurationUnit {
    public static let secondsPerUnit = 0.001
}
