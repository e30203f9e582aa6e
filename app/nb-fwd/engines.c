/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The forwarding engines. Each engine's X_burst() handles one burst of one
 * stream: receive, transform in place (inlined, no per-packet indirect
 * call), transmit, free what the device refused in one bulk call; the
 * poller X_fwd() (FWD_POLLERS) inlines it. Nothing here reads the lcore id: DPDK's bulk alloc/free
 * read it once per burst.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>
#include <rte_vect.h>

#include "nb_port.h"
#include "nb_reactor.h"

#include "fwd.h"

/* Template of txonly/flowgen, built once per stream at init. */
struct fwd_tx_tmpl {
	uint8_t hdr[FWD_TEMPLATE_LEN];
};
static struct fwd_tx_tmpl g_tmpl[FWD_MAX_STREAMS];
/* --txpkts as the generators see it (set by fwd_engines_config()) */
static uint16_t g_txpkts[FWD_MAX_SEGS];
static bool g_csum_keep_l2;	/* csum: --csum-keep-l2 */
static unsigned int g_nb_txpkts;
static uint32_t g_tx_len;
static bool g_latency;

void
fwd_engines_config(const struct fwd_cfg *c)
{
	memcpy(g_txpkts, c->txpkts, sizeof(g_txpkts));
	g_nb_txpkts = c->nb_txpkts;
	g_csum_keep_l2 = c->csum_keep_l2;
	g_tx_len = c->tx_pkt_len;
	g_latency = c->latency;
}

static __rte_always_inline uint16_t
fwd_rx(struct fwd_stream *fs, struct rte_mbuf **pkts)
{
	uint16_t n = nb_port_queue_rx_burst(&fs->rxh, pkts, fs->burst);

	if (unlikely(fs->burst_stats)) {
		fs->burst_hist[n]++;
	}
	fs->c.rx += n;
	fs->pkts += n;
	return n;
}

static __rte_always_inline void
fwd_tx(struct fwd_stream *fs, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent;

	if (unlikely(n == 0)) {
		return;
	}
	sent = nb_port_queue_tx_burst(&fs->txh, pkts, n);
	fs->c.tx += sent;
	if (unlikely(sent < n)) {
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
		fs->c.tx_dropped += n - sent;
	}
}

/*
 * Free a received burst: when every buffer is a plain one (direct, refcnt
 * 1, one segment) of one pool -- what a PMD's RX gives -- it already is in
 * the state a free buffer must be in, and the burst goes back with one
 * rte_mempool_put_bulk() (the copy into the lcore's cache); anything else
 * goes through rte_pktmbuf_free_bulk(). Same result as
 * rte_pktmbuf_free_bulk(), inline and without its per-buffer bookkeeping.
 */
static __rte_always_inline void
fwd_free_burst(struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mempool *mp = pkts[0]->pool;
	uint16_t i;

	for (i = 0; i < n; i++) {
		const struct rte_mbuf *m = pkts[i];

		if (unlikely(m->pool != mp || m->next != NULL ||
			     !RTE_MBUF_DIRECT(m) ||
			     rte_mbuf_refcnt_read(m) != 1)) {
			rte_pktmbuf_free_bulk(pkts, n);
			return;
		}
	}
	rte_mempool_put_bulk(mp, (void **)pkts, n);
}

/* Free the frames an engine dropped, in one bulk call. */
static __rte_always_inline void
fwd_drop(struct fwd_stream *fs, struct rte_mbuf **d, uint16_t nd)
{
	if (unlikely(nd > 0)) {
		rte_pktmbuf_free_bulk(d, nd);
		fs->c.dropped += nd;
	}
}

/* ---- io ----------------------------------------------------------------- */

static __rte_always_inline int
io_burst(void *arg)
{
	struct fwd_stream *fs = arg;
	struct rte_mbuf *pkts[FWD_MAX_BURST];
	uint16_t n = fwd_rx(fs, pkts);

	if (n == 0) {
		return NB_POLLER_IDLE;
	}
	fwd_tx(fs, pkts, n);
	return NB_POLLER_BUSY;
}

/* ---- mac, macswap: L2 only -------------------------------------------- */

static __rte_always_inline bool
l2_ok(const struct rte_mbuf *m, uint32_t max)
{
	return likely(m->data_len >= RTE_ETHER_HDR_LEN &&
		      m->pkt_len <= max + 2 * RTE_VLAN_HLEN);
}

static __rte_noinline void
count_bad_l2(struct fwd_stream *fs, const struct rte_mbuf *m)
{
	int r = fwd_check_l2(m, fs->max_pkt_len);

	if (r < FWD_BAD_MAX) {
		fs->c.bad[r]++;
	}
}

static __rte_always_inline int
mac_burst(void *arg)
{
	struct fwd_stream *fs = arg;
	struct rte_mbuf *pkts[FWD_MAX_BURST], *drop[FWD_MAX_BURST];
	uint16_t n = fwd_rx(fs, pkts), i, k = 0, nd = 0;
	const struct rte_ether_addr src = fs->tx_src, dst = fs->tx_dst;

	if (n == 0) {
		return NB_POLLER_IDLE;
	}
#if defined(RTE_ARCH_X86) && defined(__SSE4_1__)
	/* dst|src|(ether type kept): one load, one blend, one store */
	uint8_t a[16] = { 0 };
	__m128i addrs, keep;

	memcpy(a, &dst, 6);
	memcpy(a + 6, &src, 6);
	addrs = _mm_loadu_si128((const __m128i *)(const void *)a);
	keep = _mm_set_epi8(-1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
#endif
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct rte_ether_hdr *eth;

		if (!l2_ok(m, fs->max_pkt_len)) {
			count_bad_l2(fs, m);
			drop[nd++] = m;
			continue;
		}
		eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
#if defined(RTE_ARCH_X86) && defined(__SSE4_1__)
		if (likely(m->data_len >= 16)) {
			__m128i v = _mm_loadu_si128((const __m128i *)(void *)eth);

			_mm_storeu_si128((__m128i *)(void *)eth,
					 _mm_blendv_epi8(addrs, v, keep));
			pkts[k++] = m;
			continue;
		}
#endif
		eth->dst_addr = dst;
		eth->src_addr = src;
		pkts[k++] = m;
	}
	fwd_drop(fs, drop, nd);
	fwd_tx(fs, pkts, k);
	return NB_POLLER_BUSY;
}

static __rte_always_inline void
swap_mac(struct rte_ether_hdr *eth)
{
	struct rte_ether_addr t = eth->dst_addr;

	eth->dst_addr = eth->src_addr;
	eth->src_addr = t;
}

/* macswap of a frame whose first segment holds at least 16 bytes: one
 * 16-byte load, one byte shuffle, one store (x86 SSSE3), else swap_mac(). */
static __rte_always_inline void
swap_mac_m(struct rte_mbuf *m)
{
#if defined(RTE_ARCH_X86) && defined(__SSSE3__)
	if (likely(m->data_len >= 16)) {
		uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
		const __m128i shuf = _mm_set_epi8(15, 14, 13, 12, 5, 4, 3, 2, 1, 0,
						  11, 10, 9, 8, 7, 6);
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)d);

		_mm_storeu_si128((__m128i *)(void *)d, _mm_shuffle_epi8(v, shuf));
		return;
	}
#endif
	swap_mac(rte_pktmbuf_mtod(m, struct rte_ether_hdr *));
}

static __rte_always_inline int
macswap_burst(void *arg)
{
	struct fwd_stream *fs = arg;
	struct rte_mbuf *pkts[FWD_MAX_BURST], *drop[FWD_MAX_BURST];
	uint16_t n = fwd_rx(fs, pkts), i, k = 0, nd = 0;

	if (n == 0) {
		return NB_POLLER_IDLE;
	}
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (!l2_ok(m, fs->max_pkt_len)) {
			count_bad_l2(fs, m);
			drop[nd++] = m;
			continue;
		}
		swap_mac_m(m);
		pkts[k++] = m;
	}
	fwd_drop(fs, drop, nd);
	fwd_tx(fs, pkts, k);
	return NB_POLLER_BUSY;
}

/* ---- 5tswap: MACs, IPv4 addresses, UDP/TCP ports ------------------------ */

static __rte_always_inline int
tswap_burst(void *arg)
{
	struct fwd_stream *fs = arg;
	struct rte_mbuf *pkts[FWD_MAX_BURST], *drop[FWD_MAX_BURST];
	uint16_t n = fwd_rx(fs, pkts), i, k = 0, nd = 0;
	/* once per burst: packet stores may alias fs */
	uint64_t not_ip = 0, ext_skipped = 0;

	if (n == 0) {
		return NB_POLLER_IDLE;
	}
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct fwd_hdrs h;
		uint8_t *d;
		int r = fwd_parse_l2l4(m, fs->max_pkt_len, &h);

		if (unlikely(r != FWD_BAD_MAX)) {
			fs->c.bad[r]++;
			drop[nd++] = m;
			continue;
		}
		d = rte_pktmbuf_mtod(m, uint8_t *);
		swap_mac((struct rte_ether_hdr *)d);
		if (h.ipv == 4) {
			struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + h.l2_len);
			uint32_t a = ip->src_addr;

			ip->src_addr = ip->dst_addr;
			ip->dst_addr = a;
		} else if (h.ipv == 6) {
			struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(d + h.l2_len);
			uint8_t a[16];

			memcpy(a, ip6->src_addr, 16);
			memcpy(ip6->src_addr, ip6->dst_addr, 16);
			memcpy(ip6->dst_addr, a, 16);
			ext_skipped += h.ext_skipped;
		} else {
			not_ip++;
		}
		/* ports where the L4 header was read (not in a fragment's
		 * later part, not past unwalked IPv6 extensions) */
		if (h.l4_len != 0 && h.frag == 0) {
			/* src and dst port are the first 4 bytes of both */
			uint16_t *pp = (uint16_t *)(d + h.l2_len + h.l3_len);
			uint16_t p0 = pp[0];

			pp[0] = pp[1];
			pp[1] = p0;
		}
		pkts[k++] = m;
	}
	fs->c.not_ip += not_ip;
	fs->c.ext_skipped += ext_skipped;
	fwd_drop(fs, drop, nd);
	fwd_tx(fs, pkts, k);
	return NB_POLLER_BUSY;
}

/* ---- rxonly (and the latency receiver) ---------------------------------- */

static __rte_always_inline int
rxonly_burst(void *arg)
{
	struct fwd_stream *fs = arg;
	struct rte_mbuf *pkts[FWD_MAX_BURST];
	uint16_t n = fwd_rx(fs, pkts);

	if (n == 0) {
		return NB_POLLER_IDLE;
	}
	fwd_free_burst(pkts, n);
	return NB_POLLER_BUSY;
}

/* Copy len bytes from src into m at off, across segments. */
static void
seg_write(struct rte_mbuf *m, uint32_t off, const void *src, uint32_t len)
{
	const uint8_t *s = src;

	while (m != NULL && len > 0) {
		if (off < m->data_len) {
			uint32_t c = RTE_MIN(len, (uint32_t)m->data_len - off);

			memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, off), s, c);
			s += c;
			len -= c;
			off = 0;
		} else {
			off -= m->data_len;
		}
		m = m->next;
	}
}

static int
latrx_fwd(void *arg)
{
	struct fwd_stream *fs = arg;
	struct rte_mbuf *pkts[FWD_MAX_BURST];
	uint16_t n = fwd_rx(fs, pkts), i;
	uint64_t now;

	if (n == 0) {
		return NB_POLLER_IDLE;
	}
	now = rte_rdtsc();
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct fwd_hdrs h;
		struct fwd_stamp st;
		const struct fwd_stamp *sp;
		int r = fwd_parse_l2l4(m, fs->max_pkt_len, &h);

		if (unlikely(r != FWD_BAD_MAX)) {
			fs->c.bad[r]++;
			continue;
		}
		if (h.ipv != 4 || h.proto != IPPROTO_UDP || h.frag != 0 ||
		    h.ip_len < h.l3_len + h.l4_len + sizeof(st)) {
			fs->c.not_ip++;
			continue;
		}
		sp = rte_pktmbuf_read(m, h.l2_len + h.l3_len + h.l4_len,
				      sizeof(st), &st);
		if (sp == NULL || sp->magic != FWD_STAMP_MAGIC) {
			fs->c.not_ip++;
			continue;
		}
		fwd_lat_record(fs->lat, sp, now);
	}
	rte_pktmbuf_free_bulk(pkts, n);
	return NB_POLLER_BUSY;
}

/* ---- txonly, flowgen ------------------------------------------------------ */

/* Allocate and build one burst from the template; returns packets built. */
static __rte_always_inline uint16_t
gen_burst(struct fwd_stream *fs, struct rte_mbuf **pkts)
{
	const uint8_t *t = g_tmpl[fs->idx].hdr;
	uint16_t n = fs->burst, i;

	if (likely(g_nb_txpkts == 1)) {
		uint16_t len = g_txpkts[0];

		/* short of buffers: fewer packets, down to one (as testpmd) */
		while (unlikely(rte_pktmbuf_alloc_bulk(fs->mp, pkts, n) != 0)) {
			n /= 2;
			if (n == 0) {
				fs->c.nombuf++;
				return 0;
			}
		}
		for (i = 0; i < n; i++) {
			struct rte_mbuf *m = pkts[i];

			NB_ASSERT(rte_pktmbuf_tailroom(m) >= len);
			rte_memcpy(rte_pktmbuf_mtod(m, void *), t, FWD_TEMPLATE_LEN);
			m->data_len = len;
			m->pkt_len = len;
		}
		return n;
	}
	{
		struct rte_mbuf *segs[FWD_MAX_BURST * 2];
		unsigned int ns = g_nb_txpkts, per, j, k = 0;

		/* bounded by the stack array: fewer packets per burst */
		per = RTE_MIN((unsigned int)n, (unsigned int)RTE_DIM(segs) / ns);
		n = per;
		while (unlikely(rte_pktmbuf_alloc_bulk(fs->mp, segs,
						       n * ns) != 0)) {
			n /= 2;
			if (n == 0) {
				fs->c.nombuf++;
				return 0;
			}
		}
		for (i = 0; i < n; i++) {
			struct rte_mbuf *head = segs[k], *prev = NULL;

			for (j = 0; j < ns; j++) {
				struct rte_mbuf *s = segs[k++];

				NB_ASSERT(rte_pktmbuf_tailroom(s) >= g_txpkts[j]);
				s->data_len = g_txpkts[j];
				if (prev != NULL) {
					prev->next = s;
				}
				prev = s;
			}
			head->nb_segs = ns;
			head->pkt_len = g_tx_len;
			seg_write(head, 0, t, FWD_TEMPLATE_LEN);
			pkts[i] = head;
		}
		return n;
	}
}

static __rte_always_inline void
gen_tx(struct fwd_stream *fs, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent = nb_port_queue_tx_burst(&fs->txh, pkts, n);

	fs->c.tx += sent;
	fs->pkts += sent;
	if (unlikely(sent < n)) {
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
		fs->c.tx_dropped += n - sent;
		if (g_latency) {
			fs->seq -= n - sent;	/* never sent: not a gap */
		}
	}
}

static __rte_always_inline int
txonly_burst(void *arg)
{
	struct fwd_stream *fs = arg;
	struct rte_mbuf *pkts[FWD_MAX_BURST];
	uint16_t n = gen_burst(fs, pkts), i;

	if (n == 0) {
		return NB_POLLER_IDLE;
	}
	if (g_latency) {
		struct fwd_stamp st = {
			.magic = FWD_STAMP_MAGIC,
			.tsc = rte_rdtsc(),
			.flow = fs->idx,
		};

		for (i = 0; i < n; i++) {
			st.seq = fs->seq++;
			seg_write(pkts[i], FWD_STAMP_OFF, &st, sizeof(st));
		}
	}
	gen_tx(fs, pkts, n);
	return NB_POLLER_BUSY;
}

/* flowgen: the source address and UDP source port walk through nb_flows flows. */
static __rte_always_inline int
flowgen_burst(void *arg)
{
	struct fwd_stream *fs = arg;
	struct rte_mbuf *pkts[FWD_MAX_BURST];
	uint16_t n = gen_burst(fs, pkts), i;
	uint32_t flow = fs->flow;

	if (n == 0) {
		return NB_POLLER_IDLE;
	}
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct rte_ipv4_hdr *ip;
		struct rte_udp_hdr *u;

		if (unlikely(m->data_len < FWD_TEMPLATE_LEN)) {
			break;	/* header split over --txpkts: one flow */
		}
		ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
					     RTE_ETHER_HDR_LEN);
		u = (struct rte_udp_hdr *)(ip + 1);
		ip->src_addr = rte_cpu_to_be_32(FWD_IPV4(198, 18, 0, 0) +
						 (flow & 0x3ff) + 1);
		u->src_port = rte_cpu_to_be_16(1024 + (flow >> 10));
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		if (++flow == fs->nb_flows) {
			flow = 0;
		}
	}
	fs->flow = flow;
	gen_tx(fs, pkts, n);
	return NB_POLLER_BUSY;
}

static int
gen_init(struct fwd_stream *fs)
{
	unsigned int room = rte_pktmbuf_data_room_size(fs->mp) -
			    RTE_PKTMBUF_HEADROOM, j;

	/* the options checked it against --mbuf-size; this is the pool used */
	for (j = 0; j < g_nb_txpkts; j++) {
		if (g_txpkts[j] > room) {
			fprintf(stderr, "nb-fwd: --txpkts segment %u (%u bytes) "
				"does not fit the %u-byte data room of pool %s\n",
				j, g_txpkts[j], room, fs->mp->name);
			return -EINVAL;
		}
	}
	fwd_template(g_tmpl[fs->idx].hdr, g_tx_len, &fs->tx_src, &fs->tx_dst);
	return 0;
}

/* ---- --tx-first ------------------------------------------------------------ */

/* Frames --tx-first sends: Ether/IPv4/UDP, 64 bytes. */
#define FWD_TX_FIRST_LEN 64

int
fwd_tx_first(struct fwd_stream *fs)
{
	struct rte_mbuf *pkts[FWD_MAX_BURST];
	uint8_t t[FWD_TEMPLATE_LEN];
	uint16_t n = fs->burst, i, sent;

	if (rte_pktmbuf_data_room_size(fs->mp) - RTE_PKTMBUF_HEADROOM <
	    FWD_TX_FIRST_LEN) {
		return -EMSGSIZE;
	}
	if (rte_pktmbuf_alloc_bulk(fs->mp, pkts, n) != 0) {
		return -ENOBUFS;
	}
	fwd_template(t, FWD_TX_FIRST_LEN, &fs->tx_src, &fs->tx_dst);
	for (i = 0; i < n; i++) {
		uint8_t *d = rte_pktmbuf_mtod(pkts[i], uint8_t *);

		memcpy(d, t, FWD_TEMPLATE_LEN);
		memset(d + FWD_TEMPLATE_LEN, 0,
		       FWD_TX_FIRST_LEN - FWD_TEMPLATE_LEN);
		pkts[i]->data_len = FWD_TX_FIRST_LEN;
		pkts[i]->pkt_len = FWD_TX_FIRST_LEN;
	}
	sent = nb_port_queue_tx_burst(&fs->txh, pkts, n);
	fs->c.tx += sent;
	if (sent < n) {
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
		fs->c.tx_dropped += n - sent;
	}
	return sent;
}

/* ---- csum: verify and fix IPv4, UDP and TCP checksums ------------------- */

static __rte_always_inline int
csum_burst(void *arg)
{
	struct fwd_stream *fs = arg;
	struct rte_mbuf *pkts[FWD_MAX_BURST], *drop[FWD_MAX_BURST];
	uint16_t n = fwd_rx(fs, pkts), i, k = 0, nd = 0;
	uint64_t bad_ip = 0, bad_l4 = 0, not_ip = 0, ext_skipped = 0; /* per burst */
	const struct rte_ether_addr src = fs->tx_src, dst = fs->tx_dst;
	const bool rewrite_l2 = !g_csum_keep_l2;

	if (n == 0) {
		return NB_POLLER_IDLE;
	}
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct fwd_hdrs h;
		int r = fwd_parse_l2l4(m, fs->max_pkt_len, &h);

		if (unlikely(r != FWD_BAD_MAX)) {
			fs->c.bad[r]++;
			drop[nd++] = m;
			continue;
		}
		if (h.ipv != 0) {
			r = fwd_csum_fix(m, &h);
			bad_ip += r & 1;
			bad_l4 += (r >> 1) & 1;
			ext_skipped += h.ext_skipped;
		} else {
			not_ip++;
		}
		if (rewrite_l2) {
			/* testpmd's csum engine: dst the peer, src our port */
			struct rte_ether_hdr *eth =
				rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

			eth->dst_addr = dst;
			eth->src_addr = src;
		}
		pkts[k++] = m;
	}
	fs->c.csum_bad_ip += bad_ip;
	fs->c.csum_bad_l4 += bad_l4;
	fs->c.not_ip += not_ip;
	fs->c.ext_skipped += ext_skipped;
	fwd_drop(fs, drop, nd);
	fwd_tx(fs, pkts, k);
	return NB_POLLER_BUSY;
}

/* ---- icmpecho: ARP and ICMP echo for --ip ------------------------------- */

/* Turn an ARP request for us into the reply; false when it is not one. */
static bool
arp_reply(struct fwd_stream *fs, struct rte_mbuf *m, const struct fwd_hdrs *h)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_arp_hdr *a;
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)d;
	uint32_t ip;

	if (h->l2_len + sizeof(*a) > m->data_len) {
		return false;
	}
	a = (struct rte_arp_hdr *)(d + h->l2_len);
	if (a->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    a->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    a->arp_hlen != RTE_ETHER_ADDR_LEN || a->arp_plen != 4 ||
	    a->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) ||
	    (!fs->ip_any && a->arp_data.arp_tip != fs->ip)) {
		return false;
	}
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	a->arp_data.arp_tha = a->arp_data.arp_sha;
	ip = a->arp_data.arp_sip;
	a->arp_data.arp_sha = fs->tx_src;
	/* without --ip every address asked for is ours (testpmd's way) */
	a->arp_data.arp_sip = fs->ip_any ? a->arp_data.arp_tip : fs->ip;
	a->arp_data.arp_tip = ip;
	eth->dst_addr = eth->src_addr;
	eth->src_addr = fs->tx_src;
	return true;
}

/* Turn an ICMP echo request to us into the reply. */
static bool
icmp_reply(struct fwd_stream *fs, struct rte_mbuf *m, const struct fwd_hdrs *h)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)d;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + h->l2_len);
	struct rte_icmp_hdr *ic;
	uint32_t off = h->l2_len + h->l3_len, sum, src;

	if (h->proto != IPPROTO_ICMP || h->frag != 0 ||
	    (!fs->ip_any && ip->dst_addr != fs->ip) ||
	    h->ip_len < h->l3_len + sizeof(*ic) ||
	    off + sizeof(*ic) > m->data_len) {
		return false;
	}
	ic = (struct rte_icmp_hdr *)(d + off);
	if (ic->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || ic->icmp_code != 0) {
		return false;
	}
	ic->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	/* incremental update (RFC 1624): the type byte went 8 -> 0 */
	sum = (uint16_t)~ic->icmp_cksum + (uint16_t)~rte_cpu_to_be_16(0x0800) + 0;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	/* eqn. 3 never gives 0xffff, the only valid sum of an all-zero
	 * message (id 0, seq 0, zero payload; fwd_fuzz found it): 0xffff is
	 * right wherever 0x0000 is */
	ic->icmp_cksum = (uint16_t)~sum != 0 ? (uint16_t)~sum : 0xffff;
	src = fs->ip_any ? ip->dst_addr : fs->ip;
	ip->dst_addr = ip->src_addr;
	ip->src_addr = src;
	ip->time_to_live = 64;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = (uint16_t)~rte_raw_cksum(ip, h->l3_len);
	eth->dst_addr = eth->src_addr;
	eth->src_addr = fs->tx_src;
	return true;
}

static __rte_always_inline int
icmpecho_burst(void *arg)
{
	struct fwd_stream *fs = arg;
	struct rte_mbuf *pkts[FWD_MAX_BURST], *drop[FWD_MAX_BURST];
	uint16_t n = fwd_rx(fs, pkts), i, k = 0, nd = 0;

	if (n == 0) {
		return NB_POLLER_IDLE;
	}
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct fwd_hdrs h;
		int r = fwd_parse_l2l4(m, fs->max_pkt_len, &h);

		if (unlikely(r != FWD_BAD_MAX)) {
			fs->c.bad[r]++;
			drop[nd++] = m;
			continue;
		}
		if (h.ether_type == RTE_ETHER_TYPE_ARP && arp_reply(fs, m, &h)) {
			fs->c.arp_replies++;
			pkts[k++] = m;
		} else if (h.ipv == 4 && icmp_reply(fs, m, &h)) {
			fs->c.icmp_replies++;
			pkts[k++] = m;
		} else {
			if (h.ipv == 0) {
				fs->c.not_ip++;
			}
			drop[nd++] = m;
		}
	}
	fwd_drop(fs, drop, nd);
	fwd_tx(fs, pkts, k);
	return NB_POLLER_BUSY;
}

/* ---- clone-fanout: every packet to every other port, zero-copy ---------- */

static __rte_always_inline int
fanout_burst(void *arg)
{
	struct fwd_stream *fs = arg;
	struct rte_mbuf *pkts[FWD_MAX_BURST], *cl[FWD_MAX_BURST];
	uint16_t n = fwd_rx(fs, pkts), i, k;
	unsigned int o;
	bool single = true;

	if (n == 0) {
		return NB_POLLER_IDLE;
	}
	for (i = 0; i < n; i++) {
		single &= pkts[i]->nb_segs == 1;
	}
	for (o = 0; o < fs->nb_fanout; o++) {
		struct fwd_stream *t = fs->peer_streams[o];
		uint16_t sent;

		k = 0;
		if (likely(single) && rte_pktmbuf_alloc_bulk(fs->mp, cl, n) == 0) {
			/* one bulk get, then attach: rte_pktmbuf_clone()
			 * without its per-packet allocation */
			for (i = 0; i < n; i++) {
				rte_pktmbuf_attach(cl[i], pkts[i]);
			}
			k = n;
		} else {
			for (i = 0; i < n; i++) {
				struct rte_mbuf *c = rte_pktmbuf_clone(pkts[i], fs->mp);

				if (unlikely(c == NULL)) {
					fs->c.nombuf++;
					continue;
				}
				cl[k++] = c;
			}
		}
		if (k == 0) {
			continue;
		}
		sent = nb_port_tx_burst(t->tx_port, fs->txq, cl, k);
		fs->c.tx += sent;
		if (unlikely(sent < k)) {
			rte_pktmbuf_free_bulk(cl + sent, k - sent);
			fs->c.tx_dropped += k - sent;
		}
	}
	rte_pktmbuf_free_bulk(pkts, n);	/* the clones hold the data now */
	return NB_POLLER_BUSY;
}

/* ---- pipeline: RX lcore -> ring -> worker lcore (macswap + TX) ---------- */

static __rte_always_inline int
pipe_rx_burst(void *arg)
{
	struct fwd_stream *fs = arg;
	struct rte_mbuf *pkts[FWD_MAX_BURST];
	uint16_t n = fwd_rx(fs, pkts);
	unsigned int q;

	if (n == 0) {
		return NB_POLLER_IDLE;
	}
	q = rte_ring_sp_enqueue_burst(fs->ring, (void **)pkts, n, NULL);
	if (unlikely(q < n)) {
		fwd_drop(fs, pkts + q, n - q);
	}
	return NB_POLLER_BUSY;
}

int
fwd_pipe_worker(void *arg)
{
	struct fwd_stream *fs = arg;
	struct rte_mbuf *pkts[FWD_MAX_BURST], *drop[FWD_MAX_BURST];
	uint16_t n, i, k = 0, nd = 0;

	n = rte_ring_sc_dequeue_burst(fs->ring, (void **)pkts, fs->burst, NULL);
	if (n == 0) {
		return NB_POLLER_IDLE;
	}
	fs->pkts += n;
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (!l2_ok(m, fs->max_pkt_len)) {
			count_bad_l2(fs, m);
			drop[nd++] = m;
			continue;
		}
		swap_mac_m(m);
		pkts[k++] = m;
	}
	fwd_drop(fs, drop, nd);
	fwd_tx(fs, pkts, k);
	return NB_POLLER_BUSY;
}

int
fwd_latrx(void *arg)
{
	return latrx_fwd(arg);
}

static int
rx_init(struct fwd_stream *fs)
{
	(void)fs;
	return 0;
}

/* ---- pollers --------------------------------------------------------------- */

/* Each engine's burst function is inlined into its poller, X_fwd(). */
#define FWD_POLLERS(x)							\
static int								\
x##_fwd(void *arg)							\
{									\
	return x##_burst(arg);						\
}

FWD_POLLERS(io)
FWD_POLLERS(mac)
FWD_POLLERS(macswap)
FWD_POLLERS(tswap)
FWD_POLLERS(rxonly)
FWD_POLLERS(txonly)
FWD_POLLERS(flowgen)
FWD_POLLERS(csum)
FWD_POLLERS(icmpecho)
FWD_POLLERS(fanout)
static int
pipe_rx_fwd(void *arg)
{
	return pipe_rx_burst(arg);
}

/* ---- the table ------------------------------------------------------------ */

static const struct fwd_engine e_io = {
	.name = "io", .help = "forward untouched (headers not read)",
	.fwd = io_fwd,
};
static const struct fwd_engine e_mac = {
	.name = "mac", .help = "dst MAC = --eth-peer, src MAC = TX port's",
	.fwd = mac_fwd,
};
static const struct fwd_engine e_macswap = {
	.name = "macswap", .help = "swap source and destination MAC",
	.fwd = macswap_fwd,
};
static const struct fwd_engine e_5tswap = {
	.name = "5tswap", .help = "swap MACs, IPv4 addresses, UDP/TCP ports",
	.fwd = tswap_fwd,
};
static const struct fwd_engine e_rxonly = {
	.name = "rxonly", .help = "receive and free (--latency: measure stamps)",
	.fwd = rxonly_fwd, .init = rx_init,
};
static const struct fwd_engine e_txonly = {
	.name = "txonly", .help = "send Ether/IPv4/UDP 198.18.0.1 -> 198.18.0.2",
	.fwd = txonly_fwd, .init = gen_init, .generator = true,
};
static const struct fwd_engine e_flowgen = {
	.name = "flowgen", .help = "txonly over --flowgen-flows UDP flows",
	.fwd = flowgen_fwd, .init = gen_init, .generator = true,
};
static const struct fwd_engine e_csum = {
	.name = "csum", .help = "verify and fix IPv4/IPv6 UDP/TCP checksums, count bad; MACs as mac",
	.fwd = csum_fwd,
};
static const struct fwd_engine e_icmpecho = {
	.name = "icmpecho", .help = "answer ARP and ICMP echo (for --ip, or every address)",
	.fwd = icmpecho_fwd, .tx_same_port = true,
};
static const struct fwd_engine e_fanout = {
	.name = "clone-fanout", .help = "zero-copy clone to every other port",
	.fwd = fanout_fwd, .fanout = true,
};
static const struct fwd_engine e_pipeline = {
	.name = "pipeline", .help = "RX lcore -> ring -> worker lcore macswap + TX",
	.fwd = pipe_rx_fwd,	/* per stream: its worker is on another lcore */ .pipeline = true,
};

const struct fwd_engine *const fwd_engines[] = {
	&e_io, &e_mac, &e_macswap, &e_5tswap, &e_rxonly, &e_txonly,
	&e_flowgen, &e_csum, &e_icmpecho, &e_fanout, &e_pipeline, NULL,
};

const struct fwd_engine *
fwd_engine_find(const char *name)
{
	unsigned int i;

	for (i = 0; fwd_engines[i] != NULL; i++) {
		if (strcmp(fwd_engines[i]->name, name) == 0) {
			return fwd_engines[i];
		}
	}
	return NULL;
}
