/// Time series over the capture window for `--format prometheus|openmetrics`: what the
/// analyses counted, per `step` and per label set. Renderers only print it.
public struct MetricsModel: Sendable, Equatable {
    public enum Kind: String, Sendable { case counter, gauge, histogram }

    public struct Family: Sendable, Equatable {
        public var name: String
        public var help: String
        public var kind: Kind
        /// Histogram upper bounds (without +Inf), in the family's unit.
        public var bounds: [Double] = []
        public var series: [Series] = []
        public init(name: String, help: String, kind: Kind, bounds: [Double] = []) {
            self.name = name
            self.help = help
            self.kind = kind
            self.bounds = bounds
        }
    }

    public struct Series: Sendable, Equatable {
        /// Label names and values, in output order.
        public var labels: [(String, String)]
        /// Per step index: a counter's or gauge's increment, or a histogram's bucket counts
        /// (one per bound, then +Inf) and sum.
        public var steps: [Int64: Cell]
        public init(labels: [(String, String)], steps: [Int64: Cell]) {
            self.labels = labels
            self.steps = steps
        }
        public static func == (a: Series, b: Series) -> Bool {
            a.labels.map { $0.0 + "=" + $0.1 } == b.labels.map { $0.0 + "=" + $0.1 } && a.steps == b.steps
        }
    }

    public struct Cell: Sendable, Equatable {
        public var value: Double = 0
        public var buckets: [Int] = []
        public init(value: Double = 0, buckets: [Int] = []) {
            self.value = value
            self.buckets = buckets
        }

        /// A cell with nothing in it, shaped as this one (as many buckets).
        public var empty: Cell { Cell(buckets: Array(repeating: 0, count: buckets.count)) }

        /// Another cell of the same series added in (a coarser step, another recorder, a
        /// running total).
        public mutating func add(_ other: Cell) {
            value += other.value
            for i in other.buckets.indices where i < buckets.count { buckets[i] += other.buckets[i] }
        }
    }

    /// Step length in nanoseconds; step index k covers [k * step, (k + 1) * step).
    public var step: Int64
    public var firstStep: Int64
    public var lastStep: Int64
    public var families: [Family] = []
    /// Series left out at the cardinality bound.
    public var droppedSeries = 0
    /// Labels every series carries in the metrics formats (`--label`, and `instance` by
    /// default: what a scrape would add), after the series' own; a series that has a label of
    /// the same name keeps its own.
    public var constantLabels: [Label] = []

    public struct Label: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(step: Int64, firstStep: Int64, lastStep: Int64) {
        self.step = step
        self.firstStep = firstStep
        self.lastStep = lastStep
    }
}
