#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn a `make bench` console log into results.

    bench-report.py LOG OUTDIR

Writes OUTDIR/raw/<series>.txt (one sample per line), OUTDIR/summary.md
(the table, with every goal and whether it was met), OUTDIR/latency.png
and OUTDIR/cpu.png (distributions, by gnuplot), and prints the table.
Exit status 1 when the log lacks a benchmark (one could not run) of the
modes that ran (all, or those of BENCH_ONLY).

The profiler benchmark's profiles (gperftools' format, gzipped, in base64
in the log) go to OUTDIR/raw/profiles/<run>.prof, their paths of the VM
changed to the host's, and are read with google-pprof against the
workload's binary: ITG_PROFWORK (default build/bench/itg_profwork), with
ITG_PRELOAD_LIB and ITG_PROFILER_LIB for the libraries' samples.  Its
table goes to summary.md, its shares to OUTDIR/profiler.png.
"""
import base64
import gzip
import math
import os
import re
import struct
import subprocess
import sys

log, out = sys.argv[1], sys.argv[2]
os.makedirs(os.path.join(out, "raw"), exist_ok=True)

bench = {}   # (benchmark, series) -> {key: value}
scale = []   # (series, {key: value}): one per count
raw = {}     # "benchmark.series" -> [samples]
for line in open(log, errors="replace"):
    line = line.strip()
    if line.startswith("BENCH "):
        parts = line.split()
        fields = dict(p.split("=", 1) for p in parts[3:] if "=" in p)
        bench[(parts[1], parts[2])] = fields
        if parts[1] == "scale":
            scale.append((parts[2], fields))
    elif line.startswith("RAW "):
        _, series, value = line.split()
        raw.setdefault(series, []).append(int(value))

# The "perf" benchmark: each operation's profile, as perf report gave it.
perf = {}    # operation -> [lines]
cur_perf = None
for line in open(log, errors="replace"):
    line = line.rstrip("\n")
    if line.startswith("PERF-BEGIN "):
        cur_perf = line.split()[1]
        perf[cur_perf] = []
    elif line.startswith("PERF-END "):
        cur_perf = None
    elif cur_perf:
        perf[cur_perf].append(line.strip())
for op, lines in perf.items():
    with open(os.path.join(out, "raw", f"perf_{op}.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")

for series, values in raw.items():
    with open(os.path.join(out, "raw", series + ".txt"), "w") as f:
        f.write("\n".join(map(str, values)) + "\n")


def get(b, s, k):
    try:
        return float(bench[(b, s)][k])
    except KeyError:
        return None


rows = []        # (benchmark, module, reference, ratio, goal, met)
missing = []


def ratio_row(name, b, ours, theirs, key, goal_text, ok, unit="ns"):
    a, r = get(b, ours, key), get(b, theirs, key)
    if a is None or r is None:
        missing.append(name)
        return None
    ratio = a / r if r else float("inf")
    rows.append((name, f"{a:.0f} {unit}", f"{theirs}: {r:.0f} {unit}",
                 f"{ratio:.2f}x", goal_text, "yes" if ok(ratio) else "NO"))
    return ratio


for scope in ("shared", "private"):
    ratio_row(f"arm + disarm, {scope} group, 1 thread (median ns/op)", "ops",
              f"arm_disarm_module_{scope}_1thread",
              "arm_disarm_setitimer_1thread", "p50", "<= 1.3x setitimer",
              lambda x: x <= 1.3)
    ratio_row(f"arm + disarm, old setting read, {scope} group, 1 thread",
              "ops", f"arm_disarm_old_module_{scope}_1thread",
              "arm_disarm_old_setitimer_1thread", "p50", "(reference)",
              lambda x: True)
    ratio_row(f"get, {scope} group, 1 thread (median ns/op)", "ops",
              f"get_module_{scope}_1thread", "get_getitimer_1thread", "p50",
              "<= 1.3x getitimer", lambda x: x <= 1.3)
ratio_row("arm + disarm vs POSIX, shared group, 1 thread", "ops",
          "arm_disarm_module_shared_1thread",
          "arm_disarm_timer_settime_1thread", "p50", "(reference)",
          lambda x: True)
ratio_row("arm + disarm, private groups, 8 threads at once (ns/op a thread)",
          "ops", "arm_disarm_module_private_8threads",
          "arm_disarm_timer_settime_8threads", "p50", "(reference)",
          lambda x: True)
# Scaling: 8 threads' cost per op against one thread's, ours against POSIX.
m1, m8, p1, p8 = (get("ops", s, "p50") for s in (
    "arm_disarm_module_private_1thread", "arm_disarm_module_private_8threads",
    "arm_disarm_timer_settime_1thread", "arm_disarm_timer_settime_8threads"))
if None in (m1, m8, p1, p8):
    missing.append("arm + disarm scaling, 8 threads")
else:
    rows.append(("arm + disarm scaling: 8 threads / 1 thread",
                 f"{m8 / m1:.2f}x", f"timer_settime: {p8 / p1:.2f}x",
                 f"{(m8 / m1) / (p8 / p1):.2f}x",
                 "<= timer_settime's scaling",
                 "yes" if m8 / m1 <= p8 / p1 else "NO"))
# What any call costs before it does anything (to read the rows above).
ratio_row("ioctl floor: ENOTTY on the device", "ops", "ioctl_enotty_module",
          "syscall_getppid", "p50", "(reference)", lambda x: True)
for shape in ("oneshot", "periodic"):
    ratio_row(f"REAL {shape} latency p99", "latency", f"{shape}_module",
              f"{shape}_setitimer", "p99", "<= 1.1x native",
              lambda x: x <= 1.1)
    ratio_row(f"REAL {shape} latency p99 vs POSIX", "latency",
              f"{shape}_module", f"{shape}_timer_create", "p99",
              "<= 1.1x native", lambda x: x <= 1.1)

# Timer descriptors (ITG_IOC_TIMER_FD): an epoll wait's wake-up.
ratio_row("fd: REAL descriptor, epoll wake-up p99", "fd", "real_module_fd",
          "real_timerfd", "p99", "<= 1.1x timerfd", lambda x: x <= 1.1)
ratio_row("fd: PROF descriptor, CPU lateness p99", "fd", "prof_module_fd",
          "prof_module_signal", "p99", "no worse than our PROF signal",
          lambda x: x <= 1.0)

d, n = get("drift", "module", "drift_periods"), get("drift", "setitimer",
                                                   "drift_periods")
if d is None or n is None:
    missing.append("drift")
else:
    # Natively, expiries that come while the signal is pending are lost:
    # the handler's count lags, which this measure shows as drift.
    rows.append(("drift over 10,000 periods of 1 ms", f"{d:.3f} periods",
                 f"setitimer: {n:.3f} periods (lost expiries)", "",
                 "<= 1 period", "yes" if abs(d) <= 1 else "NO"))

for t in ("prof", "virtual"):
    ours = get("cpu", f"{t}_module", "p99")
    native = get("cpu", f"{t}_setitimer", "p99")
    floor = get("cpu", "real_setitimer_wall", "p99")
    if None in (ours, native, floor):
        missing.append(f"cpu {t}")
        continue
    ok = ours <= native / 4 and ours <= 1.5 * floor
    rows.append((f"{t.upper()} lateness p99 (CPU ns)", f"{ours:.0f} ns",
                 f"setitimer: {native:.0f} ns; REAL floor {floor:.0f} ns",
                 f"{ours / native:.2f}x / {ours / floor:.2f}x",
                 "<= 1/4 native, <= 1.5x REAL p99", "yes" if ok else "NO"))
posix = get("cpu", "prof_timer_create", "p99")
if posix is not None and get("cpu", "prof_module", "p99") is not None:
    ours = get("cpu", "prof_module", "p99")
    rows.append(("PROF lateness p99 vs POSIX CPU clock", f"{ours:.0f} ns",
                 f"timer_create: {posix:.0f} ns", f"{ours / posix:.2f}x",
                 "(reference)", "yes"))



def median(v):
    v = sorted(v)
    return v[len(v) // 2] if v else None


# Context switches: every repetition of every round (they alternate with
# the module unloaded, loaded and armed), median against median.  Noise:
# half the relative min-max spread of the runs without the module.
nl = raw.get("pingpong.module_not_loaded", [])
base = median(nl)
noise = (max(nl) - min(nl)) / 2 / base if base else 0
for label, goal, limit in (
        ("loaded_idle", f"within noise (+-{noise * 100:.0f} %)", 1 + noise),
        ("prof_armed", "<= 1.05x", 1.05),
        ("prof_armed_10000_processes", "<= 1.05x", 1.05)):
    v = median(raw.get(f"pingpong.{label}", []))
    if v is None or base is None:
        missing.append(f"pingpong {label}")
        continue
    runs = len(raw.get(f"pingpong.{label}", []))
    rows.append((f"context switch round trip, {label} ({runs} runs)",
                 f"{v:.0f} ns", f"not loaded: {base:.0f} ns",
                 f"{v / base:.2f}x", goal,
                 "yes" if v / base <= limit else "NO"))

mem = bench.get(("memory", "groups"))
if mem:
    per = int(mem["bytes_per_group"])
    rows.append(("memory per group (slab)", f"{per} B",
                 f"per armed timer: {mem['bytes_per_armed_timer']} B", "",
                 "<= 512 B", "yes" if per <= 512 else "NO"))
else:
    missing.append("memory")

scale_lines = []
for what in ("private_groups", "shared_threads"):
    pts = sorted((int(f["count"]), f) for s, f in scale if s == what)
    if not pts:
        missing.append(f"scale {what}")
        continue
    first, last = pts[0][1], pts[-1][1]
    grow = int(last["arm_disarm_ns"]) / max(int(first["arm_disarm_ns"]), 1)
    rows.append((f"scale: arm cost, {what}, {pts[0][0]} -> {pts[-1][0]}",
                 f"{last['arm_disarm_ns']} ns", f"at {pts[0][0]}: "
                 f"{first['arm_disarm_ns']} ns", f"{grow:.2f}x",
                 "flat (<= 2x)", "yes" if grow <= 2 else "NO"))
    for count, f in pts:
        scale_lines.append(f"| {what} | {count} | {f['arm_disarm_ns']} | "
                           f"{f['expiry_p50_ns']} | {f['expiry_p99_ns']} |")


# ---- profiler: gperftools' CPU profiler on a workload of known truth ----
top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
profwork = os.environ.get("ITG_PROFWORK",
                          os.path.join(top, "build", "bench", "itg_profwork"))
# The VM's paths of what the profiles map, and the host's files for them.
vm_paths = {
    b"/tests/itg_profwork": profwork,
    b"/tests/libitg_preload.so": os.environ.get(
        "ITG_PRELOAD_LIB",
        os.path.join(top, "build", "preload", "libitg_preload.so")),
    b"/tests/libprofiler.so.0": os.environ.get(
        "ITG_PROFILER_LIB", "/usr/lib/x86_64-linux-gnu/libprofiler.so.0"),
}
PROF_MODES = ("native", "pertimer", "module")
PROF_FREQS = ("1000", "250")
PROF_SHAPES = ("2busy", "4busy")

prof_runs = {}    # run id -> its settings, truth, profile
cur = None
for line in open(log, errors="replace"):
    line = line.strip()
    if line.startswith("PROFILER-RUN "):
        parts = line.split()
        cur = {"id": parts[1], "truth": {}, "b64": None, "interrupts": None}
        cur.update(p.split("=", 1) for p in parts[2:] if "=" in p)
        prof_runs[parts[1]] = cur
    elif cur is None:
        continue
    elif line.startswith("PROFWORK func="):
        f = dict(p.split("=", 1) for p in line.split()[1:] if "=" in p)
        cur["truth"][f["func"]] = int(f["cpu_ns"])
    elif line.startswith("PROFILE: interrupts/evictions/bytes = "):
        cur["interrupts"] = int(line.split("= ")[1].split("/")[0])
    elif line == f"PROFILE-BEGIN {cur['id']}":
        cur["b64"] = []
    elif line == f"PROFILE-END {cur['id']}":
        cur["done"] = True
    elif cur["b64"] is not None and "done" not in cur and \
            re.fullmatch(r"[A-Za-z0-9+/=]+", line):
        cur["b64"].append(line)


def parse_profile(data):
    """gperftools' CPU profile: (period in us, [(count, pcs)], end of the
    samples, where the text of /proc/self/maps starts)."""
    hdr = struct.unpack_from("<5Q", data, 0)
    if hdr[0] != 0 or hdr[1] != 3:
        raise ValueError("not a CPU profile")
    pos, stacks = 8 * 5, []
    while True:
        count, n = struct.unpack_from("<2Q", data, pos)
        pcs = struct.unpack_from(f"<{n}Q", data, pos + 16)
        pos += 16 + 8 * n
        if count == 0 and n == 1 and pcs[0] == 0:
            return hdr[3], stacks, pos
        stacks.append((count, pcs))


def pprof_text(prof):
    """google-pprof --text: (total, {function: flat}, {function: cum})."""
    text = subprocess.run(
        ["google-pprof", "--text", "--nodefraction=0", "--edgefraction=0",
         "--nodecount=100000", profwork, prof], capture_output=True,
        text=True, check=True).stdout
    total, flat, cum = None, {}, {}
    for ln in text.splitlines():
        m = re.match(r"Total: (\d+) samples", ln)
        if m:
            total = int(m.group(1))
        m = re.match(r"\s*(\d+)\s+\S+%\s+\S+%\s+(\d+)\s+\S+%\s+(\S+)", ln)
        if m:
            flat[m.group(3)] = flat.get(m.group(3), 0) + int(m.group(1))
            cum[m.group(3)] = max(cum.get(m.group(3), 0), int(m.group(2)))
    if total is None:
        raise ValueError("no total in google-pprof's output")
    return total, flat, cum


def nm_text(stacks):
    """Without google-pprof: the workload's own functions by nm (it is not
    PIE: its addresses are the link-time ones)."""
    syms = []
    text = subprocess.run(["nm", "-S", "--defined-only", profwork],
                          capture_output=True, text=True, check=True).stdout
    for ln in text.splitlines():
        f = ln.split()
        if len(f) == 4 and f[2] in "tT":
            syms.append((int(f[0], 16), int(f[1], 16), f[3]))

    def name(pc):
        for start, size, n in syms:
            if start <= pc < start + size:
                return n
        return None

    total, flat, cum = 0, {}, {}
    for count, pcs in stacks:
        total += count
        leaf = name(pcs[0])
        if leaf:
            flat[leaf] = flat.get(leaf, 0) + count
        # Return addresses: the call is the byte before.
        for n in {leaf} | {name(pc - 1) for pc in pcs[1:]}:
            if n:
                cum[n] = cum.get(n, 0) + count
    return total, flat, cum


os.makedirs(os.path.join(out, "raw", "profiles"), exist_ok=True)
prof_notes = []
for rid, r in sorted(prof_runs.items()):
    if not r.get("done") or not r["b64"] or not r["truth"]:
        continue
    try:
        data = gzip.decompress(base64.b64decode("".join(r["b64"])))
        period, stacks, text_at = parse_profile(data)
    except (ValueError, OSError, EOFError, struct.error) as e:
        prof_notes.append(f"{rid}: unreadable profile ({e})")
        continue
    maps = data[text_at:]
    for vm, host in vm_paths.items():
        maps = maps.replace(vm, os.fsencode(host))
    path = os.path.join(out, "raw", "profiles", rid + ".prof")
    with open(path, "wb") as f:
        f.write(data[:text_at] + maps)
    try:
        total, flat, cum = pprof_text(path)
        r["reader"] = "google-pprof"
    except (OSError, subprocess.CalledProcessError, ValueError) as e:
        prof_notes.append(f"{rid}: google-pprof failed ({e}); read by nm")
        try:
            total, flat, cum = nm_text(stacks)
        except (OSError, subprocess.CalledProcessError) as e:
            prof_notes.append(f"{rid}: nm failed too ({e})")
            continue
        r["reader"] = "nm"
    if total != sum(c for c, _ in stacks):
        prof_notes.append(f"{rid}: google-pprof counts {total} samples, "
                          f"the file {sum(c for c, _ in stacks)}")
    fields = bench.get(("profiler", rid), {})
    r.update(samples=total, flat=flat, period_us=period,
             sleeping=max(cum.get("sleeper", 0),
                          cum.get("sleeper_thread", 0)),
             expirations=int(fields.get("expirations", 0)),
             signals=int(fields.get("signals_sent", 0)),
             overruns=int(fields.get("overruns", 0)))


def prof_cell(mode, shape, freq):
    """The runs of a cell, pooled: samples and truths summed (a share's
    sampling noise shrinks with the number of samples)."""
    runs = [r for r in prof_runs.values() if "samples" in r and
            (r["mode"], r["shape"], r["freq"]) == (mode, shape, freq)]
    if not runs:
        return None
    funcs = sorted(f for f in runs[0]["truth"] if f.startswith("burn_"))
    c = {"runs": len(runs), "funcs": funcs}
    samples = sum(r["samples"] for r in runs)
    cpu = sum(sum(r["truth"].values()) for r in runs)
    c["ratio"] = samples / (cpu / 1e9 * int(freq))
    exp = sum(r["expirations"] for r in runs)
    c["per_exp"] = samples / exp if exp else None
    # The module's own count: its timer against the truth, and how many
    # expirations were folded into a signal still pending (overruns).
    c["exp_ratio"] = exp / (cpu / 1e9 * int(freq))
    c["folded"] = sum(r["overruns"] for r in runs) / exp if exp else None
    c["shares"] = {f: (sum(r["truth"].get(f, 0) for r in runs) / cpu,
                       sum(r["flat"].get(f, 0) for r in runs) / samples)
                   for f in funcs}
    c["worst"] = max(abs(p - t) for t, p in c["shares"].values()) * 100
    # One standard deviation of a share drawn by that many fair samples.
    c["noise"] = max(math.sqrt(t * (1 - t) / samples)
                     for t, _ in c["shares"].values()) * 100
    c["sleeping"] = sum(r["sleeping"] for r in runs) / samples * 100
    c["run_worst"] = [max(abs(r["flat"].get(f, 0) / r["samples"] -
                              r["truth"][f] / sum(r["truth"].values()))
                          for f in funcs) * 100 for r in runs]
    c["run_ratio"] = [r["samples"] / (sum(r["truth"].values()) / 1e9 *
                                      int(freq)) for r in runs]
    ok = c["ratio"] >= 0.95 and c["worst"] <= 2 and c["sleeping"] < 1
    if mode == "module":
        ok = ok and c["per_exp"] is not None and \
            abs(c["per_exp"] - 1) <= 0.03
    c["ok"] = ok
    return c


prof_lines = []
prof_goal = (">= 0.95 x CPU x F, within 3 % of expirations, shares "
             "within 2 pp, sleeping < 1 %")
for freq in PROF_FREQS:
    for shape in PROF_SHAPES:
        cells = {m: prof_cell(m, shape, freq) for m in PROF_MODES}
        for m, c in cells.items():
            if c is None:
                missing.append(f"profiler {m} {shape} {freq} Hz")
                continue
            met = ("yes" if c["ok"] else "NO") if m == "module" else \
                ("(yes)" if c["ok"] else "(no)")
            pe = f"{c['per_exp']:.3f}" if c["per_exp"] else "-"
            ex = (f"{c['exp_ratio']:.3f}; {c['folded'] * 100:.1f} %"
                  if c["per_exp"] else "-")
            prof_lines.append(
                f"| {m} | {freq} | {shape} | {c['runs']} | "
                f"{c['ratio']:.3f} ({min(c['run_ratio']):.2f}-"
                f"{max(c['run_ratio']):.2f}) | {pe} | {ex} | {c['worst']:.2f} "
                f"({min(c['run_worst']):.1f}-{max(c['run_worst']):.1f}) | "
                f"{c['noise']:.2f} | {c['sleeping']:.2f} % | {met} |")
        c = cells["module"]
        if c is None:
            continue
        refs = "; ".join(f"{m}: {cells[m]['ratio']:.2f}, "
                         f"{cells[m]['worst']:.1f} pp, "
                         f"{cells[m]['sleeping']:.1f} %"
                         for m in ("native", "pertimer") if cells[m])
        native = cells["native"]
        rows.append((f"profiler {shape} {freq} Hz: samples, share error, "
                     "sleeping thread",
                     f"{c['ratio']:.3f} x CPU x F, {c['per_exp'] or 0:.3f} x "
                     f"expirations; {c['worst']:.2f} pp; "
                     f"{c['sleeping']:.2f} %",
                     refs, f"{c['ratio'] / native['ratio']:.2f}x samples"
                     if native else "", prof_goal,
                     "yes" if c["ok"] else "NO"))
prof_table = (
    "| mode | F (Hz) | shape | runs | samples / (CPU x F) (per run) | "
    "samples / expirations | expirations / (CPU x F); folded | "
    "worst share error, pp (per run) | noise, pp | sleeping thread | met |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|\n"
    + "\n".join(prof_lines) + "\n") if prof_lines else ""

header = ("| benchmark | module | native (same run) | ratio | goal | met |\n"
          "|---|---|---|---|---|---|\n")
table = header + "\n".join("| " + " | ".join(r) + " |" for r in rows) + "\n"
scale_table = ("| series | count | arm+disarm ns | expiry p50 ns | "
               "expiry p99 ns |\n|---|---|---|---|---|\n"
               + "\n".join(scale_lines) + "\n")
unmet = [r[0] for r in rows if r[5] == "NO"]

with open(os.path.join(out, "summary.md"), "w") as f:
    f.write("# itimer groups: benchmark results\n\n"
            "Measured side by side with the kernel's native timers in one "
            "VM run (QEMU TCG, 2 vCPUs): only ratios and distributions "
            "mean something.\n\n" + table + "\n## Scale\n\n" + scale_table)
    if prof_table:
        f.write("\n## Profiler\n\n"
                "gperftools' CPU profiler (libprofiler, LD_PRELOAD) on "
                "itg_profwork, whose threads burn known CPU time in "
                "functions of their own, and a thread that sleeps. native: "
                "its setitimer(ITIMER_PROF); pertimer: "
                "CPUPROFILE_PER_THREAD_TIMERS (a POSIX CPU timer per "
                "thread); module: its setitimer routed to the module's "
                "shared group by the preload library.  The runs of a cell "
                "are pooled.  Share error: a function's share of the "
                "samples (as leaf) minus its thread's share of the CPU "
                "time, the worst function's; noise: one standard "
                "deviation of a share drawn by that many fair samples; "
                "sleeping thread: samples whose stack holds it; folded: "
                "the module's expirations that went as overruns of a "
                "signal still pending, not as a signal of their own.  "
                "Goals ("
                + prof_goal + ") are the module's; in parentheses, what "
                "the other modes would get on those that apply to them.\n\n"
                + prof_table)
        if prof_notes:
            f.write("\n" + "".join(f"- {n}\n" for n in prof_notes))
    if perf:
        f.write("\n## Where an operation's time goes (perf in the VM)\n\n"
                "perf record -e cpu-clock on `itg_bench oploop OP`, the "
                "symbols above 1 % of the samples (overhead, symbol):\n")
        for op, lines in perf.items():
            f.write(f"\n### {op}\n\n```\n" + "\n".join(lines[:25]) +
                    "\n```\n")
    f.write("\n## Goals not met\n\n" +
            ("".join(f"- {u}\n" for u in unmet) if unmet else "None.\n"))
    f.write("\nPlots: latency.png (ITIMER_REAL expiry to handler), cpu.png "
            "(CPU-time lateness), fd.png (timer descriptors' wake-up), "
            "profiler.png (profile share against CPU share). Raw samples: "
            "raw/ (profiles: raw/profiles/).\n")

print(table)
print(scale_table)
if prof_table:
    print(prof_table)
for n in prof_notes:
    print("bench-report: profiler: " + n, file=sys.stderr)
print("goals not met: " + (", ".join(unmet) if unmet else "none"))

# Plots: empirical distributions (sorted samples against their rank).
plots = {
    "latency.png": ("ITIMER_REAL: expiry to handler (us)",
                    [s for s in raw if s.startswith("latency.")]),
    "cpu.png": ("CPU-time timers: lateness (us of CPU; REAL: wall)",
                [s for s in raw if s.startswith("cpu.")]),
    "fd.png": ("Timer descriptors: epoll wake-up (REAL: us of wall time; "
               "PROF: us of CPU time)",
               [s for s in raw if s.startswith("fd.")]),
}
for png, (title, series) in plots.items():
    if not series:
        continue
    cmds = ["set terminal png size 1000,650 noenhanced",
            f"set output '{out}/{png}'",
            f"set title '{title}'", "set xlabel 'fraction of samples'",
            "set ylabel 'microseconds'", "set logscale y", "set grid",
            "set key top left"]
    plot = []
    for s in sorted(series):
        n = len(raw[s])
        plot.append(f"'{out}/raw/{s}.txt' using ($0/{n}):($1/1000.0+0.001) "
                    f"with lines lw 2 title '{s.split('.', 1)[1]}'")
    cmds.append("plot " + ", ".join(plot))
    try:
        subprocess.run(["gnuplot"], input="\n".join(cmds), text=True,
                       check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"bench-report: no plot {png}: {e}", file=sys.stderr)


# Profile share against CPU share, per function, one point set per mode.
prof_sets = []
for m in PROF_MODES:
    pts = []
    for freq in PROF_FREQS:
        for shape in PROF_SHAPES:
            c = prof_cell(m, shape, freq)
            if c:
                pts += [f"{t * 100:.3f} {p * 100:.3f} {f} {shape} {freq}"
                        for f, (t, p) in c["shares"].items()]
    if pts:
        with open(os.path.join(out, "raw", f"profiler_{m}.txt"), "w") as f:
            f.write("\n".join(pts) + "\n")
        prof_sets.append(m)
if prof_sets:
    # Above: the shares and the diagonal; below: their difference, with
    # the goal's bounds.
    cmds = ["set terminal png size 1000,1000 noenhanced",
            f"set output '{out}/profiler.png'",
            "set multiplot layout 2,1",
            "set title 'gperftools profile: share of samples against share "
            "of CPU time, per function (every frequency and shape)'",
            "set xlabel 'CPU time share (%)'",
            "set ylabel 'profile share (%)'", "set grid",
            "set key top left", "set xrange [0:*]", "set yrange [0:*]"]
    style = {m: f"pt {5 + 2 * i} ps 1.5 lc {i + 2}"
             for i, m in enumerate(PROF_MODES)}
    plot = ["x with lines lc rgb 'gray' title 'exact'"]
    for m in prof_sets:
        plot.append(f"'{out}/raw/profiler_{m}.txt' using 1:2 with points "
                    f"{style[m]} title '{m}'")
    cmds.append("plot " + ", ".join(plot))
    cmds += ["set title 'profile share minus CPU time share'",
             "set ylabel 'percentage points'", "set yrange [*:*]"]
    plot = ["2 with lines lc rgb 'red' dt 2 title 'goal: within 2 pp'",
            "-2 with lines lc rgb 'red' dt 2 notitle",
            "0 with lines lc rgb 'gray' notitle"]
    for m in prof_sets:
        plot.append(f"'{out}/raw/profiler_{m}.txt' using 1:($2-$1) with "
                    f"points {style[m]} title '{m}'")
    cmds += ["plot " + ", ".join(plot), "unset multiplot"]
    try:
        subprocess.run(["gnuplot"], input="\n".join(cmds), text=True,
                       check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"bench-report: no plot profiler.png: {e}", file=sys.stderr)


def mode_of(name):
    """The itg_bench mode (BENCH_ONLY word) a row comes from."""
    if name.startswith(("arm", "get", "ioctl")):
        return "ops"
    if name.startswith("REAL"):
        return "latency"
    if name.startswith("fd:"):
        return "fd"
    return name.split()[0]


# BENCH_ONLY="cpu scale" runs some modes only: only theirs can be missing.
only = os.environ.get("BENCH_ONLY", "").split()
missing = [m for m in missing if not only or mode_of(m) in only]
if missing:
    print("bench-report: missing: " + ", ".join(missing), file=sys.stderr)
    sys.exit(1)
