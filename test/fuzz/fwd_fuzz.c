/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fwd_fuzz: a libFuzzer target for nb-fwd's per-packet paths.
 *
 * app/nb-fwd/engines.c and pkt.c are compiled into this target with the
 * fuzzer's coverage and ASan/UBSan (test/fuzz/meson.build), so libFuzzer is
 * guided by the branches of the engines and of the frame parser, and every
 * byte they read or write is checked.
 *
 * One input is one run of one engine over up to 64 frames: the harness
 * builds the frames as mbuf chains, sends them on end 0 of a loop port pair
 * ("loop:fwdfz/0" - "loop:fwdfz/1", drivers/net/loop: zero copy), calls the
 * engine's poller (fwd_engine.fwd) on a stream that receives and transmits
 * on end 1 until it says NB_POLLER_IDLE, and reads what the engine sent back
 * on end 0. The engines: io, mac, macswap, 5tswap, csum, icmpecho, rxonly
 * and clone-fanout (txonly, flowgen and pipeline take no input frames).
 *
 * Segments are plain pool buffers or EXTERNAL memory of exactly the
 * segment's length (malloc'd, attached with rte_pktmbuf_attach_extbuf(),
 * freed by the shared-info callback, which counts its calls): inside the
 * pool's memory ASan sees nothing, in an exact-size block it catches every
 * read or write past the segment's data. Chains of 1 to 4 segments of any
 * sizes (0 included) reach the "headers in the first segment" checks.
 *
 * Input (little endian; bytes past the end of the input read as 0):
 *   u8  engine: index % 8 into g_eng_names[]
 *   u8  flags: bit 0 --csum-keep-l2; bit 1 icmpecho --ip 198.18.0.1 (else
 *       every address: fs->ip_any); bit 2 --max-pkt-len 9000 (else 1518);
 *       bit 3 clone-fanout: two peer streams (else one); bit 4 link down:
 *       end 0 is stopped while the engine runs, so the loop refuses every
 *       TX (the engine must free what it could not send); bit 5
 *       clone-fanout: pool short (the harness holds all buffers but the
 *       next byte's count while the engine runs); bit 6
 *       --record-burst-stats (fs->burst_hist)
 *   u8  burst - 1 (burst 1..64)
 *   u8  frames (% 65)
 *   u8  pool short: buffers left free
 *   then per frame:
 *     u16 length (% 9101)
 *     u8  bits 0-1: segments - 1; bit 4 + k: segment k is external memory
 *     u16 per segment but the last: its size, % (bytes left + 1); the last
 *         segment takes the rest
 *     length bytes of the frame (zeros once the input ends)
 *
 * What is checked, per input (an abort() with one line saying what and the
 * run's frames; libFuzzer saves the input):
 * - every chain passes rte_mbuf_check() before it is sent, every output
 *   after; every frame is taken by the loop port;
 * - the poller returns busy exactly ceil(frames / burst) times, then idle;
 *   with --record-burst-stats its histogram says the same;
 * - counters: rx == frames; tx == outputs, tx_dropped 0 (link down: no
 *   output, tx 0, tx_dropped what would have been sent); clone-fanout:
 *   nombuf 0 (pool short: clones + nombuf == peers x frames); dropped ==
 *   the frames that must not pass (0 for io, rxonly and clone-fanout);
 *   bad[] per reason exactly the frames the engine must drop
 *   for that reason (mac, macswap: the harness's own L2 rules; 5tswap,
 *   csum, icmpecho: fwd_parse_l2l4() of the input, whose promises --
 *   headers inside the first segment, lengths within the frame -- are
 *   checked on every frame it accepts); not_ip, ext_skipped, csum_bad_ip,
 *   csum_bad_l4, arp_replies, icmp_replies as each engine defines them;
 * - outputs: the same mbufs, segments and lengths as the input frames that
 *   must pass, in their order (clone-fanout: one clone per peer of every
 *   frame, pointing at the original's data: zero copy), and their bytes:
 *   io and clone-fanout unchanged; mac: dst/src the stream's tx_dst/tx_src,
 *   bytes from 12 unchanged; macswap and 5tswap: a byte model (MACs; IPv4
 *   or IPv6 addresses; UDP/TCP ports where the L4 header was read), and the
 *   output sent through the engine again gives back the input; csum: MACs
 *   rewritten unless --csum-keep-l2, only the checksum fields changed (and
 *   exactly those the counters say), the IPv4 header and UDP/TCP checksums
 *   valid by the harness's own sum, and fwd_csum_fix() on the output finds
 *   nothing more to fix; icmpecho: replies to exactly the ARP requests and
 *   ICMP echo requests for its address (the harness's own reading of the
 *   frame), byte model of each reply, a valid IPv4 header checksum and an
 *   ICMP checksum valid when the request's was; rxonly: no output;
 * - after each input everything is freed: every external block freed
 *   exactly once (by its callback), the pool audit 0, no double or foreign
 *   free counted.
 *
 * Replay an input with FWD_FUZZ_TRACE=1 fwd_fuzz FILE: it prints the run
 * and every frame. Engine bugs already reported are stepped around unless
 * FWD_FUZZ_KNOWN=1 (see g_known).
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include <nb_env.h>
#include <nb_pool.h>
#include <nb_port.h>
#include <nb_reactor.h>

#include "fwd.h"

#define MAX_FRAMES	64	/* frames per input */
#define MAX_SEGS	4	/* segments per frame */
#define FRAME_MAX	9100u	/* longest frame built */
#define MAX_PEERS	2	/* clone-fanout peer streams */
#define MAX_OUT		(MAX_FRAMES * MAX_PEERS)
#define MAX_EXT		(MAX_FRAMES * MAX_SEGS)
/*
 * One pool: every frame, every segment header (external ones too) and
 * every clone: 64 x 4 segments + 2 x 64 x 4 clones (clone-fanout of chains)
 * = 768 at most. Data room for a 9100-byte frame in one segment.
 */
#define POOL_N		1024
#define POOL_ROOM	(9216 + RTE_PKTMBUF_HEADROOM)
#define LOOP_DESC	256	/* loop ring: holds every output at once */
#define FUZZ_IP		FWD_IPV4(198, 18, 0, 1)	/* icmpecho --ip */

/* libFuzzer's entry points. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- the engines driven -------------------------------------------------- */

enum eng {
	E_IO,
	E_MAC,
	E_MACSWAP,
	E_5TSWAP,
	E_CSUM,
	E_ICMPECHO,
	E_RXONLY,
	E_FANOUT,
	E_NB,
};

static const char *const g_eng_names[E_NB] = {
	[E_IO] = "io",
	[E_MAC] = "mac",
	[E_MACSWAP] = "macswap",
	[E_5TSWAP] = "5tswap",
	[E_CSUM] = "csum",
	[E_ICMPECHO] = "icmpecho",
	[E_RXONLY] = "rxonly",
	[E_FANOUT] = "clone-fanout",
};

static const struct fwd_engine *g_eng[E_NB];

/* What icmpecho must answer. */
enum reply {
	REPLY_NONE,
	REPLY_ARP,
	REPLY_ICMP,
};

/* One input frame, as built and as the harness expects it to fare. */
struct frame {
	struct rte_mbuf *m;		/* head, as sent */
	struct rte_mbuf *seg[MAX_SEGS];
	const uint8_t *seg_data[MAX_SEGS]; /* data of each segment */
	uint16_t seg_len[MAX_SEGS];
	unsigned int nsegs;
	unsigned int ext_mask;		/* bit k: segment k is external */
	uint32_t len;
	uint8_t *bytes;			/* the frame: g_bytes[i] */
	int l2;				/* mac, macswap: FWD_BAD_MAX or why */
	int parse;			/* fwd_parse_l2l4() of the input */
	struct fwd_hdrs h;		/* its headers when it passed */
	enum reply reply;		/* icmpecho */
	bool icmp_valid;		/* echo request, valid checksum */
	bool pass;			/* must come out (once per peer) */
	unsigned int outs;		/* times it came out */
};

/* The run one input describes. */
struct run {
	enum eng e;
	bool keep_l2;			/* csum --csum-keep-l2 */
	bool ip_any;			/* icmpecho: every address */
	uint32_t max_pkt_len;
	unsigned int peers;		/* clone-fanout */
	bool link_down;			/* end 0 stopped: every TX refused */
	bool pool_short;		/* clone-fanout: pool nearly empty */
	bool burst_stats;		/* --record-burst-stats */
	unsigned int pool_left;		/* buffers left free then */
	uint16_t burst;
	unsigned int nframes;
};

static struct run g_run;
static struct frame g_f[MAX_FRAMES];
static uint8_t g_bytes[MAX_FRAMES][FRAME_MAX];
static uint8_t g_got[FRAME_MAX];
static uint8_t g_want[FRAME_MAX];
static struct rte_mbuf *g_out[MAX_OUT + 1];
static struct rte_mbuf *g_hog[POOL_N];	/* pool short: held by the harness */
static unsigned int g_out_idx[MAX_OUT];	/* frame of each output */
static unsigned int g_nout;

/* External memory of this input and what its free callback did. */
struct ext_rec {
	struct rte_mbuf_ext_shared_info shinfo;
	uint8_t *va;
	uint32_t len;
	unsigned int calls;
};

static struct ext_rec g_ext[MAX_EXT];
static unsigned int g_nb_ext;

static struct nb_pool *g_pool;
static struct nb_port *g_end0, *g_end1;
static struct fwd_stream g_fs, g_peer[MAX_PEERS];
static struct rte_ether_addr g_src;	/* the stream's tx_src: end 1's MAC */
static const struct rte_ether_addr g_dst = {	/* tx_dst (--eth-peer) */
	.addr_bytes = { 0x02, 0x00, 0x5e, 0x10, 0x20, 0x30 },
};
static rte_be32_t g_ip;			/* FUZZ_IP, network order */

/* ---- failure reporting --------------------------------------------------- */

static const char *g_stage = "init";
static bool g_trace;
/*
 * Engine bugs already reported are stepped around so fuzzing goes on past
 * them; FWD_FUZZ_KNOWN=1 in the environment arms them again (to check a
 * fix). None is known now; the first one fwd_fuzz found (icmpecho's
 * incremental ICMP checksum gave 0x0000 for an all-zero message, where
 * only 0xffff is valid) is fixed and its seed icmp-echo-zero-known stays
 * in the corpus.
 */
static bool g_known;

static void dump_state(void);

#define FAIL(...) do {							\
	fprintf(stderr, "fwd_fuzz: FAIL (%s, %s), %s:%d: ",		\
		g_stage, g_eng_names[g_run.e], __FILE__, __LINE__);	\
	fprintf(stderr, __VA_ARGS__);					\
	fputc('\n', stderr);						\
	dump_state();							\
	abort();							\
} while (0)

#define EXPECT(cond, ...) do {						\
	if (unlikely(!(cond))) {					\
		FAIL("expected " #cond ": " __VA_ARGS__);		\
	}								\
} while (0)

#define TRACE(...) do {							\
	if (g_trace) {							\
		fprintf(stderr, "  ");					\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
} while (0)

static const char *
bad_name(int r)
{
	return r >= 0 && r < FWD_BAD_MAX ? fwd_bad_names[r] :
		r == FWD_BAD_MAX ? "ok" : "?";
}

static void
dump_frame(unsigned int i)
{
	const struct frame *f = &g_f[i];
	char segs[96];
	size_t n = 0;
	unsigned int k;

	for (k = 0; k < f->nsegs && n < sizeof(segs); k++) {
		n += (size_t)snprintf(segs + n, sizeof(segs) - n, "%s%u%s",
				      k > 0 ? "+" : "", f->seg_len[k],
				      f->ext_mask & (1u << k) ? "e" : "");
	}
	fprintf(stderr, "  frame %u: %u B [%s] l2 %s parse %s", i, f->len,
		segs, bad_name(f->l2), bad_name(f->parse));
	if (f->parse == FWD_BAD_MAX) {
		fprintf(stderr, " (l2 %u vlans %u type 0x%04x ipv %u l3 %u "
			"l4 %u ip_len %u proto %u frag %u ext_skipped %u "
			"routed %u)", f->h.l2_len, f->h.vlans,
			f->h.ether_type, f->h.ipv, f->h.l3_len, f->h.l4_len,
			f->h.ip_len, f->h.proto, f->h.frag, f->h.ext_skipped,
			f->h.routed);
	}
	fprintf(stderr, " reply %d pass %d outs %u\n", f->reply, f->pass,
		f->outs);
}

static void
dump_state(void)
{
	unsigned int i;

	fprintf(stderr, "  run: %s, keep_l2 %d, ip_any %d, max_pkt_len %u, "
		"peers %u, link_down %d, pool_short %d (%u left), burst_stats "
		"%d, burst %u, %u frames, %u outputs\n", g_eng_names[g_run.e],
		g_run.keep_l2, g_run.ip_any, g_run.max_pkt_len, g_run.peers,
		g_run.link_down, g_run.pool_short, g_run.pool_left,
		g_run.burst_stats, g_run.burst, g_run.nframes, g_nout);
	for (i = 0; i < g_run.nframes; i++) {
		dump_frame(i);
	}
	fflush(stderr);
}

/* ---- input reader -------------------------------------------------------- */

struct rd {
	const uint8_t *p;
	size_t n;
	size_t i;
};

static uint8_t
rd_u8(struct rd *r)
{
	return r->i < r->n ? r->p[r->i++] : 0;
}

static uint16_t
rd_u16(struct rd *r)
{
	uint16_t lo = rd_u8(r);

	return (uint16_t)(lo | (uint16_t)rd_u8(r) << 8);
}

/* n bytes of the input; zeros once it runs out. */
static void
rd_bytes(struct rd *r, uint8_t *b, uint32_t n)
{
	size_t have = r->i < r->n ? r->n - r->i : 0;
	uint32_t k = have < n ? (uint32_t)have : n;

	if (k > 0) {
		memcpy(b, r->p + r->i, k);
		r->i += k;
	}
	memset(b + k, 0, n - k);
}

/* ---- byte helpers and checksums ------------------------------------------ */

static uint16_t
be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static void
swap_bytes(uint8_t *a, uint8_t *b, unsigned int n)
{
	uint8_t t[16];

	memcpy(t, a, n);
	memcpy(a, b, n);
	memcpy(b, t, n);
}

/* One's complement sum of n bytes as big-endian 16-bit words, unfolded. */
static uint32_t
sum16(const uint8_t *b, uint32_t n, uint32_t sum)
{
	uint32_t i;

	for (i = 0; i + 1 < n; i += 2) {
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	}
	if (n & 1) {
		sum += (uint32_t)b[n - 1] << 8;
	}
	return sum;
}

static uint16_t
fold(uint32_t sum)
{
	while (sum >> 16) {
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return (uint16_t)sum;
}

/* Does the IPv4 header at ip (l3 bytes, checksum included) verify? */
static bool
ipv4_hdr_valid(const uint8_t *ip, uint32_t l3)
{
	return fold(sum16(ip, l3, 0)) == 0xffff;
}

/*
 * Does the UDP/TCP checksum of the L4 part at l4 (l4_len bytes) verify with
 * the pseudo header of the IP header at ip (RFC 768/793, RFC 8200 8.1)?
 */
static bool
l4_valid(const uint8_t *ip, unsigned int ipv, const uint8_t *l4,
	 uint32_t l4_len, uint8_t proto)
{
	uint32_t sum;

	if (ipv == 4) {
		sum = sum16(ip + 12, 8, 0) + proto + l4_len;
	} else {
		sum = sum16(ip + 8, 32, 0) + (l4_len >> 16) +
			(l4_len & 0xffff) + proto;
	}
	return fold(sum16(l4, l4_len, sum)) == 0xffff;
}

/* The frame's bytes, walking its segments; checks the chain's lengths. */
static void
flatten(const struct rte_mbuf *m, uint8_t *b)
{
	const struct rte_mbuf *s;
	uint32_t pos = 0;
	unsigned int n = 0;

	for (s = m; s != NULL; s = s->next) {
		EXPECT(pos + s->data_len <= FRAME_MAX, "output longer than "
		       "any frame sent");
		memcpy(b + pos, rte_pktmbuf_mtod(s, const uint8_t *),
		       s->data_len);
		pos += s->data_len;
		n++;
	}
	EXPECT(pos == m->pkt_len && n == m->nb_segs, "segments hold %u B in "
	       "%u, pkt_len %u nb_segs %u", pos, n, m->pkt_len, m->nb_segs);
}

static void
expect_bytes(unsigned int j, const uint8_t *want, const uint8_t *got,
	     uint32_t len, const char *what)
{
	uint32_t k;

	if (memcmp(want, got, len) == 0) {
		return;
	}
	for (k = 0; want[k] == got[k]; k++) {
		;
	}
	FAIL("output %u (frame %u, %s): byte %u is 0x%02x, expected 0x%02x",
	     j, g_out_idx[j], what, k, got[k], want[k]);
}

/* ---- building frames ----------------------------------------------------- */

static void
ext_free_cb(void *va, void *opaque)
{
	struct ext_rec *e = opaque;

	EXPECT(va == e->va, "external free callback: va %p, attached %p", va,
	       (void *)e->va);
	e->calls++;
	EXPECT(e->calls == 1, "external block of %u B freed %u times", e->len,
	       e->calls);
	free(va);
}

static struct rte_mbuf *
seg_new(const uint8_t *src, uint16_t len, bool ext)
{
	struct rte_mbuf *s = nb_pool_alloc(g_pool);
	struct ext_rec *e;

	EXPECT(s != NULL, "pool %s empty", nb_pool_name(g_pool));
	if (!ext) {
		EXPECT(rte_pktmbuf_tailroom(s) >= len, "pool data room");
		memcpy(rte_pktmbuf_mtod(s, uint8_t *), src, len);
		s->data_len = len;
		s->pkt_len = len;
		return s;
	}
	EXPECT(g_nb_ext < MAX_EXT, "too many external blocks");
	e = &g_ext[g_nb_ext++];
	e->len = len;
	e->calls = 0;
	/* exactly len bytes: ASan's redzone starts right after the data
	 * (malloc(0) gives a block of no bytes) */
	e->va = malloc(len);
	EXPECT(e->va != NULL, "malloc %u", len);
	memcpy(e->va, src, len);
	memset(&e->shinfo, 0, sizeof(e->shinfo));
	e->shinfo.free_cb = ext_free_cb;
	e->shinfo.fcb_opaque = e;
	rte_mbuf_ext_refcnt_set(&e->shinfo, 1);
	/* IOVA as VA (nb_env without PCI); rte_mbuf_check() wants it set */
	rte_pktmbuf_attach_extbuf(s, e->va, (rte_iova_t)(uintptr_t)e->va, len,
				  &e->shinfo);
	s->data_len = len;
	s->pkt_len = len;
	return s;
}

static void
frame_build(unsigned int i, struct rd *r)
{
	struct frame *f = &g_f[i];
	struct rte_mbuf *prev = NULL;
	const char *reason = NULL;
	uint32_t rest, off = 0;
	unsigned int k;
	uint8_t b;

	memset(f, 0, sizeof(*f));
	f->bytes = g_bytes[i];
	f->len = rd_u16(r) % (FRAME_MAX + 1);
	b = rd_u8(r);
	f->nsegs = 1 + (b & 3u);
	f->ext_mask = (unsigned int)(b >> 4) & ((1u << f->nsegs) - 1);
	rest = f->len;
	for (k = 0; k + 1 < f->nsegs; k++) {
		f->seg_len[k] = (uint16_t)(rd_u16(r) % (rest + 1));
		rest -= f->seg_len[k];
	}
	f->seg_len[f->nsegs - 1] = (uint16_t)rest;
	rd_bytes(r, f->bytes, f->len);
	for (k = 0; k < f->nsegs; k++) {
		struct rte_mbuf *s = seg_new(f->bytes + off, f->seg_len[k],
					     f->ext_mask & (1u << k));

		f->seg[k] = s;
		f->seg_data[k] = rte_pktmbuf_mtod(s, const uint8_t *);
		if (prev == NULL) {
			f->m = s;
		} else {
			prev->next = s;
		}
		prev = s;
		off += f->seg_len[k];
	}
	f->m->nb_segs = (uint16_t)f->nsegs;
	f->m->pkt_len = f->len;
	EXPECT(rte_mbuf_check(f->m, 1, &reason) == 0, "frame %u built "
	       "wrong: %s", i, reason);
}

/* ---- what each frame must become ----------------------------------------- */

/*
 * mac and macswap drop what has no whole Ethernet header in the first
 * segment or is longer than --max-pkt-len plus two VLAN tags (they read no
 * tag), counted by the first of these reasons.
 */
static int
l2_class(const struct frame *f)
{
	if (f->len == 0) {
		return FWD_BAD_ZERO_LEN;
	}
	if (f->len < RTE_ETHER_HDR_LEN) {
		return FWD_BAD_RUNT;
	}
	if (f->seg_len[0] < RTE_ETHER_HDR_LEN) {
		return FWD_BAD_SPLIT_HDR;
	}
	if (f->len > g_run.max_pkt_len + 2 * RTE_VLAN_HLEN) {
		return FWD_BAD_OVERSIZE;
	}
	return FWD_BAD_MAX;
}

/* fwd_parse_l2l4()'s promises (fwd.h) about a frame it accepted. */
static void
check_hdrs(unsigned int i)
{
	const struct frame *f = &g_f[i];
	const struct fwd_hdrs *h = &f->h;
	uint32_t d0 = f->seg_len[0];

	EXPECT(h->vlans <= 2 && h->l2_len == RTE_ETHER_HDR_LEN +
	       h->vlans * RTE_VLAN_HLEN && h->l2_len <= d0,
	       "frame %u: l2_len %u with %u tags, first segment %u", i,
	       h->l2_len, h->vlans, d0);
	EXPECT(f->len <= g_run.max_pkt_len + h->vlans * RTE_VLAN_HLEN,
	       "frame %u: %u B accepted over the maximum", i, f->len);
	EXPECT(h->ether_type == be16(f->bytes + h->l2_len - 2),
	       "frame %u: ether_type 0x%04x", i, h->ether_type);
	if (h->ipv == 0) {
		EXPECT(h->l3_len == 0 && h->l4_len == 0 && h->ip_len == 0,
		       "frame %u: not IP but L3/L4 lengths", i);
		return;
	}
	EXPECT((h->ipv == 4 && h->ether_type == RTE_ETHER_TYPE_IPV4) ||
	       (h->ipv == 6 && h->ether_type == RTE_ETHER_TYPE_IPV6),
	       "frame %u: ipv %u for ether_type 0x%04x", i, h->ipv,
	       h->ether_type);
	EXPECT(h->l2_len + h->l3_len <= d0, "frame %u: L3 header (%u B at "
	       "%u) past the first segment (%u)", i, h->l3_len, h->l2_len, d0);
	EXPECT(h->l3_len <= h->ip_len && h->l2_len + h->ip_len <= f->len,
	       "frame %u: ip_len %u, l3_len %u, frame %u", i, h->ip_len,
	       h->l3_len, f->len);
	EXPECT(h->l4_len == 0 || (h->l2_len + h->l3_len + h->l4_len <= d0 &&
				  h->l3_len + h->l4_len <= h->ip_len),
	       "frame %u: L4 header (%u B) past the first segment or the "
	       "IP length", i, h->l4_len);
	EXPECT(h->l4_len == 0 || h->proto == IPPROTO_UDP ||
	       h->proto == IPPROTO_TCP, "frame %u: l4_len for proto %u", i,
	       h->proto);
}

/* Does icmpecho answer this frame? The harness's own reading of it. */
static enum reply
want_reply(const struct frame *f)
{
	const struct fwd_hdrs *h = &f->h;
	const uint8_t *a, *ip, *ic;

	if (f->parse != FWD_BAD_MAX) {
		return REPLY_NONE;
	}
	if (h->ether_type == RTE_ETHER_TYPE_ARP) {
		/* Ethernet/IPv4 request, whole in the first segment */
		a = f->bytes + h->l2_len;
		if (h->l2_len + 28u > f->seg_len[0] || be16(a) != 1 ||
		    be16(a + 2) != RTE_ETHER_TYPE_IPV4 || a[4] != 6 ||
		    a[5] != 4 || be16(a + 6) != 1 ||
		    (!g_run.ip_any && memcmp(a + 24, &g_ip, 4) != 0)) {
			return REPLY_NONE;
		}
		return REPLY_ARP;
	}
	if (h->ipv != 4 || h->proto != IPPROTO_ICMP || h->frag != 0) {
		return REPLY_NONE;
	}
	ip = f->bytes + h->l2_len;
	ic = ip + h->l3_len;
	/* an echo request to us: type 8 code 0, its 8-byte header whole in
	 * the IP length and in the first segment */
	if ((!g_run.ip_any && memcmp(ip + 16, &g_ip, 4) != 0) ||
	    h->ip_len < h->l3_len + 8u ||
	    h->l2_len + h->l3_len + 8u > f->seg_len[0] ||
	    ic[0] != 8 || ic[1] != 0) {
		return REPLY_NONE;
	}
	return REPLY_ICMP;
}

static void
frame_predict(unsigned int i)
{
	struct frame *f = &g_f[i];
	int r;

	f->l2 = l2_class(f);
	r = fwd_check_l2(f->m, g_run.max_pkt_len);
	EXPECT(r == f->l2, "frame %u: fwd_check_l2 says %s, expected %s", i,
	       bad_name(r), bad_name(f->l2));
	f->parse = fwd_parse_l2l4(f->m, g_run.max_pkt_len, &f->h);
	EXPECT(f->parse >= 0 && f->parse <= FWD_BAD_MAX, "frame %u: "
	       "fwd_parse_l2l4 returned %d", i, f->parse);
	/* the Ethernet checks come first, the same for both */
	if (f->l2 == FWD_BAD_ZERO_LEN || f->l2 == FWD_BAD_RUNT ||
	    f->l2 == FWD_BAD_SPLIT_HDR) {
		EXPECT(f->parse == f->l2, "frame %u: parse says %s, L2 %s", i,
		       bad_name(f->parse), bad_name(f->l2));
	}
	if (f->parse == FWD_BAD_MAX) {
		EXPECT(f->l2 == FWD_BAD_MAX, "frame %u: parsed, but L2 says "
		       "%s", i, bad_name(f->l2));
		check_hdrs(i);
	}
	f->reply = want_reply(f);
	if (f->reply == REPLY_ICMP) {
		const uint8_t *ip = f->bytes + f->h.l2_len;

		f->icmp_valid = fold(sum16(ip + f->h.l3_len,
					   f->h.ip_len - f->h.l3_len, 0)) ==
			0xffff;
	}
	switch (g_run.e) {
	case E_IO:
	case E_FANOUT:
		f->pass = true;
		break;
	case E_MAC:
	case E_MACSWAP:
		f->pass = f->l2 == FWD_BAD_MAX;
		break;
	case E_5TSWAP:
	case E_CSUM:
		f->pass = f->parse == FWD_BAD_MAX;
		break;
	case E_ICMPECHO:
		f->pass = f->reply != REPLY_NONE;
		break;
	default:
		f->pass = false;
		break;
	}
	if (g_trace) {
		dump_frame(i);
	}
}

/* ---- byte models --------------------------------------------------------- */

static void
model_mac(const struct frame *f, uint8_t *w)
{
	memcpy(w, f->bytes, f->len);
	memcpy(w, &g_dst, RTE_ETHER_ADDR_LEN);
	memcpy(w + RTE_ETHER_ADDR_LEN, &g_src, RTE_ETHER_ADDR_LEN);
}

static void
model_macswap(const struct frame *f, uint8_t *w)
{
	memcpy(w, f->bytes, f->len);
	swap_bytes(w, w + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
}

static void
model_5tswap(const struct frame *f, uint8_t *w)
{
	const struct fwd_hdrs *h = &f->h;
	uint8_t *ip = w + h->l2_len;

	model_macswap(f, w);
	if (h->ipv == 4) {
		swap_bytes(ip + 12, ip + 16, 4);
	} else if (h->ipv == 6) {
		swap_bytes(ip + 8, ip + 24, 16);
	}
	/* ports where the L4 header was read, not in a fragment */
	if (h->l4_len != 0 && h->frag == 0) {
		swap_bytes(ip + h->l3_len, ip + h->l3_len + 2, 2);
	}
}

/*
 * Offset of the UDP/TCP checksum csum may fix, or 0: IPv4 not a fragment;
 * IPv6 not a fragment, every extension walked, no routing header to
 * follow, an L4 header read.
 */
static uint32_t
csum_l4_field(const struct frame *f)
{
	const struct fwd_hdrs *h = &f->h;
	uint32_t l4 = h->l2_len + h->l3_len;

	if (h->frag != 0 || (h->proto != IPPROTO_UDP &&
			     h->proto != IPPROTO_TCP)) {
		return 0;
	}
	if (h->ipv == 6 && (h->ext_skipped || h->routed || h->l4_len == 0)) {
		return 0;
	}
	if (h->ipv != 4 && h->ipv != 6) {
		return 0;
	}
	return l4 + (h->proto == IPPROTO_UDP ? 6 : 16);
}

/* ---- the stream ---------------------------------------------------------- */

static void
stream_setup(void)
{
	struct fwd_cfg c;
	unsigned int k;

	memset(&c, 0, sizeof(c));
	c.csum_keep_l2 = g_run.keep_l2;
	c.max_pkt_len = g_run.max_pkt_len;
	c.burst = g_run.burst;
	fwd_engines_config(&c);
	memset(&g_fs.c, 0, sizeof(g_fs.c));
	g_fs.pkts = 0;
	g_fs.burst = g_run.burst;
	g_fs.max_pkt_len = g_run.max_pkt_len;
	g_fs.ip = g_ip;
	g_fs.ip_any = g_run.ip_any;
	g_fs.no_tx = g_run.e == E_RXONLY;
	g_fs.burst_stats = g_run.burst_stats;
	g_fs.nb_fanout = g_run.e == E_FANOUT ? g_run.peers : 0;
	for (k = 0; k < MAX_PEERS; k++) {
		g_fs.peer_streams[k] = k < g_fs.nb_fanout ? &g_peer[k] : NULL;
	}
}

/* Send n packets on end 0: the loop must take them all. */
static void
send_all(struct rte_mbuf **m, unsigned int n)
{
	uint16_t sent = n > 0 ? nb_port_tx_burst(g_end0, 0, m, (uint16_t)n) :
		0;

	EXPECT(sent == n, "loop end 0 took %u of %u frames", sent, n);
}

/*
 * Poll the engine until idle: busy once per burst of frames waiting, then
 * idle (each poll takes up to fs->burst from the loop).
 */
static void
run_engine(unsigned int nsent)
{
	unsigned int want = (nsent + g_run.burst - 1) / g_run.burst, busy = 0;
	uint64_t polls = 0, pkts = 0;
	unsigned int k;
	int rc;

	memset(g_fs.burst_hist, 0, sizeof(g_fs.burst_hist));
	for (;;) {
		rc = g_eng[g_run.e]->fwd(&g_fs);
		if (rc == NB_POLLER_IDLE) {
			break;
		}
		EXPECT(rc == NB_POLLER_BUSY, "poller returned %d", rc);
		busy++;
		EXPECT(busy <= want, "busy %u times for %u frames, burst %u",
		       busy, nsent, g_run.burst);
	}
	EXPECT(busy == want, "busy %u times for %u frames, burst %u", busy,
	       nsent, g_run.burst);
	if (!g_run.burst_stats) {
		return;
	}
	/* one entry per poll, by packets received: bursts, then one idle */
	for (k = 0; k < RTE_DIM(g_fs.burst_hist); k++) {
		EXPECT(k <= g_run.burst || g_fs.burst_hist[k] == 0,
		       "burst_hist[%u] above the burst %u", k, g_run.burst);
		polls += g_fs.burst_hist[k];
		pkts += g_fs.burst_hist[k] * k;
	}
	EXPECT(g_fs.burst_hist[0] == 1 && polls == busy + 1 && pkts == nsent,
	       "burst_hist: %" PRIu64 " idle, %" PRIu64 " polls, %" PRIu64
	       " packets; expected 1, %u, %u", g_fs.burst_hist[0], polls,
	       pkts, busy + 1, nsent);
}

/* Everything the engine sent, from end 0. */
static unsigned int
read_all(struct rte_mbuf **out)
{
	unsigned int n = 0;
	uint16_t got;

	do {
		got = nb_port_rx_burst(g_end0, 0, out + n,
				       (uint16_t)(MAX_OUT + 1 - n));
		n += got;
	} while (got > 0 && n <= MAX_OUT);
	EXPECT(n <= MAX_OUT, "more than %u outputs", MAX_OUT);
	return n;
}

/* ---- checks -------------------------------------------------------------- */

/* The output is the input frame's own chain (the engines work in place). */
static void
check_same_chain(unsigned int j, const struct frame *f)
{
	const struct rte_mbuf *s = g_out[j];
	unsigned int k;

	EXPECT(s->pkt_len == f->len && s->nb_segs == f->nsegs,
	       "output %u: pkt_len %u nb_segs %u, sent %u in %u", j,
	       s->pkt_len, s->nb_segs, f->len, f->nsegs);
	for (k = 0; k < f->nsegs; k++, s = s->next) {
		EXPECT(s == f->seg[k] && s->data_len == f->seg_len[k] &&
		       rte_pktmbuf_mtod(s, const uint8_t *) == f->seg_data[k],
		       "output %u: segment %u changed", j, k);
	}
	EXPECT(s == NULL, "output %u: more segments than sent", j);
}

/*
 * Match the outputs with the frames: the engines that forward in place
 * send the frames that pass, in their order; clone-fanout sends a clone of
 * each frame per peer, on the original's data.
 */
static void
match_outputs(void)
{
	unsigned int j, i, next = 0, k;

	for (j = 0; j < g_nout; j++) {
		const struct rte_mbuf *o = g_out[j];
		const char *reason = NULL;

		EXPECT(rte_mbuf_check(o, 1, &reason) == 0, "output %u: %s", j,
		       reason);
		if (g_run.e == E_FANOUT) {
			const struct rte_mbuf *s;

			for (i = 0; i < g_run.nframes; i++) {
				if (g_f[i].seg_data[0] ==
				    rte_pktmbuf_mtod(o, const uint8_t *)) {
					break;
				}
			}
			EXPECT(i < g_run.nframes, "output %u is not a clone of "
			       "a frame sent", j);
			EXPECT(o->pkt_len == g_f[i].len &&
			       o->nb_segs == g_f[i].nsegs, "output %u: clone "
			       "of frame %u has pkt_len %u nb_segs %u", j, i,
			       o->pkt_len, o->nb_segs);
			for (s = o, k = 0; s != NULL; s = s->next, k++) {
				EXPECT(rte_pktmbuf_mtod(s, const uint8_t *) ==
				       g_f[i].seg_data[k] &&
				       s->data_len == g_f[i].seg_len[k],
				       "output %u: segment %u is not on frame "
				       "%u's data (zero copy)", j, k, i);
			}
		} else {
			for (i = next; i < g_run.nframes; i++) {
				if (g_f[i].m == o) {
					break;
				}
			}
			EXPECT(i < g_run.nframes, "output %u is no frame sent "
			       "after frame %u (order, duplicate)", j, next);
			check_same_chain(j, &g_f[i]);
			next = i + 1;
		}
		g_out_idx[j] = i;
		g_f[i].outs++;
	}
	for (i = 0; i < g_run.nframes; i++) {
		const struct frame *f = &g_f[i];
		unsigned int want = !f->pass || g_run.link_down ? 0 :
			g_run.e == E_FANOUT ? g_run.peers : 1;

		/* pool short: a clone may fail (counted in nombuf) */
		EXPECT(f->outs == want || (g_run.pool_short && f->outs < want),
		       "frame %u came out %u times, expected %u", i, f->outs,
		       want);
	}
}

/* The counters every engine keeps, against what the frames predict. */
static void
check_counters(void)
{
	const struct fwd_counters *c = &g_fs.c;
	uint64_t bad[FWD_BAD_MAX] = { 0 };
	uint64_t not_ip = 0, ext_skipped = 0, arp = 0, icmp = 0, dropped = 0;
	uint64_t sends = 0;		/* packets the engine must hand to TX */
	unsigned int i, r;

	for (i = 0; i < g_run.nframes; i++) {
		const struct frame *f = &g_f[i];

		switch (g_run.e) {
		case E_MAC:
		case E_MACSWAP:
			if (f->l2 != FWD_BAD_MAX) {
				bad[f->l2]++;
			}
			break;
		case E_5TSWAP:
		case E_CSUM:
		case E_ICMPECHO:
			if (f->parse != FWD_BAD_MAX) {
				bad[f->parse]++;
				break;
			}
			/* icmpecho: what it does not answer and is not IP */
			if (f->h.ipv == 0 && (g_run.e != E_ICMPECHO ||
					      f->reply == REPLY_NONE)) {
				not_ip++;
			}
			if (g_run.e != E_ICMPECHO) {
				ext_skipped += f->h.ext_skipped;
			}
			arp += g_run.e == E_ICMPECHO && f->reply == REPLY_ARP;
			icmp += g_run.e == E_ICMPECHO &&
				f->reply == REPLY_ICMP;
			break;
		default:
			break;
		}
		if (!f->pass && g_run.e != E_RXONLY) {
			dropped++;
		}
		sends += f->pass ? (g_run.e == E_FANOUT ? g_run.peers : 1) : 0;
	}
	/* clone-fanout sends the clones it could make */
	if (g_run.pool_short) {
		EXPECT(c->nombuf <= sends, "nombuf %" PRIu64 " of %" PRIu64
		       " clones", c->nombuf, sends);
		sends -= c->nombuf;
	} else {
		EXPECT(c->nombuf == 0, "nombuf %" PRIu64, c->nombuf);
	}
	EXPECT(c->rx == g_run.nframes && g_fs.pkts == g_run.nframes,
	       "rx %" PRIu64 " (pkts %" PRIu64 "), sent %u", c->rx, g_fs.pkts,
	       g_run.nframes);
	if (g_run.link_down) {
		EXPECT(g_nout == 0 && c->tx == 0 && c->tx_dropped == sends,
		       "link down: %u outputs, tx %" PRIu64 ", tx_dropped %"
		       PRIu64 ", expected %" PRIu64 " refused", g_nout, c->tx,
		       c->tx_dropped, sends);
	} else {
		EXPECT(c->tx == g_nout && g_nout == sends && c->tx_dropped == 0,
		       "tx %" PRIu64 ", tx_dropped %" PRIu64 ", %u outputs, "
		       "expected %" PRIu64, c->tx, c->tx_dropped, g_nout,
		       sends);
	}
	EXPECT(c->dropped == dropped, "dropped %" PRIu64 ", expected %" PRIu64,
	       c->dropped, dropped);
	if (g_run.e != E_FANOUT && g_run.e != E_RXONLY) {
		EXPECT(c->tx + c->tx_dropped + c->dropped == c->rx, "tx %"
		       PRIu64 " + tx_dropped %" PRIu64 " + dropped %" PRIu64
		       " != rx %" PRIu64, c->tx, c->tx_dropped, c->dropped,
		       c->rx);
	}
	for (r = 0; r < FWD_BAD_MAX; r++) {
		EXPECT(c->bad[r] == bad[r], "bad[%s] %" PRIu64 ", expected %"
		       PRIu64, fwd_bad_names[r], c->bad[r], bad[r]);
	}
	EXPECT(c->not_ip == not_ip, "not_ip %" PRIu64 ", expected %" PRIu64,
	       c->not_ip, not_ip);
	EXPECT(c->ext_skipped == ext_skipped, "ext_skipped %" PRIu64
	       ", expected %" PRIu64, c->ext_skipped, ext_skipped);
	EXPECT(c->arp_replies == arp && c->icmp_replies == icmp,
	       "arp_replies %" PRIu64 " icmp_replies %" PRIu64 ", expected %"
	       PRIu64 " and %" PRIu64, c->arp_replies, c->icmp_replies, arp,
	       icmp);
	if (g_run.e != E_CSUM) {
		EXPECT(c->csum_bad_ip == 0 && c->csum_bad_l4 == 0,
		       "checksum counters of a non-csum engine");
	}
}

/*
 * csum: only the MACs (unless --csum-keep-l2) and the checksum fields may
 * change; the fields must verify afterwards and fwd_csum_fix() must find
 * nothing left to fix.
 */
static void
check_csum(unsigned int j, const struct frame *f, uint64_t *bad_ip,
	   uint64_t *bad_l4)
{
	const struct fwd_hdrs *h = &f->h;
	uint32_t ipo = h->l2_len, l4f = csum_l4_field(f);
	struct rte_mbuf *o = g_out[j];
	struct fwd_hdrs h2;
	int r;

	memcpy(g_want, f->bytes, f->len);
	if (!g_run.keep_l2) {
		model_mac(f, g_want);
	}
	if (h->ipv == 4) {
		g_want[ipo + 10] = g_got[ipo + 10];
		g_want[ipo + 11] = g_got[ipo + 11];
		*bad_ip += memcmp(f->bytes + ipo + 10, g_got + ipo + 10, 2) !=
			0;
		EXPECT(ipv4_hdr_valid(g_got + ipo, h->l3_len), "output %u: "
		       "IPv4 header checksum does not verify", j);
	}
	/* IPv4 UDP without checksum (0) stays without */
	if (l4f != 0 && !(h->ipv == 4 && h->proto == IPPROTO_UDP &&
			  be16(f->bytes + l4f) == 0)) {
		g_want[l4f] = g_got[l4f];
		g_want[l4f + 1] = g_got[l4f + 1];
		*bad_l4 += memcmp(f->bytes + l4f, g_got + l4f, 2) != 0;
		EXPECT(l4_valid(g_got + ipo, h->ipv,
				g_got + ipo + h->l3_len, h->ip_len - h->l3_len,
				h->proto),
		       "output %u: %s checksum does not verify", j,
		       h->proto == IPPROTO_UDP ? "UDP" : "TCP");
	}
	expect_bytes(j, g_want, g_got, f->len, "csum: only MACs and checksums");
	r = fwd_parse_l2l4(o, g_run.max_pkt_len, &h2);
	EXPECT(r == FWD_BAD_MAX && memcmp(&h2, h, sizeof(h2)) == 0,
	       "output %u parses differently from its input (%s)", j,
	       bad_name(r));
	if (h2.ipv != 0) {
		r = fwd_csum_fix(o, &h2);
		EXPECT(r == 0, "output %u: fwd_csum_fix still fixes (%d)", j,
		       r);
	}
}

/* icmpecho: the reply is the request turned round, nothing else changed. */
static void
check_reply(unsigned int j, const struct frame *f)
{
	const struct fwd_hdrs *h = &f->h;
	const uint8_t *in = f->bytes + h->l2_len;
	uint8_t *w = g_want + h->l2_len;
	const uint8_t *g = g_got + h->l2_len;

	memcpy(g_want, f->bytes, f->len);
	memcpy(g_want, f->bytes + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
	memcpy(g_want + RTE_ETHER_ADDR_LEN, &g_src, RTE_ETHER_ADDR_LEN);
	if (f->reply == REPLY_ARP) {
		w[7] = 2;			/* opcode: reply */
		memcpy(w + 8, &g_src, 6);	/* sha: us */
		memcpy(w + 14, g_run.ip_any ? in + 24 : (const uint8_t *)&g_ip,
		       4);			/* sip: the address asked for */
		memcpy(w + 18, in + 8, 6);	/* tha: the asker */
		memcpy(w + 24, in + 14, 4);	/* tip: the asker's */
		expect_bytes(j, g_want, g_got, f->len, "ARP reply");
		return;
	}
	w[8] = 64;				/* TTL */
	w[10] = g[10];				/* header checksum: below */
	w[11] = g[11];
	memcpy(w + 12, g_run.ip_any ? in + 16 : (const uint8_t *)&g_ip, 4);
	memcpy(w + 16, in + 12, 4);
	w[h->l3_len] = 0;			/* echo reply */
	w[h->l3_len + 2] = g[h->l3_len + 2];	/* checksum: below */
	w[h->l3_len + 3] = g[h->l3_len + 3];
	expect_bytes(j, g_want, g_got, f->len, "ICMP echo reply");
	EXPECT(ipv4_hdr_valid(g, h->l3_len), "output %u: reply's IPv4 header "
	       "checksum does not verify", j);
	if (f->icmp_valid) {
		EXPECT(fold(sum16(g + h->l3_len, h->ip_len - h->l3_len, 0)) ==
		       0xffff, "output %u: the request's ICMP checksum "
		       "verified, the reply's (0x%04x) does not", j,
		       be16(g + h->l3_len + 2));
	}
}

/* Each output's bytes against its engine's model. */
static void
check_bytes(void)
{
	uint64_t bad_ip = 0, bad_l4 = 0;
	unsigned int j;

	for (j = 0; j < g_nout; j++) {
		const struct frame *f = &g_f[g_out_idx[j]];

		flatten(g_out[j], g_got);
		switch (g_run.e) {
		case E_IO:
		case E_FANOUT:
			expect_bytes(j, f->bytes, g_got, f->len, "unchanged");
			break;
		case E_MAC:
			model_mac(f, g_want);
			expect_bytes(j, g_want, g_got, f->len, "mac");
			break;
		case E_MACSWAP:
			model_macswap(f, g_want);
			expect_bytes(j, g_want, g_got, f->len, "macswap");
			break;
		case E_5TSWAP:
			model_5tswap(f, g_want);
			expect_bytes(j, g_want, g_got, f->len, "5tswap");
			break;
		case E_CSUM:
			check_csum(j, f, &bad_ip, &bad_l4);
			break;
		case E_ICMPECHO:
			check_reply(j, f);
			break;
		default:
			FAIL("output %u from an engine that sends none", j);
		}
	}
	/* link down: no output to see what was fixed */
	EXPECT(g_run.link_down || (g_fs.c.csum_bad_ip == bad_ip &&
				   g_fs.c.csum_bad_l4 == bad_l4),
	       "csum_bad_ip %" PRIu64 " csum_bad_l4 %" PRIu64 ", fields "
	       "changed: %" PRIu64 " and %" PRIu64, g_fs.c.csum_bad_ip,
	       g_fs.c.csum_bad_l4, bad_ip, bad_l4);
}

/*
 * macswap and 5tswap are involutions: the outputs sent through again come
 * back as the inputs were, none dropped (the fields they swap are none of
 * the ones their checks read).
 */
static void
second_pass(void)
{
	static struct rte_mbuf *again[MAX_OUT + 1];
	unsigned int j, n, r;

	g_stage = "second pass";
	memset(&g_fs.c, 0, sizeof(g_fs.c));
	g_fs.pkts = 0;
	send_all(g_out, g_nout);
	run_engine(g_nout);
	n = read_all(again);
	EXPECT(n == g_nout, "%u of %u came back", n, g_nout);
	EXPECT(g_fs.c.rx == g_nout && g_fs.c.tx == g_nout &&
	       g_fs.c.dropped == 0, "rx %" PRIu64 " tx %" PRIu64 " dropped %"
	       PRIu64 " of %u", g_fs.c.rx, g_fs.c.tx, g_fs.c.dropped, g_nout);
	for (r = 0; r < FWD_BAD_MAX; r++) {
		EXPECT(g_fs.c.bad[r] == 0, "bad[%s] %" PRIu64,
		       fwd_bad_names[r], g_fs.c.bad[r]);
	}
	for (j = 0; j < n; j++) {
		const struct frame *f = &g_f[g_out_idx[j]];

		EXPECT(again[j] == g_out[j], "output %u came back as another "
		       "packet or out of order", j);
		check_same_chain(j, f);
		flatten(again[j], g_got);
		expect_bytes(j, f->bytes, g_got, f->len, "applied twice");
	}
}

static uint32_t
pool_in_use(void)
{
	struct nb_pool_stats st;

	EXPECT(nb_pool_stats_get(g_pool, &st) == 0, "stats");
	return st.in_use;
}

/*
 * The engine's run over what waits on end 1, with the input's conditions:
 * link down (end 0 stopped: the loop refuses end 1's TX; what waits for
 * end 1 stays), pool short (the harness holds all buffers but pool_left).
 */
static void
engine_pass(void)
{
	unsigned int nhog = 0, used, k, n;

	if (g_run.pool_short) {
		used = pool_in_use();
		nhog = used + g_run.pool_left < POOL_N ?
			POOL_N - used - g_run.pool_left : 0;
		/* in bursts: a bulk larger than the lcore cache is served from
		 * the rings only and fails while buffers sit in that cache */
		for (k = 0; k < nhog; k += n) {
			n = RTE_MIN(32u, nhog - k);
			EXPECT(nb_pool_alloc_bulk(g_pool, g_hog + k, n) == 0,
			       "cannot hold %u of %u buffers", n, nhog - k);
		}
	}
	if (g_run.link_down) {
		EXPECT(nb_port_stop(g_end0) == 0, "stop end 0");
	}
	run_engine(g_run.nframes);
	if (g_run.link_down) {
		EXPECT(nb_port_start(g_end0) == 0, "start end 0");
	}
	if (nhog > 0) {
		rte_pktmbuf_free_bulk(g_hog, nhog);
	}
}

/* ---- per input ----------------------------------------------------------- */

/* Free everything; every block and buffer must be back exactly once. */
static void
teardown(uint64_t dfree0, uint64_t ffree0)
{
	struct nb_pool_stats st;
	unsigned int i;
	int n;

	g_stage = "teardown";
	if (g_nout > 0) {
		rte_pktmbuf_free_bulk(g_out, g_nout);
	}
	g_nout = 0;
	for (i = 0; i < g_nb_ext; i++) {
		EXPECT(g_ext[i].calls == 1, "external block %u (%u B): free "
		       "callback ran %u times", i, g_ext[i].len,
		       g_ext[i].calls);
	}
	g_nb_ext = 0;
	n = nb_pool_audit(g_pool, NULL);
	if (n != 0) {
		nb_pool_audit(g_pool, stderr);
		FAIL("pool %s: audit %d", nb_pool_name(g_pool), n);
	}
	EXPECT(nb_pool_stats_get(g_pool, &st) == 0, "stats");
	EXPECT(st.double_frees == dfree0 && st.foreign_frees == ffree0,
	       "pool %s: %" PRIu64 " double frees, %" PRIu64 " foreign frees",
	       nb_pool_name(g_pool), st.double_frees - dfree0,
	       st.foreign_frees - ffree0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd r = { .p = data, .n = size, .i = 0 };
	struct rte_mbuf *sent[MAX_FRAMES];
	struct rte_mbuf *stray;
	struct nb_pool_stats st;
	unsigned int i;
	uint8_t b;

	g_stage = "decode";
	memset(&g_run, 0, sizeof(g_run));
	g_nout = 0;
	EXPECT(pool_in_use() == 0, "buffers out before the input");
	EXPECT(nb_port_rx_burst(g_end0, 0, &stray, 1) == 0 &&
	       nb_port_rx_burst(g_end1, 0, &stray, 1) == 0,
	       "a packet left in the loop");
	EXPECT(nb_pool_stats_get(g_pool, &st) == 0, "stats");
	g_run.e = (enum eng)(rd_u8(&r) % E_NB);
	b = rd_u8(&r);
	g_run.keep_l2 = (b & 1) != 0;
	g_run.ip_any = (b & 2) == 0;
	g_run.max_pkt_len = b & 4 ? 9000 : RTE_ETHER_MAX_LEN;
	g_run.peers = b & 8 ? 2 : 1;
	g_run.link_down = (b & 16) != 0;
	g_run.pool_short = g_run.e == E_FANOUT && (b & 32) != 0;
	g_run.burst_stats = (b & 64) != 0;
	g_run.burst = (uint16_t)(1 + rd_u8(&r) % 64);
	g_run.nframes = rd_u8(&r) % (MAX_FRAMES + 1);
	g_run.pool_left = rd_u8(&r);
	stream_setup();
	TRACE("run: %s keep_l2 %d ip_any %d max_pkt_len %u peers %u "
	      "link_down %d pool_short %d (%u left) burst_stats %d burst %u "
	      "frames %u", g_eng_names[g_run.e], g_run.keep_l2, g_run.ip_any,
	      g_run.max_pkt_len, g_run.peers, g_run.link_down,
	      g_run.pool_short, g_run.pool_left, g_run.burst_stats,
	      g_run.burst, g_run.nframes);

	g_stage = "build";
	for (i = 0; i < g_run.nframes; i++) {
		frame_build(i, &r);
	}
	for (i = 0; i < g_run.nframes; i++) {
		frame_predict(i);
		sent[i] = g_f[i].m;
	}

	g_stage = "forward";
	send_all(sent, g_run.nframes);
	engine_pass();
	g_nout = read_all(g_out);
	TRACE("%u outputs", g_nout);
	g_stage = "outputs";
	match_outputs();
	check_counters();
	check_bytes();
	if ((g_run.e == E_MACSWAP || g_run.e == E_5TSWAP) && !g_run.link_down) {
		second_pass();
	}
	teardown(st.double_frees, st.foreign_frees);
	return 0;
}

/* ---- libFuzzer initialisation -------------------------------------------- */

static struct nb_port *
open_end(const char *spec)
{
	struct nb_port_conf pc;
	struct nb_port *p;

	nb_port_conf_init(&pc, sizeof(pc));
	pc.nb_rx_desc = LOOP_DESC;
	pc.nb_tx_desc = LOOP_DESC;
	/*
	 * The loop driver takes no RX buffers, but lib/port's pool sizing
	 * check reads conf.pool for every RX queue and crashes on NULL
	 * (reported); the pool given is never used. No buffers in flight
	 * counted: LOOP_DESC alone stays within the pool, no warning.
	 */
	pc.pool = g_pool;
	pc.pool_inflight = 0;
	p = nb_port_open(spec, &pc);
	if (p == NULL) {
		fprintf(stderr, "fwd_fuzz: cannot open %s: %s\n", spec,
			rte_strerror(rte_errno));
		exit(1);
	}
	return p;
}

static void
fuzz_fini(void)
{
	nb_port_close(g_end0);
	nb_port_close(g_end1);
	nb_pool_destroy(g_pool, true);
	nb_env_fini();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct nb_env_opts o;
	struct nb_pool_opts po;
	char core[16];
	cpu_set_t cs;
	unsigned int i;
	const char *t;
	int rc, cpu = -1;

	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	/* one lcore, the first this process may run on */
	if (sched_getaffinity(0, sizeof(cs), &cs) == 0) {
		for (i = 0; i < CPU_SETSIZE && cpu < 0; i++) {
			if (CPU_ISSET(i, &cs)) {
				cpu = (int)i;
			}
		}
	}
	snprintf(core, sizeof(core), "%d", cpu < 0 ? 0 : cpu);
	nb_env_opts_init(&o, sizeof(o));
	o.name = "fwd_fuzz";
	o.core_list = core;
	o.huge = NB_ENV_HUGE_OFF;
	o.log_level = RTE_LOG_WARNING;
	o.no_telemetry = true;
	rc = nb_env_init(&o);
	if (rc != 0) {
		fprintf(stderr, "fwd_fuzz: nb_env_init: %s\n", strerror(-rc));
		exit(1);
	}
	/* libFuzzer ends with exit(): release EAL (and its runtime
	 * directory) then, as every nbkit process must. */
	atexit(fuzz_fini);

	/* accounted: every get and put is seen, so the audit is exact */
	nb_pool_opts_init(&po, sizeof(po));
	po.mode = NB_POOL_MODE_ACCOUNTED;
	po.data_room = POOL_ROOM;
	g_pool = nb_pool_create("fwdfz", POOL_N, &po);
	if (g_pool == NULL) {
		fprintf(stderr, "fwd_fuzz: cannot create the pool: %s\n",
			rte_strerror(rte_errno));
		exit(1);
	}
	/* the loop pair: frames go in on end 0, the stream works on end 1 */
	g_end0 = open_end("loop:fwdfz/0");
	g_end1 = open_end("loop:fwdfz/1");
	if (nb_port_start(g_end0) != 0 || nb_port_start(g_end1) != 0 ||
	    nb_port_mac(g_end1, &g_src) != 0) {
		fprintf(stderr, "fwd_fuzz: cannot start the loop ports\n");
		exit(1);
	}
	g_ip = rte_cpu_to_be_32(FUZZ_IP);

	/* the stream, as nb-fwd's stream_new() fills it for end 1 */
	g_fs.rx_port = g_end1;
	g_fs.tx_port = g_end1;
	g_fs.rxq = 0;
	g_fs.txq = 0;
	if (nb_port_queue_get(g_end1, false, 0, &g_fs.rxh) != 0 ||
	    nb_port_queue_get(g_end1, true, 0, &g_fs.txh) != 0) {
		fprintf(stderr, "fwd_fuzz: cannot get the loop queues\n");
		exit(1);
	}
	g_fs.tx_src = g_src;
	g_fs.tx_dst = g_dst;
	g_fs.mp = nb_pool_mempool(g_pool);
	g_fs.pool = g_pool;
	g_fs.rx_counted = true;
	/* clone-fanout's peers: streams whose TX port is end 1 too, so every
	 * clone comes back on end 0 */
	for (i = 0; i < MAX_PEERS; i++) {
		g_peer[i] = g_fs;
		g_peer[i].idx = (uint16_t)(i + 1);
	}

	for (i = 0; i < E_NB; i++) {
		g_eng[i] = fwd_engine_find(g_eng_names[i]);
		if (g_eng[i] == NULL || g_eng[i]->fwd == NULL) {
			fprintf(stderr, "fwd_fuzz: no engine %s\n",
				g_eng_names[i]);
			exit(1);
		}
	}
	t = getenv("FWD_FUZZ_TRACE");
	g_trace = t != NULL && *t != '\0' && strcmp(t, "0") != 0;
	t = getenv("FWD_FUZZ_KNOWN");
	g_known = t != NULL && *t != '\0' && strcmp(t, "0") != 0;
	return 0;
}
