/* Loupe's kernel events: TCP retransmissions, TCP state changes and packet drops, one
 * 96-byte record each through a ring buffer. Layout (little-endian host, offsets in bytes),
 * read by KernelEventRecord.swift, which must change with it:
 *   0 u64 time (CLOCK_MONOTONIC ns)   8 u64 cgroup id   16 u32 netns inode
 *  20 u32 tcp seq (retransmit)      24 u32 srtt (us)    28 u32 drop reason, or the failed
 *                                                         retransmission's errno
 *  32 u32 bytes (skb length)        36 u16 family       38 u16 sport   40 u16 dport
 *  42 u8 kind (1 retransmit, 2 state, 3 drop)   43 u8 old state   44 u8 new state
 *  45 u8 protocol (IP)   46..47 zero   48 saddr[16]   64 daddr[16]   80..95 zero
 * Each program exists twice, as tp_btf (typed arguments, no tracefs needed) and raw_tp (the
 * fallback for kernels without BTF tracepoints); the loader keeps one style.
 */
#include "vmlinux_subset.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

enum { KIND_RETRANSMIT = 1, KIND_STATE = 2, KIND_DROP = 3 };
enum { FAMILY_INET = 2, FAMILY_INET6 = 10, PROTO_TCP = 6, PROTO_UDP = 17 };

struct loupe_event {
    __u64 time;
    __u64 cgroup;
    __u32 netns;
    __u32 seq;
    __u32 srtt;
    __u32 reason;
    __u32 bytes;
    __u16 family;
    __u16 sport;
    __u16 dport;
    __u8 kind;
    __u8 old_state;
    __u8 new_state;
    __u8 protocol;
    __u8 pad[2];
    __u8 saddr[16];
    __u8 daddr[16];
    __u8 reserved[16];
};

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 4 << 20);
} events SEC(".maps");

/* Records the ring buffer had no room for, counted so the agent can say so. */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} lost SEC(".maps");

/* Drop reasons below this are not drops (NOT_DROPPED_YET = 0, CONSUMED = 1). */
#define FIRST_DROP_REASON 2

static __always_inline struct loupe_event *reserve(void)
{
    struct loupe_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
    if (!e) {
        __u32 zero = 0;
        __u64 *n = bpf_map_lookup_elem(&lost, &zero);
        if (n) *n += 1;
        return 0;
    }
    __builtin_memset(e, 0, sizeof(*e));
    e->time = bpf_ktime_get_ns();
    return e;
}

static __always_inline void fill_socket(struct loupe_event *e, const struct sock *sk)
{
    __u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
    e->family = family;
    e->protocol = BPF_CORE_READ(sk, sk_protocol);
    e->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
    e->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
    e->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
    if (bpf_core_field_exists(sk->sk_cgrp_data.cgroup))
        e->cgroup = BPF_CORE_READ(sk, sk_cgrp_data.cgroup, kn, id);
    if (family == FAMILY_INET) {
        __be32 s = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr), d = BPF_CORE_READ(sk, __sk_common.skc_daddr);
        __builtin_memcpy(e->saddr, &s, 4);
        __builtin_memcpy(e->daddr, &d, 4);
    } else if (family == FAMILY_INET6) {
        BPF_CORE_READ_INTO(&e->saddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
        BPF_CORE_READ_INTO(&e->daddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
    }
    if (e->protocol == PROTO_TCP)
        e->srtt = BPF_CORE_READ((const struct tcp_sock *)sk, srtt_us) >> 3;  /* stored << 3 */
}

static __always_inline int on_retransmit(const struct sock *sk, const struct sk_buff *skb, int err)
{
    struct loupe_event *e = reserve();
    if (!e) return 0;
    e->kind = KIND_RETRANSMIT;
    fill_socket(e, sk);
    /* TCP_SKB_CB(skb)->seq: the first field of the control block. */
    __u32 seq = 0;
    bpf_probe_read_kernel(&seq, sizeof(seq), &skb->cb[0]);
    e->seq = seq;
    e->bytes = BPF_CORE_READ(skb, len);
    e->reason = (__u32)(-err);  /* the send failed (e.g. EBUSY): the segment did not leave */
    bpf_ringbuf_submit(e, 0);
    return 0;
}

static __always_inline int on_state(const struct sock *sk, int oldstate, int newstate)
{
    if (BPF_CORE_READ(sk, sk_protocol) != PROTO_TCP) return 0;
    struct loupe_event *e = reserve();
    if (!e) return 0;
    e->kind = KIND_STATE;
    fill_socket(e, sk);
    e->old_state = oldstate;
    e->new_state = newstate;
    bpf_ringbuf_submit(e, 0);
    return 0;
}

static __always_inline int on_drop(struct sk_buff *skb, unsigned int reason)
{
    if (reason < FIRST_DROP_REASON) return 0;
    struct loupe_event *e = reserve();
    if (!e) return 0;
    e->kind = KIND_DROP;
    e->reason = reason;
    e->bytes = BPF_CORE_READ(skb, len);
    struct sock *sk = BPF_CORE_READ(skb, sk);
    struct net_device *dev = BPF_CORE_READ(skb, dev);
    if (dev) e->netns = BPF_CORE_READ(dev, nd_net.net, ns.inum);
    else if (sk) e->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
    if (sk && bpf_core_field_exists(sk->sk_cgrp_data.cgroup))
        e->cgroup = BPF_CORE_READ(sk, sk_cgrp_data.cgroup, kn, id);
    /* Addresses from the packet itself: the socket may be gone or not yet found. */
    unsigned char *head = BPF_CORE_READ(skb, head);
    __u16 nh = BPF_CORE_READ(skb, network_header), th = BPF_CORE_READ(skb, transport_header);
    __u16 proto = bpf_ntohs(BPF_CORE_READ(skb, protocol));
    if (nh == (__u16)~0U) goto out;
    if (proto == 0x0800) {
        struct loupe_iphdr ip;
        if (bpf_probe_read_kernel(&ip, sizeof(ip), head + nh)) goto out;
        e->family = FAMILY_INET;
        e->protocol = ip.protocol;
        __builtin_memcpy(e->saddr, &ip.saddr, 4);
        __builtin_memcpy(e->daddr, &ip.daddr, 4);
        if (th == (__u16)~0U || th <= nh) th = nh + (ip.ihl_version & 0x0f) * 4;
    } else if (proto == 0x86DD) {
        struct loupe_ipv6hdr ip6;
        if (bpf_probe_read_kernel(&ip6, sizeof(ip6), head + nh)) goto out;
        e->family = FAMILY_INET6;
        e->protocol = ip6.nexthdr;
        __builtin_memcpy(e->saddr, ip6.saddr, 16);
        __builtin_memcpy(e->daddr, ip6.daddr, 16);
        if (th == (__u16)~0U || th <= nh) th = nh + 40;
    } else {
        goto out;
    }
    if (e->protocol == PROTO_TCP || e->protocol == PROTO_UDP) {
        struct loupe_ports p;
        if (!bpf_probe_read_kernel(&p, sizeof(p), head + th)) {
            e->sport = bpf_ntohs(p.source);
            e->dport = bpf_ntohs(p.dest);
            if (e->protocol == PROTO_TCP) e->seq = bpf_ntohl(p.seq);
        }
    }
out:
    bpf_ringbuf_submit(e, 0);
    return 0;
}

/* Since Linux 6.13 the tracepoint also passes the send's result; older kernels refuse the
 * three-argument programs and the loader takes the two-argument ones. */
SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(btf_retransmit_err, const struct sock *sk, const struct sk_buff *skb, int err) { return on_retransmit(sk, skb, err); }
SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(btf_retransmit, const struct sock *sk, const struct sk_buff *skb) { return on_retransmit(sk, skb, 0); }
SEC("raw_tp/tcp_retransmit_skb")
int BPF_PROG(raw_retransmit_err, const struct sock *sk, const struct sk_buff *skb, int err) { return on_retransmit(sk, skb, err); }
SEC("raw_tp/tcp_retransmit_skb")
int BPF_PROG(raw_retransmit, const struct sock *sk, const struct sk_buff *skb) { return on_retransmit(sk, skb, 0); }

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(btf_state, const struct sock *sk, int oldstate, int newstate) { return on_state(sk, oldstate, newstate); }
SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(raw_state, const struct sock *sk, int oldstate, int newstate) { return on_state(sk, oldstate, newstate); }

SEC("tp_btf/kfree_skb")
int BPF_PROG(btf_drop, struct sk_buff *skb, void *location, unsigned int reason) { return on_drop(skb, reason); }
SEC("raw_tp/kfree_skb")
int BPF_PROG(raw_drop, struct sk_buff *skb, void *location, unsigned int reason) { return on_drop(skb, reason); }
