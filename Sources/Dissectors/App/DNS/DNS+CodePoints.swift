extension DNS {
    /// Record types Loupe names (IANA "Resource Record (RR) TYPEs"); others are shown as
    /// TYPE<n> (RFC 3597).
    public enum RecordType {
        public static let a: UInt16 = 1, ns: UInt16 = 2, cname: UInt16 = 5, soa: UInt16 = 6, ptr: UInt16 = 12
        public static let mx: UInt16 = 15, txt: UInt16 = 16, aaaa: UInt16 = 28, srv: UInt16 = 33, opt: UInt16 = 41
        public static let svcb: UInt16 = 64, https: UInt16 = 65, any: UInt16 = 255, caa: UInt16 = 257

        public static func name(_ type: UInt16) -> String {
            switch type {
            case 1: "A"
            case 2: "NS"
            case 5: "CNAME"
            case 6: "SOA"
            case 12: "PTR"
            case 13: "HINFO"
            case 15: "MX"
            case 16: "TXT"
            case 28: "AAAA"
            case 33: "SRV"
            case 35: "NAPTR"
            case 41: "OPT"
            case 43: "DS"
            case 46: "RRSIG"
            case 47: "NSEC"
            case 48: "DNSKEY"
            case 64: "SVCB"
            case 65: "HTTPS"
            case 99: "SPF"
            case 252: "AXFR"
            case 255: "ANY"
            case 256: "URI"
            case 257: "CAA"
            default: "TYPE\(type)"
            }
        }
    }

    /// RCODE names as registered (RFC 6895 and the IANA registry).
    public static func rcodeName(_ rcode: UInt16) -> String {
        switch rcode {
        case 0: "NOERROR"
        case 1: "FORMERR"
        case 2: "SERVFAIL"
        case 3: "NXDOMAIN"
        case 4: "NOTIMP"
        case 5: "REFUSED"
        case 6: "YXDOMAIN"
        case 7: "YXRRSET"
        case 8: "NXRRSET"
        case 9: "NOTAUTH"
        case 10: "NOTZONE"
        case 16: "BADVERS"
        case 17: "BADKEY"
        case 18: "BADTIME"
        case 19: "BADMODE"
        case 20: "BADNAME"
        case 21: "BADALG"
        case 22: "BADTRUNC"
        case 23: "BADCOOKIE"
        default: "RCODE\(rcode)"
        }
    }
}
