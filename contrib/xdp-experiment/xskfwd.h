/* xskfwd.h: what the XDP program and its loader share. */
#ifndef XSKFWD_H
#define XSKFWD_H
struct xskfwd_cfg {
	__u32 group;	/* network order */
	__u16 port;	/* network order */
	__u16 pad;
};
#endif
