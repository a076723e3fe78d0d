#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn a `make bench` console log into results.

    bench-report.py LOG OUTDIR

Writes OUTDIR/raw/<series>.txt (one sample per line), OUTDIR/summary.md
(the table, with every goal and whether it was met), OUTDIR/latency.png
and OUTDIR/cpu.png (distributions, by gnuplot), and prints the table.
Exit status 1 when the log lacks a benchmark (one could not run) of the
modes that ran (all, or those of BENCH_ONLY).
"""
import os
import re
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


ratio_row("arm + disarm (median ns/op)", "ops", "arm_disarm_module",
          "arm_disarm_setitimer", "p50", "<= 1.3x setitimer",
          lambda x: x <= 1.3)
ratio_row("arm + disarm vs POSIX", "ops", "arm_disarm_module",
          "arm_disarm_timer_settime", "p50", "(reference)", lambda x: True)
ratio_row("get (median ns/op)", "ops", "get_module", "get_getitimer", "p50",
          "<= 1.3x getitimer", lambda x: x <= 1.3)
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
    f.write("\n## Goals not met\n\n" +
            ("".join(f"- {u}\n" for u in unmet) if unmet else "None.\n"))
    f.write("\nPlots: latency.png (ITIMER_REAL expiry to handler), cpu.png "
            "(CPU-time lateness). Raw samples: raw/.\n")

print(table)
print(scale_table)
print("goals not met: " + (", ".join(unmet) if unmet else "none"))

# Plots: empirical distributions (sorted samples against their rank).
plots = {
    "latency.png": ("ITIMER_REAL: expiry to handler (us)",
                    [s for s in raw if s.startswith("latency.")]),
    "cpu.png": ("CPU-time timers: lateness (us of CPU; REAL: wall)",
                [s for s in raw if s.startswith("cpu.")]),
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



def mode_of(name):
    """The itg_bench mode (BENCH_ONLY word) a row comes from."""
    if name.startswith(("arm", "get", "ioctl")):
        return "ops"
    if name.startswith("REAL"):
        return "latency"
    return name.split()[0]


# BENCH_ONLY="cpu scale" runs some modes only: only theirs can be missing.
only = os.environ.get("BENCH_ONLY", "").split()
missing = [m for m in missing if not only or mode_of(m) in only]
if missing:
    print("bench-report: missing: " + ", ".join(missing), file=sys.stderr)
    sys.exit(1)
