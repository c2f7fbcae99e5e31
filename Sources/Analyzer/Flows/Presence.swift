/// Whether an optional holds a value, looked at in place. `x != nil` takes its operand by
/// value: for an optional analysis of a kilobyte with references inside, the compiler copies
/// it out (memcpy and retains) to read its tag, and these checks run on every packet and every
/// flow's end. Matching the tag of the stored value through `inout` reads it where it is.
@inline(__always)
func isPresent<T>(_ x: inout T?) -> Bool {
    if case .none = x { return false }
    return true
}
