/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nb-fwd command line: testpmd's option names and meanings where testpmd
 * has them, nbkit's additions otherwise. Every bad option or value gives one
 * line on stderr naming it; the caller exits 2.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <rte_version.h>

#include "app_opts.h"
#include "fwd.h"

enum {
	O_MODE = 256, O_CORES, O_RXQ, O_TXQ, O_RXD, O_TXD, O_BURST, O_TXPKTS,
	O_STATS, O_PEER, O_MBUFS, O_MBCACHE, O_TOPO, O_FLOWS, O_DURATION,
	O_JSON, O_POOL_OPS, O_POOL_MODE, O_IP, O_PORT, O_FLUSH, O_HELP,
	O_VERSION, O_LATENCY, O_MAXLEN, O_MBUF_SIZE, O_PIPE_RING, O_IDLE,
	O_BURST_STATS, O_NO_PROMISC, O_NO_FLUSH, O_AUTO_START, O_TX_FIRST,
	O_NO_LSC, O_CSUM_KEEP_L2,
};

static const struct option longopts[] = {
	{ "forward-mode", required_argument, NULL, O_MODE },
	{ "nb-cores", required_argument, NULL, O_CORES },
	{ "rxq", required_argument, NULL, O_RXQ },
	{ "txq", required_argument, NULL, O_TXQ },
	{ "rxd", required_argument, NULL, O_RXD },
	{ "txd", required_argument, NULL, O_TXD },
	{ "burst", required_argument, NULL, O_BURST },
	{ "txpkts", required_argument, NULL, O_TXPKTS },
	{ "stats-period", required_argument, NULL, O_STATS },
	{ "eth-peer", required_argument, NULL, O_PEER },
	{ "total-num-mbufs", required_argument, NULL, O_MBUFS },
	{ "mbcache", required_argument, NULL, O_MBCACHE },
	{ "mbuf-size", required_argument, NULL, O_MBUF_SIZE },
	{ "port-topology", required_argument, NULL, O_TOPO },
	{ "flowgen-flows", required_argument, NULL, O_FLOWS },
	{ "duration", required_argument, NULL, O_DURATION },
	{ "json", required_argument, NULL, O_JSON },
	{ "pool-ops", required_argument, NULL, O_POOL_OPS },
	{ "pool-mode", required_argument, NULL, O_POOL_MODE },
	{ "ip", required_argument, NULL, O_IP },
	{ "port", required_argument, NULL, O_PORT },
	{ "flush-rx", no_argument, NULL, O_FLUSH },
	{ "no-promisc", no_argument, NULL, O_NO_PROMISC },
	{ "no-flush-rx", no_argument, NULL, O_NO_FLUSH },
	{ "auto-start", no_argument, NULL, O_AUTO_START },
	{ "tx-first", no_argument, NULL, O_TX_FIRST },
	{ "no-lsc-interrupt", no_argument, NULL, O_NO_LSC },
	{ "csum-keep-l2", no_argument, NULL, O_CSUM_KEEP_L2 },
	{ "latency", no_argument, NULL, O_LATENCY },
	{ "max-pkt-len", required_argument, NULL, O_MAXLEN },
	{ "pipeline-ring", required_argument, NULL, O_PIPE_RING },
	{ "idle", required_argument, NULL, O_IDLE },
	{ "record-burst-stats", no_argument, NULL, O_BURST_STATS },
	{ "help", no_argument, NULL, O_HELP },
	{ "version", no_argument, NULL, O_VERSION },
	{ NULL, 0, NULL, 0 },
};

void
fwd_cfg_defaults(struct fwd_cfg *c)
{
	unsigned int i;

	memset(c, 0, sizeof(*c));
	c->mode = "io";
	c->nb_cores = 1;
	c->rxq = 1;
	c->txq = 1;
	c->rxd = 1024;
	c->txd = 1024;
	c->burst = 32;
	c->txpkts[0] = 64;
	c->nb_txpkts = 1;
	c->tx_pkt_len = 64;
	c->mbcache = 250;
	c->mbuf_size = RTE_MBUF_DEFAULT_BUF_SIZE;
	c->topo = FWD_TOPO_PAIRED;
	c->flowgen_flows = 1024;
	c->pool_ops = "percore";
	c->pool_mode = "fast";
	c->max_pkt_len = 0;		/* the ports' own MTU */
	c->pipeline_ring = 4096;
	/* testpmd's default peers: 02:00:00:00:00:<port> */
	for (i = 0; i < FWD_MAX_PORTS; i++) {
		c->peer[i].addr_bytes[0] = 0x02;
		c->peer[i].addr_bytes[5] = (uint8_t)i;
	}
}

void
fwd_usage(FILE *f)
{
	unsigned int i;

	fprintf(f,
		"usage: nb-fwd [EAL options] -- [options]\n"
		"EAL options go to nb_env_init_args() (nbkit adds --no-pci, --in-memory\n"
		"or --no-huge --no-shconf, a unique --file-prefix unless given).\n"
		"Ports: every ethdev EAL probed (--vdev net_null0 ...) and every --port SPEC.\n"
		"\n"
		"options (default in brackets):\n"
		"  --forward-mode MODE    forwarding engine [io]; one of:\n");
	for (i = 0; fwd_engines[i] != NULL; i++) {
		fprintf(f, "                           %-13s %s\n",
			fwd_engines[i]->name, fwd_engines[i]->help);
	}
	fprintf(f,
		"  --nb-cores N           forwarding lcores [1]; the main lcore forwards\n"
		"                         only when EAL gave no other\n"
		"  --rxq N                RX queues per port [1]\n"
		"  --txq N                TX queues per port [1]\n"
		"  --rxd N                RX descriptors per queue [1024]\n"
		"  --txd N                TX descriptors per queue [1024]\n"
		"  --burst N              packets per burst, 1..%d [32]\n"
		"  --txpkts L[,L...]      txonly/flowgen segment sizes; several make\n"
		"                         multi-segment packets; each fits one\n"
		"                         buffer (--mbuf-size less headroom) [64]\n"
		"  --stats-period S       stats line every S seconds, 0 none [0]\n"
		"  --eth-peer N,MAC       peer MAC of port N for mac mode [02:00:00:00:00:N]\n"
		"  --total-num-mbufs N    buffers in the pool [computed from ports, queues,\n"
		"                         descriptors and caches]\n"
		"  --mbcache N            per-lcore pool cache, 0..512 [250]\n"
		"  --mbuf-size N          data room per buffer incl. headroom [%u]\n"
		"  --port-topology T      paired (0<->1, 2<->3), chained (i -> i+1),\n"
		"                         loop (i -> i) [paired]\n"
		"  --flowgen-flows N      flows flowgen cycles through [1024]\n"
		"  --duration S           stop after S seconds, 0 at a signal [0]\n"
		"  --json FILE            write the summary (and one line per stats\n"
		"                         period) as JSON lines to FILE [none]\n"
		"  --pool-ops OPS         pool backend: percore, ring_mp_mc, stack [percore]\n"
		"  --pool-mode M          percore mode: fast, accounted [fast]\n"
		"  --ip ADDR              icmpecho: answer only for this IPv4 address,\n"
		"                         on the port asked [none: every address, on\n"
		"                         the topology's port, as testpmd]\n"
		"  --port SPEC            open a port with nb_port_open(SPEC); repeatable\n"
		"                         (loop:NAME/0, net_ring0, net_pcap0,rx_pcap=...)\n"
		"                         [none]\n"
		"  --flush-rx             drain RX queues before forwarding [off]\n"
		"  --csum-keep-l2         csum: leave the MACs alone (testpmd's csum\n"
		"                         engine sets them as mac mode does) [off]\n"
		"  --tx-first             send one burst of txonly packets on every\n"
		"                         stream before forwarding (starts traffic on\n"
		"                         a loop) [off]\n"
		"  --no-flush-rx, --auto-start\n"
		"                         testpmd's; nb-fwd's defaults already (no RX\n"
		"                         flush, forwarding at start)\n"
		"  --no-lsc-interrupt     do not ask ports for link interrupts (no\n"
		"                         'link up/down' lines from ethdev ports) [off]\n"
		"  --no-promisc           leave promiscuous mode off (testpmd's option;\n"
		"                         nb-fwd turns it on and restores it at close)\n"
		"                         [promiscuous on]\n"
		"  --latency              txonly: stamp TSC + sequence; txonly and rxonly:\n"
		"                         measure them (histogram, gaps) [off]\n"
		"  --max-pkt-len N        the ports' largest RX frame, as testpmd's: MTU\n"
		"                         N - 18; frames above one buffer arrive as\n"
		"                         chains where the port can scatter, else a\n"
		"                         warning [the ports' MTU]\n"
		"  --pipeline-ring N      pipeline: RX -> worker ring size [4096]\n"
		"  --idle P               reactor idle policy: backoff (an idle reactor\n"
		"                         sleeps until its next timer or message; a busy\n"
		"                         one never does) or spin [backoff]\n"
		"  --record-burst-stats   count RX bursts by size and print the histogram\n"
		"                         (one more counter per burst) [off]\n"
		"  --help                 this text\n"
		"  --version              versions of nb-fwd and DPDK\n",
		FWD_MAX_BURST, RTE_MBUF_DEFAULT_BUF_SIZE);
}

static int
bad(const char *opt, const char *val, const char *why)
{
	fprintf(stderr, "nb-fwd: bad value for --%s: '%s' (%s)\n", opt, val, why);
	return -1;
}

/* Unsigned integer in [lo, hi]. */
static int
parse_uint(const char *opt, const char *s, unsigned long lo,
	   unsigned long hi, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	/* decimal, as testpmd reads them: 010 is ten; no sign, no space */
	if (s[0] < '0' || s[0] > '9') {
		return bad(opt, s, "not a number");
	}
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0') {
		return bad(opt, s, "not a number");
	}
	if (v < lo || v > hi) {
		char why[64];

		snprintf(why, sizeof(why), "must be %lu..%lu", lo, hi);
		return bad(opt, s, why);
	}
	*out = v;
	return 0;
}

static int
parse_secs(const char *opt, const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || s[0] == '\0' || !isfinite(v) ||
	    v < 0 || v > 1e7) {
		return bad(opt, s, "seconds, 0..1e7");
	}
	if (v > 0 && v < 1e-3) {
		return bad(opt, s, "seconds: 0, or at least 0.001");
	}
	*out = v;
	return 0;
}

static int
parse_txpkts(struct fwd_cfg *c, const char *s)
{
	char buf[256];
	char *tok, *save = NULL;
	unsigned int n = 0;
	uint32_t sum = 0;

	if (strlen(s) >= sizeof(buf)) {
		return bad("txpkts", s, "too long");
	}
	if (s[0] == ',' || strstr(s, ",,") != NULL ||
	    (s[0] != '\0' && s[strlen(s) - 1] == ',')) {
		return bad("txpkts", s, "empty segment size");
	}
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		unsigned long v;

		if (n == FWD_MAX_SEGS) {
			return bad("txpkts", s, "more than 16 segments");
		}
		if (parse_uint("txpkts", tok, 1, 9600, &v) != 0) {
			return -1;
		}
		c->txpkts[n++] = (uint16_t)v;
		sum += v;
	}
	if (n == 0) {
		return bad("txpkts", s, "no size");
	}
	if (sum < FWD_TEMPLATE_LEN || sum > 9600) {
		return bad("txpkts", s, "total must be 42..9600 (Ether/IPv4/UDP)");
	}
	c->nb_txpkts = n;
	c->tx_pkt_len = sum;
	return 0;
}

static int
parse_peer(struct fwd_cfg *c, const char *s)
{
	const char *comma = strchr(s, ',');
	char num[16];
	unsigned long port;

	if (comma == NULL || (size_t)(comma - s) >= sizeof(num)) {
		return bad("eth-peer", s, "want N,XX:XX:XX:XX:XX:XX");
	}
	memcpy(num, s, comma - s);
	num[comma - s] = '\0';
	if (parse_uint("eth-peer", num, 0, FWD_MAX_PORTS - 1, &port) != 0) {
		return -1;
	}
	if (rte_ether_unformat_addr(comma + 1, &c->peer[port]) != 0) {
		return bad("eth-peer", s, "bad MAC address");
	}
	return 0;
}

int
fwd_parse_args(struct fwd_cfg *c, int argc, char **argv)
{
	int opt;
	unsigned long v;
	struct in_addr ia;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		const char *a = optarg;

		switch (opt) {
		case O_MODE:
			if (fwd_engine_find(a) == NULL) {
				return bad("forward-mode", a, "unknown mode, see --help");
			}
			c->mode = a;
			break;
		case O_CORES:
			if (parse_uint("nb-cores", a, 1, RTE_MAX_LCORE, &v)) {
				return -1;
			}
			c->nb_cores = v;
			break;
		case O_RXQ:
		case O_TXQ:
			if (parse_uint(opt == O_RXQ ? "rxq" : "txq", a, 1, 64, &v)) {
				return -1;
			}
			*(opt == O_RXQ ? &c->rxq : &c->txq) = v;
			break;
		case O_RXD:
		case O_TXD:
			if (parse_uint(opt == O_RXD ? "rxd" : "txd", a, 32, 32768, &v)) {
				return -1;
			}
			*(opt == O_RXD ? &c->rxd : &c->txd) = v;
			break;
		case O_BURST:
			if (parse_uint("burst", a, 1, FWD_MAX_BURST, &v)) {
				return -1;
			}
			c->burst = v;
			break;
		case O_TXPKTS:
			if (parse_txpkts(c, a)) {
				return -1;
			}
			break;
		case O_STATS:
			if (parse_secs("stats-period", a, &c->stats_period)) {
				return -1;
			}
			break;
		case O_DURATION:
			if (parse_secs("duration", a, &c->duration)) {
				return -1;
			}
			break;
		case O_PEER:
			if (parse_peer(c, a)) {
				return -1;
			}
			break;
		case O_MBUFS:
			if (parse_uint("total-num-mbufs", a, 64, 1u << 26, &v)) {
				return -1;
			}
			c->total_mbufs = v;
			break;
		case O_MBCACHE:
			if (parse_uint("mbcache", a, 0, 512, &v)) {
				return -1;
			}
			c->mbcache = v;
			break;
		case O_MBUF_SIZE:
			if (parse_uint("mbuf-size", a, RTE_PKTMBUF_HEADROOM + 16,
				       UINT16_MAX, &v)) {
				return -1;
			}
			c->mbuf_size = v;
			break;
		case O_TOPO:
			if (strcmp(a, "paired") == 0) {
				c->topo = FWD_TOPO_PAIRED;
			} else if (strcmp(a, "chained") == 0) {
				c->topo = FWD_TOPO_CHAINED;
			} else if (strcmp(a, "loop") == 0) {
				c->topo = FWD_TOPO_LOOP;
			} else {
				return bad("port-topology", a, "paired, chained or loop");
			}
			break;
		case O_FLOWS:
			if (parse_uint("flowgen-flows", a, 1, 1u << 24, &v)) {
				return -1;
			}
			c->flowgen_flows = v;
			break;
		case O_JSON:
			if (a[0] == '\0') {
				return bad("json", a, "empty file name");
			}
			c->json = a;
			break;
		case O_POOL_OPS:
			if (strcmp(a, "percore") && strcmp(a, "ring_mp_mc") &&
			    strcmp(a, "stack")) {
				return bad("pool-ops", a, "percore, ring_mp_mc or stack");
			}
			c->pool_ops = a;
			break;
		case O_POOL_MODE:
			if (strcmp(a, "fast") && strcmp(a, "accounted")) {
				return bad("pool-mode", a, "fast or accounted");
			}
			c->pool_mode = a;
			break;
		case O_IP:
			if (inet_pton(AF_INET, a, &ia) != 1) {
				return bad("ip", a, "not an IPv4 address");
			}
			c->ip = ia.s_addr;
			c->has_ip = true;
			break;
		case O_PORT:
			if (a[0] == '\0') {
				return bad("port", a, "empty spec");
			}
			if (c->nb_specs == FWD_MAX_SPECS) {
				return bad("port", a, "more than 16 --port");
			}
			c->specs[c->nb_specs++] = a;
			break;
		case O_FLUSH:
			c->flush_rx = true;
			break;
		case O_NO_PROMISC:
			c->no_promisc = true;
			break;
		case O_NO_FLUSH:
			c->flush_rx = false;
			break;
		case O_AUTO_START:	/* nb-fwd always starts forwarding */
			break;
		case O_NO_LSC:
			c->no_lsc = true;
			break;
		case O_TX_FIRST:
			c->tx_first = true;
			break;
		case O_CSUM_KEEP_L2:
			c->csum_keep_l2 = true;
			break;
		case O_LATENCY:
			c->latency = true;
			break;
		case O_MAXLEN:
			if (parse_uint("max-pkt-len", a, RTE_ETHER_MIN_LEN, 65535, &v)) {
				return -1;
			}
			c->max_pkt_len = v;
			break;
		case O_PIPE_RING:
			if (parse_uint("pipeline-ring", a, 64, 1u << 20, &v)) {
				return -1;
			}
			if (!rte_is_power_of_2(v)) {
				return bad("pipeline-ring", a, "power of 2, 64..1048576");
			}
			c->pipeline_ring = (uint32_t)v;
			break;
		case O_IDLE:
			if (strcmp(a, "spin") == 0) {
				c->idle_spin = true;
			} else if (strcmp(a, "backoff") == 0) {
				c->idle_spin = false;
			} else {
				return bad("idle", a, "spin or backoff");
			}
			break;
		case O_BURST_STATS:
			c->burst_stats = true;
			break;
		case O_HELP:
			fwd_usage(stdout);
			return 1;
		case O_VERSION:
			printf("nb-fwd %s (%s)\n", NB_FWD_VERSION, rte_version());
			return 1;
		default:	/* ':' (no value) or '?' (unknown) */
			app_bad_option("nb-fwd", opt, argv);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "nb-fwd: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (c->latency && c->tx_pkt_len < FWD_STAMP_OFF + sizeof(struct fwd_stamp)) {
		fprintf(stderr, "nb-fwd: bad value for --txpkts: --latency needs at "
			"least %zu bytes\n", FWD_STAMP_OFF + sizeof(struct fwd_stamp));
		return -1;
	}
	if (fwd_engine_find(c->mode)->generator || c->latency) {
		unsigned int room = c->mbuf_size - RTE_PKTMBUF_HEADROOM, i;

		/* every segment is built in one buffer's data room */
		for (i = 0; i < c->nb_txpkts; i++) {
			if (c->txpkts[i] > room) {
				fprintf(stderr, "nb-fwd: bad value for --txpkts: "
					"segment %u is %u bytes, more than the "
					"%u-byte data room (--mbuf-size %u less "
					"%u of headroom)\n", i, c->txpkts[i],
					room, c->mbuf_size,
					RTE_PKTMBUF_HEADROOM);
				return -1;
			}
		}
	}
	return 0;
}
