"""Run coroner commands on cores and report, per command and thread count,
wall time, CPU time (user + sys, of all threads), peak RssAnon (coroner's
own memory) and peak RssFile (core pages it maps), sampled from /proc
every 5 ms, as min/median/max over --runs runs; and under each command the
median time of its long phases (what `coroner -v` logs as "coroner: PHASE
took N s (M s CPU, R MB)", R the RssAnon at its end), with the parallel phases' busiest-thread CPU time.
The load average is printed before and after each command: on a machine
other jobs share, wall time is noisy and the CPU times are the steadier
figures.

Usage: measure.py [--runs R] [--jobs 1,2] [--label L] CORE EXE COMMAND...
       measure.py [--runs R] [--jobs 1,2] --table LABEL=CORE:EXE... -- COMMAND...
A command may carry options: "pprof --kind retained"."""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

CORONER = os.environ.get("CORONER", "build/coroner")
PHASE_RE = re.compile(r"^coroner: (.+) took ([0-9.]+) s \(([0-9.]+) s CPU, (-?[0-9]+) MB\)$", re.M)
THREADS_RE = re.compile(r"^coroner: (.+) on ([0-9]+) threads?: ([0-9.]+) s CPU, busiest thread ([0-9.]+) s$", re.M)


def status_kb(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def load():
    return os.getloadavg()[0]


def measure(args):
    """One run: (exit, wall s, cpu s, RssAnon KB, RssFile KB, stderr)."""
    with tempfile.TemporaryFile() as errf:
        start = time.monotonic()
        p = subprocess.Popen([CORONER] + args, stdout=subprocess.DEVNULL, stderr=errf)
        anon = file_ = 0
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            anon = max(anon, status_kb(p.pid, "RssAnon"))
            file_ = max(file_, status_kb(p.pid, "RssFile"))
            time.sleep(0.005)
        wall = time.monotonic() - start
        p.returncode = os.waitstatus_to_exitcode(status)
        errf.seek(0)
        err = errf.read().decode(errors="replace")
    return p.returncode, wall, ru.ru_utime + ru.ru_stime, anon, file_, err


def mmm(xs, fmt):
    """min/median/max of xs, or the one value."""
    if len(xs) == 1:
        return fmt % xs[0]
    return "/".join(fmt % v for v in (min(xs), statistics.median(xs), max(xs)))


def run_table(cores, cmds, jobs, runs):
    print(f"{runs} run(s) each; -j 0: coroner's default; figures are min/median/max; CPU = user + sys of all threads; "
          f"load = 1-min load average before-after")
    print()
    print("| core | command | -j | exit | wall s | CPU s | RssAnon MB | RssFile MB | load |")
    print("|---|---|---|---|---|---|---|---|---|")
    notes = []

    def note(line):
        # Also on stderr at once, so that a table cut short keeps its phases.
        notes.append(line)
        print(line, file=sys.stderr, flush=True)
    for label, core, exe in cores:
        for c in cmds:
            for j in jobs:
                l0 = load()
                jarg = ["-j", str(j)] if j else []  # 0: coroner's default
                res = [measure(c.split() + ["-v"] + jarg + [core, exe]) for _ in range(runs)]
                l1 = load()
                codes = sorted({r[0] for r in res})
                print(f"| {label} | {c} | {j} | {','.join(map(str, codes))} | {mmm([r[1] for r in res], '%.2f')} "
                      f"| {mmm([r[2] for r in res], '%.2f')} | {mmm([r[3] / 1024 for r in res], '%.0f')} "
                      f"| {mmm([r[4] / 1024 for r in res], '%.0f')} | {l0:.1f}-{l1:.1f} |", flush=True)
                phases = {}
                for r in res:
                    for name, wall, cpu, mb in PHASE_RE.findall(r[5]):
                        phases.setdefault(name, []).append((float(wall), float(cpu), int(mb)))
                    for name, _n, cpu, busiest in THREADS_RE.findall(r[5]):
                        phases.setdefault(name + " (threads)", []).append((None, float(cpu), float(busiest)))
                lines = []
                for name, vals in phases.items():
                    if vals[0][0] is not None:
                        lines.append(f"{name} {statistics.median(v[0] for v in vals):.2f} s wall, "
                                     f"{statistics.median(v[1] for v in vals):.2f} s CPU, "
                                     f"{max(v[2] for v in vals)} MB after")
                    else:
                        lines.append(f"{name} {statistics.median(v[1] for v in vals):.2f} s CPU, busiest thread "
                                     f"{statistics.median(v[2] for v in vals):.2f} s")
                if lines:
                    note(f"- {label} `{c}` -j{j} (medians): " + "; ".join(lines))
                if any(r[0] not in (0, 1) for r in res):
                    note(f"- {label} `{c}` -j{j} failed: " + res[0][5].strip()[-500:].replace("\n", " / "))
    print()
    print("Phases:")
    for n in notes:
        print(n)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--jobs", default="0", help="thread counts, comma-separated (0: coroner's default)")
    ap.add_argument("--label", default="core")
    ap.add_argument("--table", nargs="+", metavar="LABEL=CORE:EXE")
    ap.add_argument("rest", nargs="*")
    a = ap.parse_args()
    jobs = [int(x) for x in a.jobs.split(",")]
    if a.table:
        cores = []
        for t in a.table:
            label, paths = t.split("=", 1)
            core, exe = paths.split(":", 1)
            cores.append((label, core, exe))
        cmds = a.rest
    else:
        if len(a.rest) < 3:
            ap.error("CORE EXE COMMAND... wanted")
        cores = [(a.label, a.rest[0], a.rest[1])]
        cmds = a.rest[2:]
    run_table(cores, cmds, jobs, a.runs)


if __name__ == "__main__":
    sys.exit(main())
