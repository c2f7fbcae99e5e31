/// RFC 1982 serial-number comparisons on 32-bit sequence numbers (Wireshark's GT_SEQ and
/// friends): correct across wraparound as long as the two are within 2^31.
enum SequenceNumber {
    @inline(__always) static func greater(_ a: UInt32, _ b: UInt32) -> Bool { Int32(bitPattern: b &- a) < 0 }
    @inline(__always) static func less(_ a: UInt32, _ b: UInt32) -> Bool { Int32(bitPattern: a &- b) < 0 }
    @inline(__always) static func lessOrEqual(_ a: UInt32, _ b: UInt32) -> Bool { Int32(bitPattern: a &- b) <= 0 }
}
