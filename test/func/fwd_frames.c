/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nb-fwd's frame checks (app/nb-fwd/pkt.c) on frames whose data is a heap
 * block of exactly the frame's length, so that AddressSanitizer catches
 * any read past the data: every bad-frame kind by construction, headers
 * split across segments at every offset, and 300000 mutated frames
 * (IPv4 and IPv6, truncated at random, random bytes flipped, one or two
 * segments), IPv6 extension headers and fragments. A frame
 * the checks accept must have all its headers inside the first segment,
 * and the checksum fixer must then leave valid checksums.
 *
 * No EAL: the mbufs are plain structs pointing at malloc'd data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "fwd.h"

static unsigned int g_fail;

#define CHECK(c, ...) do { \
	if (!(c)) { \
		g_fail++; \
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__); \
		fprintf(stderr, "\n"); \
	} \
} while (0)

/* Two-segment view of frame f[0..len): the first seg holds `first` bytes. */
struct frame {
	struct rte_mbuf m[2];
	uint8_t *d[2];
};

static void
frame_make(struct frame *fr, const uint8_t *f, uint32_t len, uint32_t first)
{
	uint32_t n0 = first < len ? first : len;
	unsigned int i;

	memset(fr, 0, sizeof(*fr));
	fr->d[0] = malloc(n0 ? n0 : 1);
	memcpy(fr->d[0], f, n0);
	for (i = 0; i < 2; i++) {
		fr->m[i].data_off = 0;
		fr->m[i].refcnt = 1;
		fr->m[i].nb_segs = 1;
	}
	fr->m[0].buf_addr = fr->d[0];
	fr->m[0].buf_len = n0 ? n0 : 1;
	fr->m[0].data_len = n0;
	fr->m[0].pkt_len = len;
	if (len > n0) {
		fr->d[1] = malloc(len - n0);
		memcpy(fr->d[1], f + n0, len - n0);
		fr->m[1].buf_addr = fr->d[1];
		fr->m[1].buf_len = len - n0;
		fr->m[1].data_len = len - n0;
		fr->m[1].pkt_len = len - n0;
		fr->m[0].next = &fr->m[1];
		fr->m[0].nb_segs = 2;
	}
}

static void
frame_free(struct frame *fr)
{
	free(fr->d[0]);
	free(fr->d[1]);
}

/* Ether [VLAN...] IPv4 UDP/TCP with valid checksums; returns its length. */
static uint32_t
build(uint8_t *f, int vlans, int proto, uint32_t payload)
{
	uint32_t off = RTE_ETHER_HDR_LEN, l4len, i, et_off = 12;
	struct rte_ipv4_hdr *ip;
	uint16_t v16;

	memset(f, 0, 2048);
	for (i = 0; i < 12; i++) {
		f[i] = (uint8_t)(i + 1);
	}
	for (i = 0; i < (uint32_t)vlans; i++) {
		v16 = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
		memcpy(f + et_off, &v16, 2);
		v16 = rte_cpu_to_be_16(10 + i);
		memcpy(f + off, &v16, 2);		/* TCI */
		et_off = off + 2;
		off += sizeof(struct rte_vlan_hdr);
	}
	v16 = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memcpy(f + et_off, &v16, 2);
	ip = (struct rte_ipv4_hdr *)(f + off);
	l4len = (proto == IPPROTO_TCP ? 20 : 8) + payload;
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->total_length = rte_cpu_to_be_16(20 + l4len);
	ip->src_addr = rte_cpu_to_be_32(FWD_IPV4(198, 18, 0, 1));
	ip->dst_addr = rte_cpu_to_be_32(FWD_IPV4(198, 18, 0, 2));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	for (i = 0; i < payload; i++) {
		f[off + 20 + l4len - payload + i] = (uint8_t)(i * 7);
	}
	if (proto == IPPROTO_UDP) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);

		u->src_port = rte_cpu_to_be_16(1);
		u->dst_port = rte_cpu_to_be_16(2);
		u->dgram_len = rte_cpu_to_be_16(l4len);
		u->dgram_cksum = rte_ipv4_udptcp_cksum(ip, u);
	} else {
		struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)(ip + 1);

		t->src_port = rte_cpu_to_be_16(3);
		t->dst_port = rte_cpu_to_be_16(4);
		t->data_off = 5 << 4;
		t->cksum = rte_ipv4_udptcp_cksum(ip, t);
	}
	return off + 20 + l4len;
}

static int
parse(const uint8_t *f, uint32_t len, uint32_t first, struct fwd_hdrs *h)
{
	struct frame fr;
	int r;

	frame_make(&fr, f, len, first);
	r = fwd_parse_l2l4(&fr.m[0], 1518, h);
	frame_free(&fr);
	return r;
}

static void
test_kinds(void)
{
	uint8_t f[2048];
	struct fwd_hdrs h;
	uint32_t len;
	struct rte_ipv4_hdr *ip;
	int r;

	len = build(f, 0, IPPROTO_UDP, 22);
	CHECK(parse(f, len, len, &h) == FWD_BAD_MAX && h.proto == IPPROTO_UDP &&
	      h.l2_len == 14 && h.l3_len == 20 && h.l4_len == 8, "good UDP");
	len = build(f, 2, IPPROTO_TCP, 5);
	CHECK(parse(f, len, len, &h) == FWD_BAD_MAX && h.vlans == 2 && h.l4_len == 20,
	      "good TCP, 2 VLANs");
	CHECK(parse(f, 0, 0, &h) == FWD_BAD_ZERO_LEN, "zero");
	CHECK(parse(f, 13, 13, &h) == FWD_BAD_RUNT, "runt");
	len = build(f, 3, IPPROTO_UDP, 10);
	CHECK(parse(f, len, len, &h) == FWD_BAD_VLAN_STACK, "3 VLANs");
	len = build(f, 0, IPPROTO_UDP, 1600);
	CHECK(parse(f, len, len, &h) == FWD_BAD_OVERSIZE, "oversize");
	len = build(f, 0, IPPROTO_UDP, 10);
	CHECK(parse(f, 14 + 19, 14 + 19, &h) == FWD_BAD_TRUNC_L3, "truncated L3");
	ip = (struct rte_ipv4_hdr *)(f + 14);
	ip->version_ihl = 0x44;
	CHECK(parse(f, len, len, &h) == FWD_BAD_IHL, "IHL 4");
	ip->version_ihl = 0x65;
	CHECK(parse(f, len, len, &h) == FWD_BAD_IHL, "version 6 in an IPv4 ethertype");
	ip->version_ihl = 0x4f;
	CHECK(parse(f, len, len, &h) == FWD_BAD_IHL, "IHL past the frame");
	len = build(f, 0, IPPROTO_UDP, 10);
	ip->total_length = rte_cpu_to_be_16(len);
	CHECK(parse(f, len, len, &h) == FWD_BAD_IP_LEN, "IP length past the frame");
	ip->total_length = rte_cpu_to_be_16(19);
	CHECK(parse(f, len, len, &h) == FWD_BAD_IP_LEN, "IP length below IHL");
	ip->total_length = rte_cpu_to_be_16(24);
	CHECK(parse(f, len, len, &h) == FWD_BAD_TRUNC_L4, "UDP cut by the IP length");
	len = build(f, 0, IPPROTO_UDP, 10);
	((struct rte_udp_hdr *)(ip + 1))->dgram_len = rte_cpu_to_be_16(7);
	CHECK(parse(f, len, len, &h) == FWD_BAD_L4_LEN, "UDP length 7");
	len = build(f, 0, IPPROTO_TCP, 10);
	((struct rte_tcp_hdr *)(ip + 1))->data_off = 0xf0;
	CHECK(parse(f, len, len, &h) == FWD_BAD_L4_LEN, "TCP data offset past the IP payload");
	/* IPv4 fragments: a later one has no L4 header (what looks like one
	 * is data: never checked, never rewritten); a first one has the L4
	 * header of a longer datagram, read only where whole */
	len = build(f, 0, IPPROTO_UDP, 10);
	ip->fragment_offset = rte_cpu_to_be_16(100);	/* 800 bytes in */
	((struct rte_udp_hdr *)(ip + 1))->dgram_len = rte_cpu_to_be_16(7);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	CHECK(parse(f, len, len, &h) == FWD_BAD_MAX && h.frag == 2 &&
	      h.l4_len == 0 && h.proto == IPPROTO_UDP, "later fragment: %d %u %u",
	      parse(f, len, len, &h), h.frag, h.l4_len);
	{
		struct frame fr;
		uint8_t l4[8];

		ip->hdr_checksum ^= 0x1234;
		memcpy(l4, ip + 1, sizeof(l4));
		frame_make(&fr, f, len, len);
		CHECK(fwd_parse_l2l4(&fr.m[0], 1518, &h) == FWD_BAD_MAX &&
		      fwd_csum_fix(&fr.m[0], &h) == 1 &&
		      memcmp(fr.d[0] + 14 + 20, l4, sizeof(l4)) == 0 &&
		      fwd_csum_fix(&fr.m[0], &h) == 0,
		      "later fragment: IP checksum fixed, L4 bytes untouched");
		frame_free(&fr);
	}
	len = build(f, 0, IPPROTO_UDP, 10);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG);
	((struct rte_udp_hdr *)(ip + 1))->dgram_len = rte_cpu_to_be_16(1000);
	CHECK(parse(f, len, len, &h) == FWD_BAD_MAX && h.frag == 1 &&
	      h.l4_len == 8, "first fragment, UDP length of the datagram");
	len = build(f, 0, IPPROTO_TCP, 0);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG);
	ip->total_length = rte_cpu_to_be_16(20 + 16);	/* 16 of 20 TCP bytes */
	CHECK(parse(f, 14 + 36, 14 + 36, &h) == FWD_BAD_MAX && h.frag == 1 &&
	      h.l4_len == 0, "first fragment with a partial TCP header");
	/* a split at every offset inside the headers is split-header, past
	 * them it is fine */
	for (int proto = IPPROTO_TCP; proto <= IPPROTO_UDP; proto += IPPROTO_UDP - IPPROTO_TCP) {
		uint32_t hdrs = 14 + 4 + 20 + (proto == IPPROTO_TCP ? 20 : 8), cut;

		len = build(f, 1, proto, 30);
		for (cut = 1; cut < len; cut++) {
			r = parse(f, len, cut, &h);
			CHECK(r == (cut < hdrs ? FWD_BAD_SPLIT_HDR : FWD_BAD_MAX),
			      "proto %d split at %u: %d", proto, cut, r);
		}
	}
	/* L2 check */
	{
		struct frame fr;

		len = build(f, 0, IPPROTO_UDP, 10);
		frame_make(&fr, f, len, 10);
		CHECK(fwd_check_l2(&fr.m[0], 1518) == FWD_BAD_SPLIT_HDR, "L2 split");
		frame_free(&fr);
		frame_make(&fr, f, len, len);
		CHECK(fwd_check_l2(&fr.m[0], 1518) == FWD_BAD_MAX, "L2 fine");
		frame_free(&fr);
	}
}

/*
 * Ether IPv6 UDP/TCP, the checksum DPDK computes (rte_ipv6_udptcp_cksum,
 * no extension header), then @ext extension headers inserted in front of
 * the L4 header: 1 hop-by-hop, 2 + destination options, 3 + a fragment
 * header of a whole datagram (offset 0, no M). The pseudo header is the
 * same with or without them, so the checksum stays valid.
 */
static uint32_t
build6(uint8_t *f, int proto, uint32_t payload, unsigned int ext)
{
	static const uint8_t nhs[3] = { 0, 60, 44 };
	struct rte_ipv6_hdr *ip6;
	uint8_t l4[2048];
	uint32_t l4len = (proto == IPPROTO_TCP ? 20 : 8) + payload, i, off;
	uint16_t v16;

	memset(f, 0, 2048);
	memset(l4, 0, sizeof(l4));
	for (i = 0; i < 12; i++) {
		f[i] = (uint8_t)(i + 1);
	}
	v16 = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	memcpy(f + 12, &v16, 2);
	ip6 = (struct rte_ipv6_hdr *)(f + 14);
	ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip6->payload_len = rte_cpu_to_be_16(l4len);
	ip6->proto = proto;
	ip6->hop_limits = 64;
	for (i = 0; i < 16; i++) {
		ip6->src_addr[i] = (uint8_t)(0x20 + i);
		ip6->dst_addr[i] = (uint8_t)(0x40 + i);
	}
	/* L4 right after the fixed header to let DPDK sum it */
	for (i = 0; i < payload; i++) {
		f[54 + l4len - payload + i] = (uint8_t)(i * 5);
	}
	if (proto == IPPROTO_UDP) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip6 + 1);

		u->src_port = rte_cpu_to_be_16(5);
		u->dst_port = rte_cpu_to_be_16(6);
		u->dgram_len = rte_cpu_to_be_16(l4len);
		u->dgram_cksum = rte_ipv6_udptcp_cksum(ip6, u);
	} else {
		struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)(ip6 + 1);

		t->src_port = rte_cpu_to_be_16(7);
		t->dst_port = rte_cpu_to_be_16(8);
		t->data_off = 5 << 4;
		t->cksum = rte_ipv6_udptcp_cksum(ip6, t);
	}
	if (ext == 0) {
		return 54 + l4len;
	}
	ext = ext > 3 ? 3 : ext;
	memcpy(l4, f + 54, l4len);
	off = 54;
	for (i = 0; i < ext; i++) {
		uint8_t *e = f + off;

		memset(e, 0, 8);
		e[0] = (uint8_t)(i + 1 < ext ? nhs[i + 1] : proto);
		if (i == 0) {
			ip6->proto = nhs[0];
		}
		off += 8;		/* length 0: 8 bytes; PadN options zero */
	}
	memcpy(f + off, l4, l4len);
	ip6->payload_len = rte_cpu_to_be_16(8 * ext + l4len);
	return off + l4len;
}

static void
test_ipv6(void)
{
	uint8_t f[2048];
	struct fwd_hdrs h;
	struct frame fr;
	uint32_t len, cut;
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(f + 14);
	int proto, r;
	unsigned int ext;

	for (proto = IPPROTO_TCP; proto <= IPPROTO_UDP;
	     proto += IPPROTO_UDP - IPPROTO_TCP) {
		for (ext = 0; ext <= 3; ext++) {
			uint32_t l4 = proto == IPPROTO_TCP ? 20 : 8;
			uint16_t *field;

			len = build6(f, proto, 17, ext);
			frame_make(&fr, f, len, len);
			r = fwd_parse_l2l4(&fr.m[0], 1518, &h);
			CHECK(r == FWD_BAD_MAX && h.ipv == 6 && h.proto == proto &&
			      h.l3_len == 40 + 8 * ext && h.l4_len == l4 &&
			      h.frag == 0 && !h.ext_skipped,
			      "IPv6 proto %d ext %u: r %d ipv %u l3 %u l4 %u", proto,
			      ext, r, h.ipv, h.l3_len, h.l4_len);
			CHECK(fwd_csum_fix(&fr.m[0], &h) == 0,
			      "IPv6 proto %d ext %u: DPDK's checksum judged bad",
			      proto, ext);
			field = (uint16_t *)(fr.d[0] + 14 + h.l3_len +
					     (proto == IPPROTO_TCP ? 16 : 6));
			*field ^= 0x0f0f;
			CHECK(fwd_csum_fix(&fr.m[0], &h) == 2 &&
			      fwd_csum_fix(&fr.m[0], &h) == 0,
			      "IPv6 proto %d ext %u: a bad checksum not fixed",
			      proto, ext);
			if (proto == IPPROTO_UDP) {
				*field = 0;	/* not allowed in IPv6 */
				CHECK(fwd_csum_fix(&fr.m[0], &h) == 2 &&
				      *field != 0, "IPv6 UDP checksum 0 kept");
			}
			frame_free(&fr);
			/* a split inside the headers is split-header */
			for (cut = 1; cut < len; cut++) {
				r = parse(f, len, cut, &h);
				CHECK(r == (cut < 14 + 40 + 8 * ext + l4 ?
					    FWD_BAD_SPLIT_HDR : FWD_BAD_MAX),
				      "IPv6 proto %d ext %u split at %u: %d", proto,
				      ext, cut, r);
			}
		}
	}
	/* a later fragment: no L4 header, its bytes never rewritten */
	len = build6(f, IPPROTO_UDP, 20, 3);
	f[14 + 40 + 16 + 2] = 0x03;		/* offset 100 x 8 */
	f[14 + 40 + 16 + 3] = 0x20;
	f[14 + 40 + 24 + 6] ^= 0xff;		/* "UDP checksum": data */
	frame_make(&fr, f, len, len);
	CHECK(fwd_parse_l2l4(&fr.m[0], 1518, &h) == FWD_BAD_MAX && h.frag == 2 &&
	      h.l4_len == 0 && fwd_csum_fix(&fr.m[0], &h) == 0 &&
	      memcmp(fr.d[0], f, len) == 0, "IPv6 later fragment");
	frame_free(&fr);
	/* a first fragment (M set): the L4 header of a longer datagram */
	len = build6(f, IPPROTO_UDP, 20, 3);
	f[14 + 40 + 16 + 3] = 0x01;
	((struct rte_udp_hdr *)(f + 14 + 64))->dgram_len = rte_cpu_to_be_16(1400);
	CHECK(parse(f, len, len, &h) == FWD_BAD_MAX && h.frag == 1 &&
	      h.l4_len == 8, "IPv6 first fragment");
	/* ESP: not walked, counted, L4 not read */
	len = build6(f, IPPROTO_UDP, 20, 0);
	ip6->proto = 50;
	CHECK(parse(f, len, len, &h) == FWD_BAD_MAX && h.ext_skipped &&
	      h.l4_len == 0, "IPv6 ESP");
	/* a chain longer than nb-fwd walks */
	{
		uint32_t i;

		len = 14 + 40 + 8 * (FWD_IPV6_MAX_EXT + 1) + 8;
		build6(f, IPPROTO_UDP, 0, 0);
		ip6->proto = 60;
		for (i = 0; i <= FWD_IPV6_MAX_EXT; i++) {
			memset(f + 54 + 8 * i, 0, 8);
			f[54 + 8 * i] = i < FWD_IPV6_MAX_EXT ? 60 : IPPROTO_UDP;
		}
		ip6->payload_len = rte_cpu_to_be_16(len - 54);
		CHECK(parse(f, len, len, &h) == FWD_BAD_MAX && h.ext_skipped &&
		      h.l4_len == 0, "IPv6 chain of %u headers", FWD_IPV6_MAX_EXT + 1);
	}
	/* bad ones */
	len = build6(f, IPPROTO_UDP, 20, 1);
	CHECK(parse(f, 14 + 39, 14 + 39, &h) == FWD_BAD_TRUNC_L3, "IPv6 cut");
	ip6->payload_len = rte_cpu_to_be_16(len);
	CHECK(parse(f, len, len, &h) == FWD_BAD_IP_LEN, "IPv6 payload past the frame");
	ip6->payload_len = rte_cpu_to_be_16(4);
	CHECK(parse(f, len, len, &h) == FWD_BAD_TRUNC_L3, "IPv6 extension cut by the length");
	len = build6(f, IPPROTO_UDP, 20, 0);
	ip6->vtc_flow = rte_cpu_to_be_32(4u << 28);
	CHECK(parse(f, len, len, &h) == FWD_BAD_IHL, "version 4 in an IPv6 ethertype");
	len = build6(f, IPPROTO_TCP, 0, 0);
	ip6->payload_len = rte_cpu_to_be_16(12);
	CHECK(parse(f, 14 + 40 + 12, 14 + 40 + 12, &h) == FWD_BAD_TRUNC_L4,
	      "IPv6 TCP cut by the payload length");
}

static uint64_t g_rng = 88172645463325252ull;

static uint32_t
rnd(void)
{
	g_rng ^= g_rng << 13;
	g_rng ^= g_rng >> 7;
	g_rng ^= g_rng << 17;
	return (uint32_t)g_rng;
}

static void
test_csum_fix(void)
{
	uint8_t f[2048];
	struct frame fr;
	struct fwd_hdrs h;
	uint32_t len, cut;
	int proto;

	for (proto = IPPROTO_TCP; proto <= IPPROTO_UDP; proto += IPPROTO_UDP - IPPROTO_TCP) {
		len = build(f, 1, proto, 101);
		for (cut = 60; cut <= len; cut += 7) {
			uint8_t g[2048];
			struct rte_ipv4_hdr *ip;
			int r;

			memcpy(g, f, len);
			g[18 + 10] ^= 0x11;			/* IP checksum */
			g[18 + 20 + (proto == IPPROTO_TCP ? 16 : 6)] ^= 0x22;	/* L4 */
			frame_make(&fr, g, len, cut);
			r = fwd_parse_l2l4(&fr.m[0], 1518, &h);
			CHECK(r == FWD_BAD_MAX, "csum frame parses");
			r = fwd_csum_fix(&fr.m[0], &h);
			CHECK(r == 3, "both bad, both fixed: %d", r);
			r = fwd_csum_fix(&fr.m[0], &h);
			CHECK(r == 0, "fixed frame verifies: %d (cut %u)", r, cut);
			/* the fixed frame is the original */
			memcpy(g, fr.d[0], fr.m[0].data_len);
			if (fr.d[1] != NULL) {
				memcpy(g + fr.m[0].data_len, fr.d[1], fr.m[1].data_len);
			}
			CHECK(memcmp(g, f, len) == 0, "fixed bytes differ (cut %u)", cut);
			ip = (struct rte_ipv4_hdr *)(g + 18);
			CHECK(rte_raw_cksum(ip, 20) == 0xffff, "IP checksum");
			frame_free(&fr);
		}
	}
}

static void
test_mutations(void)
{
	uint8_t f[2048];
	unsigned int i, accepted = 0;

	for (i = 0; i < 300000; i++) {
		int proto = rnd() & 1 ? IPPROTO_UDP : IPPROTO_TCP;
		uint32_t len = rnd() % 2 ?
			       build(f, rnd() % 4, proto, rnd() % 64) :
			       build6(f, proto, rnd() % 64, rnd() % 4);
		uint32_t flips = rnd() % 4, k, first;
		struct frame fr;
		struct fwd_hdrs h;
		int r;

		if (rnd() % 3 == 0) {
			len = rnd() % (len + 1);	/* truncate */
		}
		for (k = 0; k < flips && len > 0; k++) {
			f[rnd() % (len < 60 ? len : 60)] ^= (uint8_t)(1u << (rnd() % 8));
		}
		first = rnd() % 2 ? len : rnd() % (len + 1);
		frame_make(&fr, f, len, first);
		r = fwd_parse_l2l4(&fr.m[0], 1518, &h);
		CHECK(r >= 0 && r <= FWD_BAD_MAX, "reason %d", r);
		if (r == FWD_BAD_MAX) {
			accepted++;
			CHECK(h.l2_len + h.l3_len + h.l4_len <= fr.m[0].data_len,
			      "accepted headers past the first segment");
			if (h.ipv != 0) {
				CHECK(h.l2_len + h.ip_len <= fr.m[0].pkt_len, "IP length past the frame");
				fwd_csum_fix(&fr.m[0], &h);
				CHECK(fwd_csum_fix(&fr.m[0], &h) == 0, "fixed checksum does not verify");
			}
		}
		r = fwd_check_l2(&fr.m[0], 1518);
		CHECK(r == FWD_BAD_MAX ? fr.m[0].data_len >= 14 : 1, "L2 accepted a short frame");
		frame_free(&fr);
	}
	CHECK(accepted > 1000 && accepted < 300000, "mutations accepted: %u", accepted);
}

static void
test_template(void)
{
	uint8_t t[FWD_TEMPLATE_LEN + 22];
	struct rte_ether_addr a = { { 2, 0, 0, 0, 0, 1 } }, b = { { 2, 0, 0, 0, 0, 2 } };
	struct fwd_hdrs h;

	memset(t, 0, sizeof(t));
	fwd_template(t, sizeof(t), &a, &b);
	CHECK(parse(t, sizeof(t), sizeof(t), &h) == FWD_BAD_MAX && h.proto == IPPROTO_UDP &&
	      h.ip_len == sizeof(t) - 14, "template parses");
	{
		struct frame fr;

		frame_make(&fr, t, sizeof(t), sizeof(t));
		CHECK(fwd_parse_l2l4(&fr.m[0], 1518, &h) == FWD_BAD_MAX &&
		      fwd_csum_fix(&fr.m[0], &h) == 0, "template checksums valid");
		frame_free(&fr);
	}
}

int
main(void)
{
	test_kinds();
	test_ipv6();
	test_csum_fix();
	test_template();
	test_mutations();
	if (g_fail != 0) {
		printf("fwd_frames: %u checks failed\n", g_fail);
		return 1;
	}
	printf("fwd_frames: all checks passed\n");
	return 0;
}
