import CPcap
import Glibc

/// A network interface libpcap can capture on (pcap_findalldevs).
public struct CaptureDevice: Hashable, Sendable {
    public var name: String
    public var description: String?
    public var addresses: [String]
    public var isUp: Bool
    public var isRunning: Bool
    public var isLoopback: Bool
}

public enum CaptureInterfaces {
    /// Every interface libpcap can open here, in libpcap's order.
    public static func list() throws -> [CaptureDevice] {
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        var head: UnsafeMutablePointer<pcap_if_t>?
        guard pcap_findalldevs(&head, &errorBuffer) == 0 else {
            throw CaptureAgentError(String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        defer { pcap_freealldevs(head) }
        var devices: [CaptureDevice] = []
        var cursor = head
        while let device = cursor {
            let flags = device.pointee.flags
            devices.append(
                CaptureDevice(
                    name: String(cString: device.pointee.name),
                    description: device.pointee.description.map { String(cString: $0) },
                    addresses: addresses(device.pointee.addresses),
                    isUp: flags & UInt32(PCAP_IF_UP) != 0,
                    isRunning: flags & UInt32(PCAP_IF_RUNNING) != 0,
                    isLoopback: flags & UInt32(PCAP_IF_LOOPBACK) != 0))
            cursor = device.pointee.next
        }
        return devices
    }

    /// IPv4 and IPv6 addresses as text (other families are skipped).
    static func addresses(_ first: UnsafeMutablePointer<pcap_addr_t>?) -> [String] {
        var out: [String] = []
        var cursor = first
        while let a = cursor {
            if let sa = a.pointee.addr {
                var text = [CChar](repeating: 0, count: 64)
                switch Int32(sa.pointee.sa_family) {
                case AF_INET:
                    sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                        var address = sin.pointee.sin_addr
                        _ = inet_ntop(AF_INET, &address, &text, socklen_t(text.count))
                    }
                    out.append(String(cString: text))
                case AF_INET6:
                    sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                        var address = sin6.pointee.sin6_addr
                        _ = inet_ntop(AF_INET6, &address, &text, socklen_t(text.count))
                    }
                    out.append(String(cString: text))
                default:
                    break
                }
            }
            cursor = a.pointee.next
        }
        return out
    }
}

public struct CaptureAgentError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
