import Foundation
import FuzzTargets

// Two builds of one file. With -D FUZZING (scripts/fuzz builds it with -sanitize=fuzzer,address
// and -parse-as-library) libFuzzer drives LLVMFuzzerTestOneInput, the target named by
// LOUPE_FUZZ_TARGET. Otherwise it replays files: `loupe-fuzz TARGET FILE...`.
#if FUZZING
let fuzzTarget = ProcessInfo.processInfo.environment["LOUPE_FUZZ_TARGET"] ?? "capture"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzTargets.run(fuzzTarget, UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

// SwiftPM links an executable's entry as `<module>_main`; hand the process to libFuzzer's
// driver from there (libFuzzer's own `main` is then never linked in).
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@_cdecl("loupe_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var count = argc
    var vector: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return runDriver(&count, &vector) { data, size in fuzzOneInput(data, size) }
}
#else
@main
struct LoupeFuzzReplay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let target = arguments.first, FuzzTargets.names.contains(target) else {
            FileHandle.standardError.write(
                Data("usage: loupe-fuzz TARGET FILE... (targets: \(FuzzTargets.names.joined(separator: ", ")))\n".utf8))
            exit(2)
        }
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            data.withUnsafeBytes { FuzzTargets.run(target, $0) }
        }
    }
}
#endif
