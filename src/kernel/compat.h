#ifndef MCRELAY_KERNEL_COMPAT_H
#define MCRELAY_KERNEL_COMPAT_H

/*
 * The UAPI headers the program is built with (no vmlinux.h, no CO-RE:
 * only __sk_buff's fields are read), and what older ones lack.
 */

#include <stdbool.h>
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif
#define IP_MF 0x2000
#define IP_OFFSET 0x1fff

/* An 802.1Q tag in the frame (include/linux/if_vlan.h is not UAPI). */
struct vlan_hdr {
	__be16 h_vlan_TCI;
	__be16 h_vlan_encapsulated_proto;
};

#endif
