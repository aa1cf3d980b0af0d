/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Socket endpoints read from the kernel's struct sock behind an fd: the
 * addresses the kernel really uses (after bind/connect/accept), not what the
 * caller passed. IPv4 and IPv6 only; other families report just the family.
 */
#ifndef VIGIL_BPF_SOCK_H
#define VIGIL_BPF_SOCK_H

#include "path.bpf.h"

#define VG_AF_UNIX 1
#define VG_AF_INET 2
#define VG_AF_INET6 10
#define VG_S_IFMT 00170000
#define VG_S_IFSOCK 0140000

static __always_inline void sock_fill(struct vg_sock *out, struct file *f)
{
	struct socket *sock;
	struct sock *sk;
	__u16 family;

	if (!f)
		return;
	if ((BPF_CORE_READ(f, f_inode, i_mode) & VG_S_IFMT) != VG_S_IFSOCK)
		return;
	sock = BPF_CORE_READ(f, private_data);
	sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	out->family = family;
	out->type = BPF_CORE_READ(sk, sk_type);
	out->proto = BPF_CORE_READ(sk, sk_protocol);
	if (family != VG_AF_INET && family != VG_AF_INET6)
		return;
	out->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	out->rport = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (family == VG_AF_INET) {
		bpf_core_read(out->laddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(out->raddr, 4, &sk->__sk_common.skc_daddr);
	} else {
		bpf_core_read(out->laddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(out->raddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
}

/* The bound path of the unix socket that the socket of `f` is connected
 * to, as the address of its struct path (the inode the kernel found,
 * whatever the caller's spelling of the address: a symlink, "..", a
 * relative path); 0 when not connected to a socket bound to a path. */
static __always_inline __u64 unix_peer_path(struct file *f)
{
	struct socket *sock = BPF_CORE_READ(f, private_data);
	struct unix_sock *u = (struct unix_sock *)BPF_CORE_READ(sock, sk);
	struct unix_sock *peer;

	if (!u)
		return 0;
	peer = (struct unix_sock *)BPF_CORE_READ(u, peer);
	if (!peer || !BPF_CORE_READ(peer, path.dentry))
		return 0;
	return (__u64)__builtin_preserve_access_index(&peer->path);
}

#endif /* VIGIL_BPF_SOCK_H */
