/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nb-fwd output: the stats line every --stats-period, the final summary
 * with testpmd's field names, and JSON lines (--json).
 */
#include <inttypes.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_lcore.h>

#include "nb_pool.h"
#include "nb_port.h"
#include "nb_reactor.h"

#include "fwd.h"

/* Port stats, with the engines' TX drops added (testpmd's TX-dropped). */
void
fwd_port_stats(unsigned int p, struct nb_port_stats *s)
{
	unsigned int i;

	if (g_fwd.ports[p].stopped) {
		*s = g_fwd.ports[p].final;	/* removed and stopped */
		return;
	}
	memset(s, 0, sizeof(*s));
	if (g_fwd.ports[p].port == NULL ||
	    nb_port_stats(g_fwd.ports[p].port, s) != 0) {
		memset(s, 0, sizeof(*s));
	}
	for (i = 0; i < g_fwd.nb_streams; i++) {
		const struct fwd_stream *fs = g_fwd.streams[i];

		if (fs->tx_pi == p) {
			s->tx_dropped += fs->c.tx_dropped;
		}
	}
}

int
fwd_stats_poller(void *arg)
{
	uint64_t now = rte_rdtsc(), dt = now - g_fwd.last_tsc;
	double secs = (double)dt / (double)rte_get_tsc_hz();
	double el = (double)(now - g_fwd.start_tsc) / (double)rte_get_tsc_hz();
	struct nb_pool_stats ps;
	unsigned int p;
	char line[2048];
	size_t o = 0;

	(void)arg;
	if (secs <= 0) {
		return NB_POLLER_IDLE;
	}
	memset(&ps, 0, sizeof(ps));
	nb_pool_stats_get(g_fwd.pool, &ps);
	o += snprintf(line + o, sizeof(line) - o, "[%7.1fs]", el);
	if (g_fwd.json != NULL) {
		fprintf(g_fwd.json, "{\"type\":\"period\",\"time_s\":%.3f,"
			"\"pool_in_use\":%u,\"ports\":[", el, ps.in_use);
	}
	for (p = 0; p < g_fwd.nb_ports; p++) {
		struct nb_port_stats s;
		double rxp, txp, rxg, txg;

		fwd_port_stats(p, &s);
		rxp = (double)(s.ipackets - g_fwd.last_ipk[p]) / secs / 1e6;
		txp = (double)(s.opackets - g_fwd.last_opk[p]) / secs / 1e6;
		rxg = (double)(s.ibytes - g_fwd.last_ib[p]) * 8 / secs / 1e9;
		txg = (double)(s.obytes - g_fwd.last_ob[p]) * 8 / secs / 1e9;
		g_fwd.last_ipk[p] = s.ipackets;
		g_fwd.last_opk[p] = s.opackets;
		g_fwd.last_ib[p] = s.ibytes;
		g_fwd.last_ob[p] = s.obytes;
		if (o < sizeof(line)) {
			char rg[32] = "n/a", tg[32] = "n/a";

			/* some PMDs (net_null, net_ring) count no bytes */
			if (s.ibytes != 0 || s.ipackets == 0) {
				snprintf(rg, sizeof(rg), "%.2f", rxg);
			}
			if (s.obytes != 0 || s.opackets == 0) {
				snprintf(tg, sizeof(tg), "%.2f", txg);
			}
			o += snprintf(line + o, sizeof(line) - o,
				      " p%u rx %.3f Mpps %s Gbit/s tx %.3f Mpps "
				      "%s Gbit/s drop %" PRIu64 " nombuf %" PRIu64
				      " |", p, rxp, rg, txp, tg,
				      s.imissed + s.tx_dropped, s.rx_nombuf);
		}
		if (g_fwd.json != NULL) {
			fprintf(g_fwd.json, "%s{\"port\":%u,\"rx_mpps\":%.4f,"
				"\"tx_mpps\":%.4f,\"rx_gbps\":%.4f,\"tx_gbps\":%.4f,"
				"\"dropped\":%" PRIu64 ",\"nombuf\":%" PRIu64 "}",
				p ? "," : "", p, rxp, txp, rxg, txg,
				s.imissed + s.tx_dropped, s.rx_nombuf);
		}
	}
	if (o < sizeof(line)) {
		snprintf(line + o, sizeof(line) - o, " pool in use %u", ps.in_use);
	}
	printf("%s\n", line);
	fflush(stdout);
	if (g_fwd.json != NULL) {
		fprintf(g_fwd.json, "]}\n");
		fflush(g_fwd.json);
	}
	g_fwd.last_tsc = now;
	return NB_POLLER_BUSY;
}

/* What the summary prints, collected once after the reactors stopped. */
static struct {
	struct nb_port_stats port[FWD_MAX_PORTS];
	struct fwd_counters tot;
	uint64_t hist[FWD_MAX_BURST + 1];
	struct fwd_latency lat;
	bool has_lat;
	unsigned int nb_cores;
	unsigned int core[RTE_MAX_LCORE];
	uint64_t core_pkts[RTE_MAX_LCORE];
	uint64_t core_busy[RTE_MAX_LCORE];
	uint64_t core_total[RTE_MAX_LCORE];
	double secs;
} S;

static void
collect(void)
{
	unsigned int p, i, j, b;

	memset(&S, 0, sizeof(S));
	S.secs = (double)(g_fwd.stop_tsc - g_fwd.start_tsc) /
		 (double)rte_get_tsc_hz();
	for (p = 0; p < g_fwd.nb_ports; p++) {
		fwd_port_stats(p, &S.port[p]);
	}
	for (i = 0; i < g_fwd.nb_streams; i++) {
		const struct fwd_stream *fs = g_fwd.streams[i];
		const struct fwd_counters *c = &fs->c;

		if (fs->rx_counted) {
			S.tot.rx += c->rx;
		}
		S.tot.tx += c->tx;
		S.tot.tx_dropped += c->tx_dropped;
		S.tot.dropped += c->dropped;
		for (b = 0; b < FWD_BAD_MAX; b++) {
			S.tot.bad[b] += c->bad[b];
		}
		S.tot.csum_bad_ip += c->csum_bad_ip;
		S.tot.csum_bad_l4 += c->csum_bad_l4;
		S.tot.nombuf += c->nombuf;
		S.tot.arp_replies += c->arp_replies;
		S.tot.icmp_replies += c->icmp_replies;
		S.tot.not_ip += c->not_ip;
		S.tot.ext_skipped += c->ext_skipped;
		for (b = 0; b <= FWD_MAX_BURST; b++) {
			S.hist[b] += fs->burst_hist[b];
		}
		if (fs->lat != NULL) {
			const struct fwd_latency *l = fs->lat;

			S.has_lat = true;
			if (l->samples > 0 && (S.lat.samples == 0 || l->min < S.lat.min)) {
				S.lat.min = l->min;
			}
			if (l->max > S.lat.max) {
				S.lat.max = l->max;
			}
			S.lat.samples += l->samples;
			S.lat.lost += l->lost;
			S.lat.reordered += l->reordered;
			for (b = 0; b < RTE_DIM(l->hist); b++) {
				S.lat.hist[b] += l->hist[b];
			}
		}
		for (j = 0; j < S.nb_cores; j++) {
			if (S.core[j] == fs->lcore) {
				break;
			}
		}
		if (j == S.nb_cores) {
			struct nb_reactor_stats rs;

			S.core[S.nb_cores++] = fs->lcore;
			if (nb_reactor_stats_get(fs->lcore, &rs) == 0) {
				S.core_busy[j] = rs.busy_tsc;
				S.core_total[j] = rs.busy_tsc + rs.idle_tsc;
			}
		}
		S.core_pkts[j] += fs->pkts;
	}
}

static double
ns(uint64_t tsc)
{
	return (double)tsc * 1e9 / (double)rte_get_tsc_hz();
}

static void
print_summary(FILE *f)
{
	unsigned int p, b, j;
	uint64_t trx = 0, tdrop = 0, tnombuf = 0, ttx = 0, ttxd = 0, maxh = 0;

	fprintf(f, "\n  ---------------------- Forward statistics for each port ----------------------\n");
	for (p = 0; p < g_fwd.nb_ports; p++) {
		const struct nb_port_stats *s = &S.port[p];

		fprintf(f, "  +++++++++++++++ Forward statistics for port %-2u (%s) +++++++++++++++\n",
			p, g_fwd.ports[p].name);
		fprintf(f, "  RX-packets: %-14" PRIu64 " RX-dropped: %-14" PRIu64
			" RX-total: %" PRIu64 "\n", s->ipackets, s->imissed,
			s->ipackets + s->imissed);
		fprintf(f, "  RX-error: %-16" PRIu64 " RX-nombuf: %" PRIu64 "\n",
			s->ierrors, s->rx_nombuf);
		fprintf(f, "  TX-packets: %-14" PRIu64 " TX-dropped: %-14" PRIu64
			" TX-total: %" PRIu64 "\n", s->opackets, s->tx_dropped,
			s->opackets + s->tx_dropped);
		trx += s->ipackets;
		tdrop += s->imissed;
		tnombuf += s->rx_nombuf;
		ttx += s->opackets;
		ttxd += s->tx_dropped;
	}
	fprintf(f, "\n  +++++++++++++++ Accumulated forward statistics for all ports +++++++++++++++\n");
	fprintf(f, "  RX-packets: %-14" PRIu64 " RX-dropped: %-14" PRIu64
		" RX-total: %" PRIu64 "\n", trx, tdrop, trx + tdrop);
	fprintf(f, "  RX-nombuf: %" PRIu64 "\n", tnombuf);
	fprintf(f, "  TX-packets: %-14" PRIu64 " TX-dropped: %-14" PRIu64
		" TX-total: %" PRIu64 "\n", ttx, ttxd, ttx + ttxd);
	fprintf(f, "  Engine-dropped: %" PRIu64 "  Generator-nombuf: %" PRIu64
		"  Not-IP: %" PRIu64 "  IPv6-ext-skipped: %" PRIu64 "\n",
		S.tot.dropped, S.tot.nombuf, S.tot.not_ip, S.tot.ext_skipped);
	fprintf(f, "  Bad frames:");
	for (b = 0; b < FWD_BAD_MAX; b++) {
		if (b != FWD_BAD_OVERSIZE) {	/* never counted (fwd.h) */
			fprintf(f, " %s %" PRIu64, fwd_bad_names[b], S.tot.bad[b]);
		}
	}
	fprintf(f, "\n");
	if (strcmp(g_fwd.eng->name, "csum") == 0) {
		fprintf(f, "  Bad-ipcsum: %" PRIu64 " Bad-l4csum: %" PRIu64
			" (fixed)\n", S.tot.csum_bad_ip, S.tot.csum_bad_l4);
	}
	if (strcmp(g_fwd.eng->name, "icmpecho") == 0) {
		fprintf(f, "  ARP-replies: %" PRIu64 " ICMP-echo-replies: %" PRIu64
			"\n", S.tot.arp_replies, S.tot.icmp_replies);
	}
	fprintf(f, "  Throughput: RX %.3f Mpps TX %.3f Mpps over %.2f s\n",
		S.secs > 0 ? (double)trx / S.secs / 1e6 : 0,
		S.secs > 0 ? (double)ttx / S.secs / 1e6 : 0, S.secs);
	for (j = 0; j < S.nb_cores; j++) {
		fprintf(f, "  lcore %u: %" PRIu64 " packets, %.1f busy cycles/packet, "
			"%.1f cycles/packet\n", S.core[j], S.core_pkts[j],
			S.core_pkts[j] ? (double)S.core_busy[j] / S.core_pkts[j] : 0,
			S.core_pkts[j] ? (double)S.core_total[j] / S.core_pkts[j] : 0);
	}
	if (g_fwd.cfg.burst_stats) {
		for (b = 1; b <= FWD_MAX_BURST; b++) {
			maxh += S.hist[b];
		}
		fprintf(f, "  RX-bursts: %" PRIu64 " empty, %" PRIu64 " non-empty:",
			S.hist[0], maxh);
		for (b = 1; b <= FWD_MAX_BURST && maxh > 0; b++) {
			if (S.hist[b] * 100 >= maxh) {
				fprintf(f, " [%u]=%.0f%%", b, 100.0 * S.hist[b] / maxh);
			}
		}
		fprintf(f, "\n");
	}
	if (S.has_lat) {
		fprintf(f, "  Latency: samples %" PRIu64 " min %.0f ns p50 %.0f ns "
			"p99 %.0f ns p99.9 %.0f ns max %.0f ns; lost %" PRIu64
			" reordered %" PRIu64 "\n", S.lat.samples, ns(S.lat.min),
			ns(fwd_lat_percentile(&S.lat, 50)),
			ns(fwd_lat_percentile(&S.lat, 99)),
			ns(fwd_lat_percentile(&S.lat, 99.9)), ns(S.lat.max),
			S.lat.lost, S.lat.reordered);
	}
	fprintf(f, "  ------------------------------------------------------------------------------\n");
	fflush(f);
}

/* A JSON string (port specs may hold paths). */
static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			fprintf(f, "\\%c", ch);
		} else if (ch < 0x20) {
			fprintf(f, "\\u%04x", ch);
		} else {
			fputc(ch, f);
		}
	}
	fputc('"', f);
}

static void
print_json(FILE *f, int lost)
{
	unsigned int p, b, j;

	fprintf(f, "{\"type\":\"summary\",\"mode\":\"%s\",\"seconds\":%.3f,"
		"\"ports\":[", g_fwd.eng->name, S.secs);
	for (p = 0; p < g_fwd.nb_ports; p++) {
		const struct nb_port_stats *s = &S.port[p];

		fprintf(f, "%s{\"port\":%u,\"name\":", p ? "," : "", p);
		json_str(f, g_fwd.ports[p].name);
		fprintf(f, ",\"rx_packets\":%" PRIu64
			",\"rx_dropped\":%" PRIu64 ",\"rx_error\":%" PRIu64
			",\"rx_nombuf\":%" PRIu64 ",\"tx_packets\":%" PRIu64
			",\"tx_dropped\":%" PRIu64 ",\"rx_bytes\":%" PRIu64
			",\"tx_bytes\":%" PRIu64 "}", s->ipackets, s->imissed, s->ierrors,
			s->rx_nombuf, s->opackets, s->tx_dropped, s->ibytes,
			s->obytes);
	}
	fprintf(f, "],\"streams\":{\"rx\":%" PRIu64 ",\"tx\":%" PRIu64
		",\"tx_dropped\":%" PRIu64 ",\"engine_dropped\":%" PRIu64
		",\"nombuf\":%" PRIu64 ",\"not_ip\":%" PRIu64
		",\"ipv6_ext_skipped\":%" PRIu64
		",\"csum_bad_ip\":%" PRIu64 ",\"csum_bad_l4\":%" PRIu64
		",\"arp_replies\":%" PRIu64 ",\"icmp_replies\":%" PRIu64 "},"
		"\"bad\":{", S.tot.rx, S.tot.tx, S.tot.tx_dropped, S.tot.dropped,
		S.tot.nombuf, S.tot.not_ip, S.tot.ext_skipped,
		S.tot.csum_bad_ip, S.tot.csum_bad_l4,
		S.tot.arp_replies, S.tot.icmp_replies);
	for (b = 0; b < FWD_BAD_MAX; b++) {
		if (b != FWD_BAD_OVERSIZE) {	/* never counted (fwd.h) */
			fprintf(f, "%s\"%s\":%" PRIu64, b ? "," : "",
				fwd_bad_names[b], S.tot.bad[b]);
		}
	}
	fprintf(f, "},\"cores\":[");
	for (j = 0; j < S.nb_cores; j++) {
		fprintf(f, "%s{\"lcore\":%u,\"packets\":%" PRIu64
			",\"busy_cycles_per_packet\":%.2f,\"cycles_per_packet\":%.2f}",
			j ? "," : "", S.core[j], S.core_pkts[j],
			S.core_pkts[j] ? (double)S.core_busy[j] / S.core_pkts[j] : 0,
			S.core_pkts[j] ? (double)S.core_total[j] / S.core_pkts[j] : 0);
	}
	fprintf(f, "]");
	if (g_fwd.cfg.burst_stats) {
		fprintf(f, ",\"burst_hist\":{");
		for (b = 0, j = 0; b <= FWD_MAX_BURST; b++) {
			if (S.hist[b] != 0) {
				fprintf(f, "%s\"%u\":%" PRIu64, j++ ? "," : "",
					b, S.hist[b]);
			}
		}
		fprintf(f, "}");
	}
	if (S.has_lat) {
		fprintf(f, ",\"latency\":{\"samples\":%" PRIu64 ",\"min_ns\":%.0f,"
			"\"p50_ns\":%.0f,\"p99_ns\":%.0f,\"p999_ns\":%.0f,"
			"\"max_ns\":%.0f,\"lost\":%" PRIu64 ",\"reordered\":%" PRIu64
			"}", S.lat.samples, ns(S.lat.min),
			ns(fwd_lat_percentile(&S.lat, 50)),
			ns(fwd_lat_percentile(&S.lat, 99)),
			ns(fwd_lat_percentile(&S.lat, 99.9)), ns(S.lat.max),
			S.lat.lost, S.lat.reordered);
	}
	fprintf(f, ",\"buffers_lost\":%d}\n", lost);
	fflush(f);
}

void
fwd_summary(FILE *f, int lost)
{
	if (f != NULL) {
		collect();
		print_summary(f);
	}
	if (lost != -2 && g_fwd.json != NULL) {
		print_json(g_fwd.json, lost);
	}
}
