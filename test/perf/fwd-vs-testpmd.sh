#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# nb-fwd against dpdk-testpmd (and the minimal static loop min_fwd), side by
# side on the same vdevs, cores, burst and packet size (issue 12).
#
#   test/perf/fwd-vs-testpmd.sh [--short] [--json FILE] [--plot FILE.png]
#       [--rounds N] [--steady N] [--cases a,b,...] [--no-sweep]
#       [--no-huge] [--fail-below R] [--build DIR]
#
# Per case, the programs run alternately (nb-fwd, testpmd, min_fwd, nb-fwd,
# testpmd, ... -- min_fwd only where it is the reference: io), one
# forwarding lcore each (lcore 1; the main lcore 0 only prints stats), and
# every 1 s period is read as it is printed. Start-up is skipped: the first
# period with traffic is partial and the one after it warms up (testpmd
# needs ~3 s to populate its pool before the first); the next --steady
# periods are kept (full mode: 3). Printed per case: the median Mpps of each program over
# its steady periods, and the median over the rounds of the per-round ratios
# nb-fwd/testpmd and nb-fwd/min_fwd (a round's rate: the median of its
# steady periods). Rates are sums over the ports: packets received, or sent
# for txonly; across memif, received by the receiving process.
#
# Cases: io mac macswap txonly rxonly 5tswap (two net_null ports, 64 B),
# txonly-3seg (--txpkts 64,64,64), memif-rx (dpdk-testpmd txonly -> X
# rxonly) and memif-tx (X txonly -> dpdk-testpmd rxonly), X = nb-fwd or
# dpdk-testpmd (the two processes on different cores, sockets in a temp dir
# removed by the trap). Then a sweep of burst size (8..256) and packet size
# (64..1518) for io and txonly, drawn with gnuplot (--plot, default
# fwd-vs-testpmd.png in the current directory).
#
# --short (CI): 1 round, no warm-up period, 1 steady period, no sweep
# (about 2 minutes; full mode: 5 rounds, 3 steady periods, about 20). --fail-below R: exit 1
# when a net_null case's median ratio nb-fwd/testpmd (or nb-fwd/min_fwd) is
# below R (the perf suite uses 0.5: a gross regression, never noise;
# without hugepages txonly-3seg, a known miss there, is held to 0.6 R). The
# memif cases are not gated: two processes polling on a shared 2-core
# machine are bimodal (the same pair, testpmd -> testpmd too, gives 6 or
# 20 Mpps from round to round, sometimes switching mid-run), so one short
# round can be off by 3x either way. Full mode runs the memif cases for
# twice the rounds and takes their ratio over the rounds where both
# programs ran in the fast regime (at least half the fastest round's rate),
# printing how many rounds each program spent there. A program
# that prints no steady period is an error (exit 1).
# Every DPDK process: --no-pci, a unique --file-prefix, --in-memory, or
# --no-huge --no-shconf -m 1024 with --no-huge or NB_TEST_NO_HUGE=1.
# Environment: NB_FWD, MIN_FWD, TESTPMD override the programs' paths.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${NB_BUILD_DIR:-build}
args=()
while (($#)); do
	case $1 in
	--build) build=${2:?--build DIR}; shift 2 ;;
	-h | --help) sed -n '3,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) args+=("$1"); shift ;;
	esac
done
[[ $build = /* ]] || build=$root/$build
export NB_FWD=${NB_FWD:-$build/app/nb-fwd/nb-fwd}
export MIN_FWD=${MIN_FWD:-$build/test/perf/min_fwd}
export TESTPMD=${TESTPMD:-$(command -v dpdk-testpmd || echo dpdk-testpmd)}
for p in "$NB_FWD" "$MIN_FWD" "$TESTPMD"; do
	if [[ ! -x $p ]]; then
		echo "fwd-vs-testpmd: $p not found (build first, apt-get install dpdk)" >&2
		exit 1
	fi
done

NB_BENCH_TMP=$(mktemp -d /tmp/nb-fwd-vs-testpmd.XXXXXX)
export NB_BENCH_TMP
cleanup() {
	# the python driver stops its own processes; this removes memif
	# sockets and logs whatever happened
	rm -rf "$NB_BENCH_TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

python3 - "${args[@]+"${args[@]}"}" <<'PY'
import json, os, re, signal, statistics, subprocess, sys, threading, time

NB_FWD, MIN_FWD, TESTPMD = os.environ["NB_FWD"], os.environ["MIN_FWD"], os.environ["TESTPMD"]
TMP = os.environ["NB_BENCH_TMP"]

def usage(msg):
    print("fwd-vs-testpmd: " + msg, file=sys.stderr)
    sys.exit(2)

opt = {"short": False, "json": None, "plot": "fwd-vs-testpmd.png", "rounds": None,
       "steady": None, "cases": None, "sweep": True, "fail_below": None,
       "no_huge": os.environ.get("NB_TEST_NO_HUGE", "0") not in ("", "0")}
av = sys.argv[1:]
while av:
    a = av.pop(0)
    def val():
        if not av:
            usage(a + " needs a value")
        return av.pop(0)
    if a == "--short": opt["short"] = True
    elif a == "--json": opt["json"] = val()
    elif a == "--plot": opt["plot"] = val()
    elif a == "--rounds": opt["rounds"] = int(val())
    elif a == "--steady": opt["steady"] = int(val())
    elif a == "--cases": opt["cases"] = val().split(",")
    elif a == "--no-sweep": opt["sweep"] = False
    elif a == "--no-huge": opt["no_huge"] = True
    elif a == "--fail-below": opt["fail_below"] = float(val())
    else: usage("unknown option " + a)
if opt["short"]:
    opt["sweep"] = False
ROUNDS = opt["rounds"] or (1 if opt["short"] else 5)
STEADY = opt["steady"] or (1 if opt["short"] else 3)
WARM = 0 if opt["short"] else 1   # periods skipped after the first with traffic

CASES = {  # name: (nb-fwd args, testpmd args, metric, target vs testpmd, min_fwd target)
    "io":          (["--forward-mode", "io"], ["--forward-mode=io"], "rx", 1.25, 0.97),
    "mac":         (["--forward-mode", "mac"], ["--forward-mode=mac"], "rx", 1.10, None),
    "macswap":     (["--forward-mode", "macswap"], ["--forward-mode=macswap"], "rx", 1.10, None),
    "5tswap":      (["--forward-mode", "5tswap"], ["--forward-mode=5tswap"], "rx", 1.10, None),
    "txonly":      (["--forward-mode", "txonly"], ["--forward-mode=txonly"], "tx", 1.10, None),
    "rxonly":      (["--forward-mode", "rxonly"], ["--forward-mode=rxonly"], "rx", 1.0, None),
    "txonly-3seg": (["--forward-mode", "txonly", "--txpkts", "64,64,64"],
                    ["--forward-mode=txonly", "--txpkts=64,64,64"], "tx", None, None),
    "memif-rx":    (["--forward-mode", "rxonly"], ["--forward-mode=rxonly"], "rx", 1.0, None),
    "memif-tx":    (["--forward-mode", "txonly"], ["--forward-mode=txonly"], "rx", 1.0, None),
}
cases = opt["cases"] or list(CASES)
for c in cases:
    if c not in CASES:
        usage("unknown case " + c)

seq = [0]
def eal(lcores="0-1", main=None):
    seq[0] += 1
    a = ["-l", lcores, "--no-pci", "--file-prefix", "nbvs%d_%d" % (os.getpid(), seq[0])]
    if main is not None:
        a += ["--main-lcore", str(main)]
    a += ["--no-huge", "--no-shconf", "-m", "1024"] if opt["no_huge"] else ["--in-memory"]
    return a

RE_NB = re.compile(r"^\[\s*[\d.]+s\] ")
RE_NB_PORT = re.compile(r"p(\d+) rx ([\d.]+) Mpps \S+ Gbit/s tx ([\d.]+) Mpps")
RE_MIN = re.compile(r"^\[\s*[\d.]+s\] rx ([\d.]+) Mpps")
RE_TP_PORT = re.compile(r"NIC statistics for port (\d+)")
RE_TP_PPS = re.compile(r"(Rx|Tx)-pps:\s+(\d+)")

class Run:
    """One program, its 1 s periods parsed as they are printed."""
    def __init__(self, kind, cmd, metric, nports, log):
        self.kind, self.metric, self.nports = kind, metric, nports
        self.periods, self.lines = [], []
        self.log = open(log, "w")
        self.p = subprocess.Popen(["stdbuf", "-oL"] + cmd, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, errors="replace", start_new_session=True)
        self.cmd = cmd
        self.t = threading.Thread(target=self.read, daemon=True)
        self.t.start()

    def read(self):
        cur, tp = None, {}
        for line in self.p.stdout:
            self.log.write(line)
            self.lines.append(line)
            if self.kind == "nb-fwd" and RE_NB.match(line):
                ports = RE_NB_PORT.findall(line)
                if ports:
                    i = 1 if self.metric == "rx" else 2
                    self.periods.append(sum(float(p[i]) for p in ports))
            elif self.kind == "min_fwd":
                m = RE_MIN.match(line)
                if m:
                    self.periods.append(float(m.group(1)))
            elif self.kind == "testpmd":
                m = RE_TP_PORT.search(line)
                if m:
                    cur = int(m.group(1))
                    continue
                m = RE_TP_PPS.search(line)
                if m and cur is not None and m.group(1).lower() == self.metric:
                    tp[cur] = int(m.group(2)) / 1e6
                    if len(tp) == self.nports:
                        self.periods.append(sum(tp.values()))
                        tp, cur = {}, None
        self.log.close()

    def steady(self):
        """Periods after the first with traffic and WARM more."""
        for i, r in enumerate(self.periods):
            if r > 0:
                return self.periods[i + 1 + WARM:]
        return []

    def stop(self):
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, signal.SIGINT)
                self.p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.p.pid, signal.SIGKILL)
                self.p.wait()
        self.t.join(timeout=5)

def measure(runs, meter, need, limit=60):
    """Start every run in runs, wait until meter has `need` steady periods."""
    t0 = time.time()
    try:
        while len(meter.steady()) < need:
            if meter.p.poll() is not None or time.time() - t0 > limit:
                break
            time.sleep(0.1)
    finally:
        for r in reversed(runs):
            r.stop()
    s = meter.steady()[:need]
    if os.environ.get("NB_BENCH_DEBUG"):
        print("    %.1f s, periods %s" % (time.time() - t0, meter.periods), file=sys.stderr)
    if not s:
        tail = "".join(meter.lines[-15:])
        print("fwd-vs-testpmd: no steady period from: %s\n%s" % (" ".join(meter.cmd), tail),
              file=sys.stderr)
        return None
    return statistics.median(s), s

logn = [0]
def log():
    logn[0] += 1
    return os.path.join(TMP, "run%d.log" % logn[0])

def null_vdevs(size=None):
    v = []
    for i in (0, 1):
        v += ["--vdev", "net_null%d" % i + (",size=%d" % size if size else "")]
    return v

def run_null(prog, case_args, metric, need, burst=None, size=None, extra_nb=(), extra_tp=()):
    if prog == "nb-fwd":
        cmd = [NB_FWD] + eal() + null_vdevs(size) + ["--", "--stats-period", "1",
               "--duration", "120"] + case_args + list(extra_nb)
        if burst: cmd += ["--burst", str(burst)]
    elif prog == "testpmd":
        cmd = [TESTPMD] + eal() + null_vdevs(size) + ["--", "--stats-period", "1",
               "--no-flush-rx"] + case_args + list(extra_tp)
        if burst: cmd += ["--burst=%d" % burst]
    else:
        cmd = [MIN_FWD] + eal() + null_vdevs(size) + ["--", "120", str(burst or 32)]
    r = Run(prog, cmd, metric, 2, log())
    return measure([r], r, need)

def run_memif(case, x, need):
    """memif-rx: testpmd txonly -> x rxonly; memif-tx: x txonly -> testpmd rxonly.
    The receiver is the memif server (started first) on lcore 1, the sender
    the client on lcore 0."""
    sock = os.path.join(TMP, "memif%d.sock" % (logn[0] + 1))
    def cmd(prog, mode, role, main):
        vd = ["--vdev", "net_memif0,role=%s,socket=%s" % (role, sock)]
        if prog == "nb-fwd":
            return [NB_FWD] + eal("0,1", main) + vd + ["--", "--stats-period", "1",
                    "--duration", "120", "--forward-mode", mode]
        return [TESTPMD] + eal("0,1", main) + vd + ["--", "--stats-period", "1",
                "--no-flush-rx", "--forward-mode=" + mode]
    rx_prog, tx_prog = (x, "testpmd") if case == "memif-rx" else ("testpmd", x)
    rx = Run(rx_prog, cmd(rx_prog, "rxonly", "server", 0), "rx", 1, log())
    for _ in range(100):
        if os.path.exists(sock) or rx.p.poll() is not None:
            break
        time.sleep(0.1)
    tx = Run(tx_prog, cmd(tx_prog, "txonly", "client", 1), "tx", 1, log())
    return measure([rx, tx], rx, need)

def med(v):
    return statistics.median(v) if v else None

machine = "unknown"
try:
    for l in open("/proc/cpuinfo"):
        if l.startswith("model name"):
            machine = l.split(":", 1)[1].strip()
            break
except OSError:
    pass
ncpu = os.cpu_count()
stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
print("nb-fwd vs dpdk-testpmd: machine \"%s\" (%d CPUs), %s, %s, %d round(s) x %d steady 1 s period(s)"
      % (machine, ncpu, stamp, "no hugepages" if opt["no_huge"] else "hugepages", ROUNDS, STEADY),
      flush=True)

failed = False
results = []
for c in cases:
    nb_args, tp_args, metric, target, min_target = CASES[c]
    progs = ["nb-fwd", "testpmd"] + (["min_fwd"] if min_target else [])
    per = {p: [] for p in progs}
    rounds = []
    nrounds = ROUNDS * 2 if c.startswith("memif") and not opt["short"] else ROUNDS
    for rnd in range(nrounds):
        row = {}
        for p in progs:
            if c.startswith("memif"):
                r = run_memif(c, p, STEADY)
            else:
                r = run_null(p, nb_args if p == "nb-fwd" else tp_args, metric, STEADY)
            if r is None:
                failed = True
                continue
            row[p] = r[0]
            per[p] += r[1]
        rounds.append(row)
        print("  %-12s round %d: %s" % (c, rnd + 1, "  ".join("%s %.2f" % (k, v) for k, v in row.items())),
              flush=True)
    both = [r for r in rounds if r.get("testpmd") and "nb-fwd" in r]
    regime = None
    if c.startswith("memif") and both:
        # memif between two polling processes is bistable (the same pair,
        # testpmd -> testpmd included, runs at ~20 or ~6 Mpps, switching
        # at random, also mid-run): compare only rounds where both
        # programs ran in the fast regime (>= half the fastest round)
        cut = max(max(r["nb-fwd"], r["testpmd"]) for r in both) / 2
        fast = [r for r in both if r["nb-fwd"] >= cut and r["testpmd"] >= cut]
        regime = {"cut_mpps": cut, "rounds": len(both), "both_fast": len(fast),
                  "nb-fwd_fast": sum(r["nb-fwd"] >= cut for r in both),
                  "testpmd_fast": sum(r["testpmd"] >= cut for r in both)}
        if fast:
            both = fast
    rt = [r["nb-fwd"] / r["testpmd"] for r in both]
    rm = [r["nb-fwd"] / r["min_fwd"] for r in rounds if r.get("min_fwd") and "nb-fwd" in r]
    res = {"case": c, "metric": metric, "rounds": rounds,
           "mpps": {p: med(per[p]) for p in progs},
           "ratio_testpmd": med(rt), "ratio_min_fwd": med(rm),
           "target_testpmd": target, "target_min_fwd": min_target,
           "regime": regime}
    res["met"] = ((target is None or (res["ratio_testpmd"] or 0) >= target) and
                  (min_target is None or (res["ratio_min_fwd"] or 0) >= min_target))
    results.append(res)

def fmt(v, f="%.2f"):
    return "-" if v is None else f % v

print()
print("machine \"%s\" (%d CPUs), %s; Mpps = median of steady 1 s periods, sum over ports;"
      % (machine, ncpu, stamp))
print("ratio = median over %d interleaved rounds of nb-fwd/other (memif: see below)" % ROUNDS)
hdr = "%-12s %9s %9s %9s %12s %12s  %s" % ("case", "nb-fwd", "testpmd", "min_fwd",
                                            "nb/testpmd", "nb/min_fwd", "target")
print(hdr)
print("-" * len(hdr))
for r in results:
    tg = []
    if r["target_testpmd"] is not None:
        tg.append(">= %.2f" % r["target_testpmd"])
    if r["target_min_fwd"] is not None:
        tg.append(">= %.2f min" % r["target_min_fwd"])
    status = ("met" if r["met"] else "MISSED") if tg else ""
    print("%-12s %9s %9s %9s %12s %12s  %s %s" % (
        r["case"], fmt(r["mpps"].get("nb-fwd")), fmt(r["mpps"].get("testpmd")),
        fmt(r["mpps"].get("min_fwd")), fmt(r["ratio_testpmd"], "%.3f"),
        fmt(r["ratio_min_fwd"], "%.3f"), ", ".join(tg), status))
    if opt["fail_below"] is not None and not r["case"].startswith("memif"):
        gate = opt["fail_below"]
        if opt["no_huge"] and r["case"] == "txonly-3seg":
            # Without hugepages this case is a known miss (0.57x measured:
            # nb-fwd's first write into each new segment misses the TLB on
            # 4 KiB pages; README, Performance): keep a gate that still
            # catches a collapse, but not one that one noisy round trips.
            gate = gate * 0.6
        for k in ("ratio_testpmd", "ratio_min_fwd"):
            if r[k] is not None and r[k] < gate:
                print("fwd-vs-testpmd: %s %s %.3f below %.2f: gross regression"
                      % (r["case"], k, r[k], gate), file=sys.stderr)
                failed = True
for r in results:
    g = r["regime"]
    if g:
        print("%s: fast regime (>= %.1f Mpps) nb-fwd %d/%d rounds, testpmd %d/%d; "
              "ratio over the %d round(s) where both were fast%s"
              % (r["case"], g["cut_mpps"], g["nb-fwd_fast"], g["rounds"], g["testpmd_fast"],
                 g["rounds"], g["both_fast"] or g["rounds"],
                 "" if g["both_fast"] else " (none: over all rounds)"))
sys.stdout.flush()

sweep = []
if opt["sweep"]:
    print("\nsweep (1 round, %d steady periods per point):" % STEADY, flush=True)
    points = [("burst", b) for b in (8, 16, 32, 64, 128, 256)] + \
             [("size", s) for s in (64, 128, 256, 512, 1024, 1518)]
    for mode in ("io", "txonly"):
        nb_args, tp_args, metric, _, _ = CASES[mode]
        for kind, v in points:
            row = {"mode": mode, "param": kind, "value": v}
            for p in ("nb-fwd", "testpmd"):
                a = list(nb_args if p == "nb-fwd" else tp_args)
                size = None
                if kind == "size" and mode == "txonly":
                    a += ["--txpkts", str(v)] if p == "nb-fwd" else ["--txpkts=%d" % v]
                elif kind == "size":
                    size = v
                r = run_null(p, a, metric, STEADY, burst=v if kind == "burst" else None, size=size)
                if r is None:
                    failed = True
                row[p] = r[0] if r else None
            sweep.append(row)
            print("  %-6s %-5s %5d: nb-fwd %s testpmd %s" % (mode, kind, v, fmt(row["nb-fwd"]),
                                                           fmt(row["testpmd"])), flush=True)
    if opt["plot"]:
        dat = os.path.join(TMP, "sweep.dat")
        with open(dat, "w") as f:
            for kind in ("burst", "size"):
                for mode in ("io", "txonly"):
                    for s in sweep:
                        if s["param"] == kind and s["mode"] == mode:
                            f.write("%d %s %s\n" % (s["value"], fmt(s["nb-fwd"], "%.3f").replace("-", "NaN"),
                                                    fmt(s["testpmd"], "%.3f").replace("-", "NaN")))
                    f.write("\n\n")
        gp = """set terminal pngcairo size 1100,420 font ',10' noenhanced
set output '%s'
set multiplot layout 1,2 title "nb-fwd vs dpdk-testpmd, two net_null ports, one forwarding lcore\\n%s, %s"
set grid
set key bottom center
set ylabel 'Mpps (sum over ports)'
set yrange [0:*]
set logscale x 2
set xlabel 'burst size (64 B packets)'
set xrange [6:340]
set xtics (8,16,32,64,128,256)
plot '%s' index 0 u 1:2 w lp lw 2 pt 7 lc rgb '#1f77b4' t 'nb-fwd io', \\
     '' index 0 u 1:3 w lp lw 2 pt 5 dt 2 lc rgb '#1f77b4' t 'testpmd io', \\
     '' index 1 u 1:2 w lp lw 2 pt 7 lc rgb '#d62728' t 'nb-fwd txonly', \\
     '' index 1 u 1:3 w lp lw 2 pt 5 dt 2 lc rgb '#d62728' t 'testpmd txonly'
set xlabel 'packet size, bytes (burst 32)'
set xrange [50:2000]
set xtics (64,128,256,512,1024,1518)
plot '%s' index 2 u 1:2 w lp lw 2 pt 7 lc rgb '#1f77b4' t 'nb-fwd io', \\
     '' index 2 u 1:3 w lp lw 2 pt 5 dt 2 lc rgb '#1f77b4' t 'testpmd io', \\
     '' index 3 u 1:2 w lp lw 2 pt 7 lc rgb '#d62728' t 'nb-fwd txonly', \\
     '' index 3 u 1:3 w lp lw 2 pt 5 dt 2 lc rgb '#d62728' t 'testpmd txonly'
unset multiplot
""" % (opt["plot"], machine, stamp, dat, dat)
        g = subprocess.run(["gnuplot"], input=gp, text=True)
        if g.returncode != 0:
            print("fwd-vs-testpmd: gnuplot failed", file=sys.stderr)
            failed = True
        else:
            print("plot: " + opt["plot"])

if opt["json"]:
    with open(opt["json"], "w") as f:
        json.dump({"machine": machine, "cpus": ncpu, "date": stamp,
                   "hugepages": not opt["no_huge"], "rounds": ROUNDS, "steady_periods": STEADY,
                   "cases": results, "sweep": sweep}, f, indent=1)
        f.write("\n")
sys.exit(1 if failed else 0)
PY
