/* The few kernel types Loupe's BPF programs read, declared for CO-RE.
 *
 * Instead of committing a 2.8 MB vmlinux.h dumped from one kernel, this declares only the
 * fields the programs touch, each struct marked preserve_access_index: clang records every
 * field access by name, and libbpf rewrites the offsets against the running kernel's BTF
 * (/sys/kernel/btf/vmlinux) when it loads the object. Field names match the kernel's; the
 * layout here does not matter. Regenerate nothing: add a field here when a program needs it.
 */
#ifndef LOUPE_VMLINUX_SUBSET_H
#define LOUPE_VMLINUX_SUBSET_H

#include <linux/types.h>
#include <linux/bpf.h>

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct ns_common { unsigned int inum; };
struct net { struct ns_common ns; };
typedef struct { struct net *net; } possible_net_t;

struct in6_addr { union { __u8 u6_addr8[16]; } in6_u; };

struct sock_common {
    __be32 skc_daddr;
    __be32 skc_rcv_saddr;
    __be16 skc_dport;
    __u16 skc_num;
    unsigned short skc_family;
    possible_net_t skc_net;
    struct in6_addr skc_v6_daddr;
    struct in6_addr skc_v6_rcv_saddr;
};

struct kernfs_node { __u64 id; };
struct cgroup { struct kernfs_node *kn; };
struct sock_cgroup_data { struct cgroup *cgroup; };

struct sock {
    struct sock_common __sk_common;
    __u16 sk_protocol;
    struct sock_cgroup_data sk_cgrp_data;
};

struct tcp_sock { __u32 srtt_us; };

struct net_device { possible_net_t nd_net; int ifindex; };

struct sk_buff {
    struct net_device *dev;
    struct sock *sk;
    unsigned int len;
    char cb[48];
    __be16 protocol;
    __u16 transport_header;
    __u16 network_header;
    unsigned char *head;
};

#pragma clang attribute pop

/* Not kernel types: wire headers read with bpf_probe_read_kernel at computed addresses. */
struct loupe_iphdr { __u8 ihl_version; __u8 tos; __be16 tot_len; __be16 id; __be16 frag_off; __u8 ttl;
                     __u8 protocol; __u16 check; __be32 saddr; __be32 daddr; };
struct loupe_ipv6hdr { __be32 flow; __be16 payload_len; __u8 nexthdr; __u8 hop_limit; __u8 saddr[16]; __u8 daddr[16]; };
struct loupe_ports { __be16 source; __be16 dest; __be32 seq; };

#endif
