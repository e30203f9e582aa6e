/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame checks shared by the engines that read headers, software checksums,
 * the txonly template and the latency histogram. Every read is bounded by
 * the first segment's data_len (headers split across segments are a reason
 * of their own), so no frame can make an engine read past its data.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "fwd.h"

const char *const fwd_bad_names[FWD_BAD_MAX] = {
	[FWD_BAD_ZERO_LEN] = "zero-length",
	[FWD_BAD_RUNT] = "runt",
	[FWD_BAD_OVERSIZE] = "oversize",
	[FWD_BAD_VLAN_STACK] = "vlan-stack",
	[FWD_BAD_SPLIT_HDR] = "split-header",
	[FWD_BAD_TRUNC_L3] = "truncated-l3",
	[FWD_BAD_IHL] = "bad-ihl",
	[FWD_BAD_IP_LEN] = "bad-ip-length",
	[FWD_BAD_TRUNC_L4] = "truncated-l4",
	[FWD_BAD_L4_LEN] = "bad-l4-length",
};

int
fwd_check_l2(const struct rte_mbuf *m, uint32_t max_pkt_len)
{
	int r = fwd__check_eth(m);

	if (r != FWD_BAD_MAX) {
		return r;
	}
	if (m->pkt_len > max_pkt_len + 2 * RTE_VLAN_HLEN) {
		return FWD_BAD_OVERSIZE;
	}
	return FWD_BAD_MAX;
}

/*
 * One's complement sum of len bytes of m from off, across segments.
 * Not rte_raw_cksum_mbuf(): in DPDK 22.11 it truncates a segment's 32-bit
 * partial sum to 16 bits before swapping the bytes of a segment that starts
 * at an odd offset, so chains with odd segment lengths get wrong sums
 * (test/func/fwd_frames.c shows it). Each segment's sum is folded first.
 */
static uint16_t
raw_sum_mbuf(const struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	uint32_t sum = 0, done = 0;

	while (m != NULL && off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	while (m != NULL && len > 0) {
		uint32_t n = RTE_MIN(len, (uint32_t)m->data_len - off);
		uint16_t s = rte_raw_cksum(rte_pktmbuf_mtod_offset(m, const void *,
								   off), n);

		if (done & 1) {
			s = rte_bswap16(s);
		}
		sum += s;
		done += n;
		len -= n;
		off = 0;
		m = m->next;
	}
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* One's complement sum of the L4 part of m (any segments), with the
 * pseudo header; the result is the checksum field's correct value. */
static uint16_t
l4_cksum(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip,
	 uint32_t l4_off, uint32_t l4_len)
{
	uint32_t sum = rte_ipv4_phdr_cksum(ip, 0);

	sum += raw_sum_mbuf(m, l4_off, l4_len);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * IPv6: the UDP or TCP checksum with the pseudo header of RFC 8200 8.1
 * (addresses, upper-layer length, next header), or none to fix: a
 * fragment, unwalked extension headers, a routing header still to be
 * followed (the pseudo header would need its final address). A UDP
 * checksum of 0 is not allowed in IPv6: it is fixed as wrong.
 */
static int
csum_fix6(struct rte_mbuf *m, const struct fwd_hdrs *h)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)(d + h->l2_len);
	uint32_t l4_off = h->l2_len + h->l3_len;
	uint32_t l4_len = h->ip_len - h->l3_len, sum;
	uint16_t *field, old, want;

	if (h->frag != 0 || h->ext_skipped || h->routed || h->l4_len == 0) {
		return 0;
	}
	if (h->proto == IPPROTO_UDP) {
		field = &((struct rte_udp_hdr *)(d + l4_off))->dgram_cksum;
	} else if (h->proto == IPPROTO_TCP) {
		field = &((struct rte_tcp_hdr *)(d + l4_off))->cksum;
	} else {
		return 0;
	}
	old = *field;
	*field = 0;
	/* raw sums are in memory order: length and next header go in as the
	 * big-endian words they are in the pseudo header */
	sum = rte_raw_cksum(ip6->src_addr, 32);
	{
		uint32_t be[2] = { rte_cpu_to_be_32(l4_len),
				   rte_cpu_to_be_32(h->proto) };

		sum += rte_raw_cksum(be, sizeof(be));
	}
	sum += raw_sum_mbuf(m, l4_off, l4_len);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	want = (uint16_t)~sum;
	if (want == 0 && h->proto == IPPROTO_UDP) {
		want = 0xffff;
	}
	*field = want;
	return old != want ? 2 : 0;
}

int
fwd_csum_fix(struct rte_mbuf *m, const struct fwd_hdrs *h)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + h->l2_len);
	uint32_t l4_off = h->l2_len + h->l3_len;
	uint32_t l4_len = h->ip_len - h->l3_len;
	uint16_t old, want;
	int ret = 0;

	if (h->ipv == 6) {
		return csum_fix6(m, h);
	}

	old = ip->hdr_checksum;
	ip->hdr_checksum = 0;
	want = (uint16_t)~rte_raw_cksum(ip, h->l3_len);
	ip->hdr_checksum = want;
	if (old != want) {
		ret |= 1;
	}
	if (h->frag != 0) {
		/* a fragment's L4 checksum covers the whole datagram: left
		 * alone (testpmd writes a wrong one in) */
		return ret;
	}
	if (h->proto == IPPROTO_UDP) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)(d + l4_off);

		old = u->dgram_cksum;
		if (old == 0) {
			return ret;	/* no checksum: valid for IPv4 */
		}
		u->dgram_cksum = 0;
		want = l4_cksum(m, ip, l4_off, l4_len);
		if (want == 0) {
			want = 0xffff;
		}
		u->dgram_cksum = want;
	} else if (h->proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)(d + l4_off);

		old = t->cksum;
		t->cksum = 0;
		want = l4_cksum(m, ip, l4_off, l4_len);
		t->cksum = want;
	} else {
		return ret;
	}
	if (old != want) {
		ret |= 2;
	}
	return ret;
}

void
fwd_template(uint8_t *t, uint32_t len, const struct rte_ether_addr *src,
	     const struct rte_ether_addr *dst)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)t;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);

	memset(t, 0, FWD_TEMPLATE_LEN);
	rte_ether_addr_copy(dst, &eth->dst_addr);
	rte_ether_addr_copy(src, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->total_length = rte_cpu_to_be_16(len - RTE_ETHER_HDR_LEN);
	ip->src_addr = rte_cpu_to_be_32(FWD_IPV4(198, 18, 0, 1));
	ip->dst_addr = rte_cpu_to_be_32(FWD_IPV4(198, 18, 0, 2));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	u->src_port = rte_cpu_to_be_16(9);
	u->dst_port = rte_cpu_to_be_16(9);
	u->dgram_len = rte_cpu_to_be_16(len - RTE_ETHER_HDR_LEN - sizeof(*ip));
	u->dgram_cksum = 0;	/* none: valid for IPv4 (RFC 768) */
}

/* Log-linear bucket: 64 sub-buckets per power of two (error < 1.6 %). */
static inline unsigned int
lat_bucket(uint64_t v)
{
	unsigned int e;

	if (v < 64) {
		return (unsigned int)v;
	}
	e = 63 - __builtin_clzll(v);	/* >= 6 */
	return (e - 5) * 64 + (unsigned int)((v >> (e - 6)) & 63);
}

static inline uint64_t
lat_bucket_value(unsigned int b)
{
	unsigned int e;

	if (b < 64) {
		return b;
	}
	e = b / 64 + 5;
	return ((uint64_t)64 + (b & 63)) << (e - 6);
}

void
fwd_lat_record(struct fwd_latency *l, const struct fwd_stamp *s, uint64_t now)
{
	uint64_t d = now >= s->tsc ? now - s->tsc : 0;
	uint32_t f = s->flow % FWD_LAT_FLOWS;
	unsigned int b = lat_bucket(d);

	if (b >= RTE_DIM(l->hist)) {
		b = RTE_DIM(l->hist) - 1;
	}
	l->hist[b]++;
	if (l->samples == 0 || d < l->min) {
		l->min = d;
	}
	if (d > l->max) {
		l->max = d;
	}
	l->samples++;
	if (!l->seen[f]) {
		l->seen[f] = true;
		l->next_seq[f] = s->seq + 1;
		return;
	}
	if (s->seq == l->next_seq[f]) {
		l->next_seq[f]++;
	} else if ((int32_t)(s->seq - l->next_seq[f]) > 0) {
		l->lost += s->seq - l->next_seq[f];
		l->next_seq[f] = s->seq + 1;
	} else {
		/* came after a later one: it was counted lost, it is late */
		l->reordered++;
		if (l->lost > 0) {
			l->lost--;
		}
	}
}

uint64_t
fwd_lat_percentile(const struct fwd_latency *l, double p)
{
	uint64_t want, acc = 0;
	unsigned int b;

	if (l->samples == 0) {
		return 0;
	}
	want = (uint64_t)(p / 100.0 * (double)l->samples);
	if (want >= l->samples) {
		want = l->samples - 1;
	}
	for (b = 0; b < RTE_DIM(l->hist); b++) {
		acc += l->hist[b];
		if (acc > want) {
			uint64_t v = lat_bucket_value(b);

			return v < l->min ? l->min : (v > l->max ? l->max : v);
		}
	}
	return l->max;
}
