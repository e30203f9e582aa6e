/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * nb-fwd internals: the configuration, the forwarding engine interface (in
 * the spirit of testpmd's struct fwd_engine), streams, per-stream counters
 * and the frame checks every engine that reads headers shares.
 *
 * A stream is one (RX port, RX queue) -> (TX port, TX queue) pair, run by
 * an active reactor poller of its own (the engine's fwd(), with the
 * engine's burst and per-packet work inlined).
 */
#ifndef NB_FWD_H
#define NB_FWD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "nb_port.h"

#define FWD_MAX_PORTS 16
#define FWD_MAX_BURST 512
#define FWD_MAX_SEGS 16
#define FWD_MAX_STREAMS 256
#define FWD_MAX_SPECS 16
#define FWD_LAT_FLOWS 64

/** Why a frame was not processed (counted per stream, per reason). */
enum fwd_bad {
	FWD_BAD_ZERO_LEN = 0,	/**< pkt_len 0 */
	FWD_BAD_RUNT,		/**< shorter than an Ethernet header */
	FWD_BAD_OVERSIZE,	/**< longer than the parser's max_pkt_len (+4 per
				     VLAN tag); never in nb-fwd (FWD_NO_MAX_LEN):
				     --max-pkt-len is the ports' MTU, as in testpmd */
	FWD_BAD_VLAN_STACK,	/**< more than two VLAN tags */
	FWD_BAD_SPLIT_HDR,	/**< headers not in the first segment */
	FWD_BAD_TRUNC_L3,	/**< IPv4 header cut short */
	FWD_BAD_IHL,		/**< IPv4 version/IHL wrong */
	FWD_BAD_IP_LEN,		/**< IPv4 total length wrong for the frame */
	FWD_BAD_TRUNC_L4,	/**< UDP/TCP header cut short */
	FWD_BAD_L4_LEN,		/**< UDP length or TCP data offset wrong */
	FWD_BAD_MAX,
};

/** Names of enum fwd_bad, as the summary and JSON print them. */
extern const char *const fwd_bad_names[FWD_BAD_MAX];

/** A stream's max_pkt_len in nb-fwd: no frame is too long for an engine. */
#define FWD_NO_MAX_LEN (UINT32_MAX / 2)

enum fwd_topology {
	FWD_TOPO_PAIRED = 0,
	FWD_TOPO_CHAINED,
	FWD_TOPO_LOOP,
};

/** Command line configuration. */
struct fwd_cfg {
	const char *mode;
	unsigned int nb_cores;
	uint16_t rxq, txq, rxd, txd;
	uint16_t burst;
	uint16_t txpkts[FWD_MAX_SEGS];
	unsigned int nb_txpkts;
	uint32_t tx_pkt_len;		/* sum of txpkts */
	double stats_period;		/* seconds, 0: none */
	double duration;		/* seconds, 0: until a signal */
	struct rte_ether_addr peer[FWD_MAX_PORTS];
	unsigned int total_mbufs;	/* 0: computed */
	unsigned int mbcache;
	uint16_t mbuf_size;		/* data room incl. headroom */
	enum fwd_topology topo;
	unsigned int flowgen_flows;
	const char *json;
	const char *pool_ops;
	const char *pool_mode;
	bool has_ip;
	uint32_t ip;			/* network order */
	const char *specs[FWD_MAX_SPECS];
	unsigned int nb_specs;
	bool flush_rx;
	bool no_lsc;			/* --no-lsc-interrupt */
	bool no_promisc;		/* --no-promisc */
	bool tx_first;			/* --tx-first */
	bool csum_keep_l2;		/* --csum-keep-l2 */
	bool latency;
	uint32_t max_pkt_len;
	uint32_t pipeline_ring;
	bool idle_spin;			/* --idle spin */
	bool burst_stats;		/* --record-burst-stats */
};

/** Per-stream counters: written by the stream's lcore only. */
struct fwd_counters {
	uint64_t rx;			/**< packets received */
	uint64_t tx;			/**< packets the device took */
	uint64_t tx_dropped;		/**< refused by the device, freed */
	uint64_t dropped;		/**< dropped by the engine (bad or not for us) */
	uint64_t bad[FWD_BAD_MAX];	/**< per reason */
	uint64_t csum_bad_ip;		/**< csum: bad IPv4 header checksums (fixed) */
	uint64_t csum_bad_l4;		/**< csum: bad UDP/TCP checksums (fixed) */
	uint64_t nombuf;		/**< txonly/clone: allocation failures */
	uint64_t arp_replies, icmp_replies;
	uint64_t not_ip;		/**< parsed modes: frames that are not IP */
	uint64_t ext_skipped;		/**< IPv6 extension headers not walked (no L4 read) */
};

/** Latency receiver state (rxonly --latency, txonly --latency). */
struct fwd_latency {
	uint64_t samples;
	uint64_t min, max;
	uint64_t hist[64 * 64];		/* log-linear buckets of TSC ticks */
	uint64_t lost, reordered, dup;
	uint32_t next_seq[FWD_LAT_FLOWS];
	bool seen[FWD_LAT_FLOWS];
};

struct fwd_stream;
struct fwd_engine;

struct fwd_port {
	struct nb_port *port;
	char name[64];
	struct rte_ether_addr mac;
	uint16_t nb_rxq, nb_txq;
	uint16_t eal_port_id;	/* EAL probed it (--vdev): its ethdev port,
				   closed at exit; else RTE_MAX_ETHPORTS */
	bool removed;		/* NB_PORT_EV_REMOVED came (events.c) */
	int8_t link_said;	/* the link state last printed (-1: none) */
	bool stopped;		/* stopped after its removal: ... */
	struct nb_port_stats final;	/* ... its counters then (the stop's
					   RX drain is not forwarding) */
};

/** A stream: what one poller forwards. */
struct fwd_stream {
	struct nb_port *rx_port;
	struct nb_port *tx_port;
	struct nb_port_queue rxh;	/* rx_port/rxq for the bursts */
	struct nb_port_queue txh;	/* tx_port/txq for the bursts */
	uint16_t rxq, txq;
	uint16_t rx_pi, tx_pi;		/* indexes in g_fwd.ports */
	uint16_t burst;
	uint16_t lcore;
	uint16_t idx;
	bool burst_stats;		/* --record-burst-stats: fill burst_hist */
	struct rte_ether_addr tx_src;	/* mac: tx port's address */
	struct rte_ether_addr tx_dst;	/* mac: peer of the tx port */
	struct rte_mempool *mp;		/* txonly/flowgen/clone */
	struct nb_pool *pool;
	uint32_t max_pkt_len;
	uint32_t seq;			/* txonly --latency */
	uint32_t flow;			/* flowgen: next flow */
	uint32_t nb_flows;
	uint32_t ip;			/* icmpecho address, network order */
	bool ip_any;			/* icmpecho without --ip: every address */
	struct rte_ring *ring;		/* pipeline: RX -> worker */
	struct fwd_stream *peer_streams[FWD_MAX_PORTS]; /* clone-fanout */
	unsigned int nb_fanout;
	struct fwd_latency *lat;
	struct nb_poller *poller;
	struct nb_poller *poller2;	/* pipeline worker / txonly latency RX */
	uint16_t core_idx;		/* index among the forwarding lcores */
	bool rx_counted;		/* c.rx counts port receives (not ring dequeues) */
	bool no_tx;			/* never transmits (rxonly, latency receiver) */
	bool quit;			/* its poller is being unregistered (events.c) */
	uint64_t pkts;			/* packets this poller handled (cycles/packet) */
	struct fwd_counters c;
	uint64_t burst_hist[FWD_MAX_BURST + 1];
} __rte_cache_aligned;

/**
 * --tx-first: send one burst of 64-byte Ether/IPv4/UDP frames on @p fs's
 * TX queue (before the reactors start; the stream's TX counters count it).
 *
 * @return
 *   Frames the device took, or -ENOBUFS (pool) or -EMSGSIZE (data room
 *   under 64 bytes).
 */
int fwd_tx_first(struct fwd_stream *fs);

/** A forwarding engine (one per --forward-mode). */
struct fwd_engine {
	const char *name;
	const char *help;
	int (*fwd)(void *stream);	/**< one burst; the poller function */
	int (*init)(struct fwd_stream *fs); /**< optional, before start */
	bool tx_same_port;		/**< with --ip: transmit on the RX port (icmpecho) */
	bool pipeline;			/**< second poller on another lcore */
	bool fanout;			/**< transmits on every other port */
	bool generator;			/**< builds packets (txonly, flowgen) */
};

/** The running app (main.c). */
struct fwd_app {
	struct fwd_cfg cfg;
	const struct fwd_engine *eng;
	struct nb_pool *pool;
	struct fwd_port ports[FWD_MAX_PORTS];
	unsigned int nb_ports;
	struct fwd_stream *streams[FWD_MAX_STREAMS];
	unsigned int nb_streams;
	unsigned int fwd_lcores[RTE_MAX_LCORE];
	unsigned int nb_fwd_lcores;
	uint64_t start_tsc, stop_tsc;
	FILE *json;
	uint32_t kept_at_close;		/* buffers closed PMDs keep (info) */
	/* last stats period */
	uint64_t last_tsc;
	uint64_t last_ipk[FWD_MAX_PORTS], last_opk[FWD_MAX_PORTS];
	uint64_t last_ib[FWD_MAX_PORTS], last_ob[FWD_MAX_PORTS];
};
extern struct fwd_app g_fwd;

extern const struct fwd_engine *const fwd_engines[];
void fwd_engines_config(const struct fwd_cfg *c);
int fwd_pipe_worker(void *arg);
int fwd_latrx(void *arg);

/* events.c */
/** Event handlers on the main lcore, the link watch (before the start). */
int fwd_events_setup(void);
/** After the ports started: their link state is the reference. */
void fwd_events_started(void);

/* stats.c */
/** Port @p p's counters with the engines' TX drops (frozen once a removed
 * port is stopped). */
void fwd_port_stats(unsigned int p, struct nb_port_stats *s);
int fwd_stats_poller(void *arg);
/** Print the summary (and JSON); lost < 0: audit failed. */
void fwd_summary(FILE *f, int lost);
const struct fwd_engine *fwd_engine_find(const char *name);

/* opts.c */
void fwd_cfg_defaults(struct fwd_cfg *c);
/** Parse nb-fwd's options; 0, 1 (--help/--version done: exit 0) or -1 (error printed: exit 2). */
int fwd_parse_args(struct fwd_cfg *c, int argc, char **argv);
void fwd_usage(FILE *f);

/* pkt.c: frame checks and templates */

/** What fwd_parse_l2l4() found about a frame that passed. */
struct fwd_hdrs {
	uint16_t l2_len;		/* Ethernet + VLAN tags */
	uint16_t l3_len;		/* IPv4 header; IPv6 header + extensions */
	uint16_t l4_len;		/* UDP 8, TCP data offset; 0 other */
	uint16_t ip_len;		/* IPv4 total length; IPv6 40 + payload */
	uint8_t ipv;			/* 4, 6, or 0: not IP */
	uint8_t proto;			/* L4 protocol (IPv4, IPv6 next header) */
	uint8_t frag;			/* fragment: 0 none, 1 first, 2 later */
	uint8_t ext_skipped;		/* IPv6: extension headers not walked */
	uint8_t routed;			/* IPv6: routing header, segments left */
	uint8_t vlans;
	uint16_t ether_type;		/* innermost, host order */
};

/**
 * Check a frame's L2 header: it must be whole in the first segment.
 * @return FWD_BAD_MAX when usable, else the reason.
 */
int fwd_check_l2(const struct rte_mbuf *m, uint32_t max_pkt_len);

/* The checks every frame gets first: not empty, an Ethernet header, in the
 * first segment. */
static __rte_always_inline int
fwd__check_eth(const struct rte_mbuf *m)
{
	if (m->pkt_len == 0) {
		return FWD_BAD_ZERO_LEN;
	}
	if (m->pkt_len < RTE_ETHER_HDR_LEN) {
		return FWD_BAD_RUNT;
	}
	if (m->data_len < RTE_ETHER_HDR_LEN) {
		return FWD_BAD_SPLIT_HDR;
	}
	return FWD_BAD_MAX;
}

/* Bytes [off, off + n) lie in the first segment, or why not. */
static __rte_always_inline int
fwd__need(const struct rte_mbuf *m, uint32_t off, uint32_t n, int trunc)
{
	if (off + n > m->pkt_len) {
		return trunc;
	}
	if (off + n > m->data_len) {
		return FWD_BAD_SPLIT_HDR;
	}
	return FWD_BAD_MAX;
}

/*
 * UDP or TCP at @off, @avail bytes of L4 per the IP length (h->proto and
 * h->frag set): h->l4_len, or why not. A first fragment's L4 header is
 * read only where whole (its UDP length may exceed the fragment).
 */
static __rte_always_inline int
fwd__parse_l4(const struct rte_mbuf *m, const uint8_t *d, uint32_t off,
	      uint32_t avail, struct fwd_hdrs *h)
{
	int r;

	if (h->proto == IPPROTO_UDP) {
		const struct rte_udp_hdr *u;
		uint32_t ul;

		if (avail < sizeof(*u)) {
			return h->frag ? FWD_BAD_MAX : FWD_BAD_TRUNC_L4;
		}
		r = fwd__need(m, off, sizeof(*u), FWD_BAD_TRUNC_L4);
		if (r != FWD_BAD_MAX) {
			return r;
		}
		u = (const struct rte_udp_hdr *)(d + off);
		ul = rte_be_to_cpu_16(u->dgram_len);
		if (ul < sizeof(*u) || (ul > avail && !h->frag)) {
			return FWD_BAD_L4_LEN;
		}
		h->l4_len = sizeof(*u);
	} else if (h->proto == IPPROTO_TCP) {
		const struct rte_tcp_hdr *t;
		uint32_t tl;

		if (avail < sizeof(*t)) {
			return h->frag ? FWD_BAD_MAX : FWD_BAD_TRUNC_L4;
		}
		r = fwd__need(m, off, sizeof(*t), FWD_BAD_TRUNC_L4);
		if (r != FWD_BAD_MAX) {
			return r;
		}
		t = (const struct rte_tcp_hdr *)(d + off);
		tl = (uint32_t)(t->data_off >> 4) * 4;
		if (tl < sizeof(*t)) {
			return FWD_BAD_L4_LEN;
		}
		if (tl > avail) {
			/* options past a first fragment: not here to read */
			return h->frag ? FWD_BAD_MAX : FWD_BAD_L4_LEN;
		}
		r = fwd__need(m, off, tl, FWD_BAD_TRUNC_L4);
		if (r != FWD_BAD_MAX) {
			return r;
		}
		h->l4_len = tl;
	}
	return FWD_BAD_MAX;
}

/* Extension headers walked at most (a longer chain: counted, not read). */
#define FWD_IPV6_MAX_EXT 8

/*
 * IPv6 at @off: the fixed header, the extension headers nb-fwd can walk
 * (hop-by-hop, routing, fragment, destination options, AH, mobility, HIP,
 * shim6, experimental), then UDP/TCP. ESP and chains longer than
 * FWD_IPV6_MAX_EXT are not walked: h->ext_skipped, no L4.
 */
static __rte_always_inline int
fwd__parse_ipv6(const struct rte_mbuf *m, const uint8_t *d, uint32_t off,
		struct fwd_hdrs *h)
{
	const struct rte_ipv6_hdr *ip6;
	uint32_t plen, l3 = sizeof(*ip6), n, len;
	uint8_t nh;
	int r;

	r = fwd__need(m, off, sizeof(*ip6), FWD_BAD_TRUNC_L3);
	if (r != FWD_BAD_MAX) {
		return r;
	}
	ip6 = (const struct rte_ipv6_hdr *)(d + off);
	if ((rte_be_to_cpu_32(ip6->vtc_flow) >> 28) != 6) {
		return FWD_BAD_IHL;
	}
	plen = rte_be_to_cpu_16(ip6->payload_len);
	if (off + sizeof(*ip6) + plen > m->pkt_len) {
		return FWD_BAD_IP_LEN;
	}
	h->ipv = 6;
	h->ip_len = (uint16_t)(sizeof(*ip6) + plen);
	nh = ip6->proto;
	for (n = 0;; n++) {
		const uint8_t *e;

		if (nh != 0 && nh != 43 && nh != 44 && nh != 51 && nh != 60 &&
		    nh != 135 && nh != 139 && nh != 140 && nh != 253 &&
		    nh != 254) {
			break;		/* an upper-layer protocol (or ESP) */
		}
		if (n == FWD_IPV6_MAX_EXT) {
			h->ext_skipped = 1;
			break;
		}
		if (l3 + 8 > sizeof(*ip6) + plen) {
			return FWD_BAD_TRUNC_L3;
		}
		r = fwd__need(m, off + l3, 8, FWD_BAD_TRUNC_L3);
		if (r != FWD_BAD_MAX) {
			return r;
		}
		e = d + off + l3;
		if (nh == 44) {
			uint16_t fo = (uint16_t)(e[2] << 8 | e[3]);

			len = 8;
			h->frag = (fo & 0xfff8) != 0 ? 2 : (fo & 1) ? 1 : h->frag;
		} else if (nh == 51) {
			len = ((uint32_t)e[1] + 2) * 4;
		} else {
			len = ((uint32_t)e[1] + 1) * 8;
			if (nh == 43 && e[3] != 0) {
				h->routed = 1;	/* the final destination is elsewhere */
			}
		}
		if (l3 + len > sizeof(*ip6) + plen) {
			return FWD_BAD_TRUNC_L3;
		}
		r = fwd__need(m, off + l3, len, FWD_BAD_TRUNC_L3);
		if (r != FWD_BAD_MAX) {
			return r;
		}
		nh = e[0];
		l3 += len;
		if (h->frag == 2) {
			break;		/* a later fragment: no L4 header */
		}
	}
	if (nh == 50) {
		h->ext_skipped = 1;	/* ESP: nothing readable past it */
	}
	h->l3_len = (uint16_t)l3;
	h->proto = nh;
	if (h->frag == 2 || h->ext_skipped) {
		return FWD_BAD_MAX;
	}
	return fwd__parse_l4(m, d, off + l3, sizeof(*ip6) + plen - l3, h);
}

/**
 * Parse and check L2 (up to two VLAN tags), IPv4 or IPv6 and UDP/TCP
 * headers; every header read must lie in the first segment's data. IPv4
 * and IPv6 fragments: a later one has no L4 header (l4_len 0), a first one
 * has it only when whole in the fragment (its UDP length may exceed the
 * fragment). Inline: the parsing engines call it once per packet.
 * @return FWD_BAD_MAX when usable (h filled; h->ipv 0 for not IP), else
 *   the reason.
 */
static __rte_always_inline int
fwd_parse_l2l4(const struct rte_mbuf *m, uint32_t max_pkt_len,
	       struct fwd_hdrs *h)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ether_hdr *eth;
	const struct rte_ipv4_hdr *ip;
	uint16_t et, frag;
	uint32_t off, ihl, tot;
	int r;

	memset(h, 0, sizeof(*h));
	r = fwd__check_eth(m);
	if (r != FWD_BAD_MAX) {
		return r;
	}
	eth = (const struct rte_ether_hdr *)d;
	et = rte_be_to_cpu_16(eth->ether_type);
	off = RTE_ETHER_HDR_LEN;
	while (et == RTE_ETHER_TYPE_VLAN || et == RTE_ETHER_TYPE_QINQ) {
		const struct rte_vlan_hdr *v;

		if (h->vlans == 2) {
			return FWD_BAD_VLAN_STACK;
		}
		r = fwd__need(m, off, sizeof(*v), FWD_BAD_RUNT);
		if (r != FWD_BAD_MAX) {
			return r;
		}
		v = (const struct rte_vlan_hdr *)(d + off);
		et = rte_be_to_cpu_16(v->eth_proto);
		off += sizeof(*v);
		h->vlans++;
	}
	if (m->pkt_len > max_pkt_len + h->vlans * RTE_VLAN_HLEN) {
		return FWD_BAD_OVERSIZE;
	}
	h->l2_len = off;
	h->ether_type = et;
	if (et == RTE_ETHER_TYPE_IPV6) {
		return fwd__parse_ipv6(m, d, off, h);
	}
	if (et != RTE_ETHER_TYPE_IPV4) {
		return FWD_BAD_MAX;
	}
	r = fwd__need(m, off, sizeof(*ip), FWD_BAD_TRUNC_L3);
	if (r != FWD_BAD_MAX) {
		return r;
	}
	ip = (const struct rte_ipv4_hdr *)(d + off);
	ihl = (uint32_t)(ip->version_ihl & 0xf) * 4;
	if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip)) {
		return FWD_BAD_IHL;
	}
	r = fwd__need(m, off, ihl, FWD_BAD_IHL);
	if (r != FWD_BAD_MAX) {
		return r;
	}
	tot = rte_be_to_cpu_16(ip->total_length);
	if (tot < ihl || off + tot > m->pkt_len) {
		return FWD_BAD_IP_LEN;
	}
	h->ipv = 4;
	h->l3_len = ihl;
	h->ip_len = tot;
	h->proto = ip->next_proto_id;
	/*
	 * Fragments are valid traffic: a later one carries no L4 header (its
	 * first bytes are data), a first one carries the L4 header of a
	 * datagram longer than itself, and only where it fits.
	 */
	frag = rte_be_to_cpu_16(ip->fragment_offset);
	if ((frag & RTE_IPV4_HDR_OFFSET_MASK) != 0) {
		h->frag = 2;
		return FWD_BAD_MAX;
	}
	if ((frag & RTE_IPV4_HDR_MF_FLAG) != 0) {
		h->frag = 1;
	}
	return fwd__parse_l4(m, d, off + ihl, tot - ihl, h);
}

/** Verify and fix the IPv4 and UDP/TCP checksums (of a fragment, the IPv4 header's only); bit 0: IP was bad, bit 1: L4 was bad. */
int fwd_csum_fix(struct rte_mbuf *m, const struct fwd_hdrs *h);

/** Build the txonly template (Ether/IPv4/UDP, valid IP checksum) for a frame of len bytes. */
void fwd_template(uint8_t *t, uint32_t len, const struct rte_ether_addr *src,
		  const struct rte_ether_addr *dst);
#define FWD_TEMPLATE_LEN 42		/* Ether + IPv4 + UDP */

/** RTE_IPV4() without its signed shift (UBSan: 198 << 24 overflows int). */
#define FWD_IPV4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | \
			      ((uint32_t)(c) << 8) | (uint32_t)(d))

/** Latency stamp in the UDP payload. */
struct fwd_stamp {
	uint32_t magic;
	uint64_t tsc;
	uint32_t seq;
	uint32_t flow;
} __attribute__((packed));
#define FWD_STAMP_MAGIC UINT32_C(0x6e627473)	/* "nbts" */
#define FWD_STAMP_OFF FWD_TEMPLATE_LEN

void fwd_lat_record(struct fwd_latency *l, const struct fwd_stamp *s,
		    uint64_t now);
uint64_t fwd_lat_percentile(const struct fwd_latency *l, double p);

#endif /* NB_FWD_H */
