"""Run coroner commands on a core and report wall time, peak RssAnon
(coroner's own memory) and peak RssFile (core pages it maps), sampled from
/proc every 5 ms, and under each command the time of its long phases (what
`coroner -v` logs as "coroner: PHASE took N s").
Usage: measure.py CORE EXE COMMAND..."""
import os
import re
import subprocess
import sys
import time

CORONER = os.environ.get("CORONER", "build/coroner")


def status_kb(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure(args):
    start = time.monotonic()
    p = subprocess.Popen([CORONER] + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    anon = file_ = 0
    while p.poll() is None:
        anon = max(anon, status_kb(p.pid, "RssAnon"))
        file_ = max(file_, status_kb(p.pid, "RssFile"))
        time.sleep(0.005)
    wall = time.monotonic() - start
    err = p.stderr.read().decode(errors="replace")
    return p.returncode, wall, anon, file_, err


def main():
    core, exe, cmds = sys.argv[1], sys.argv[2], sys.argv[3:]
    print(f"{'command':12} {'exit':>4} {'wall s':>8} {'RssAnon MB':>11} {'RssFile MB':>11}")
    for c in cmds:
        # A command may carry options: "pprof --kind retained".
        code, wall, anon, file_, err = measure(c.split() + ["-v", core, exe])
        print(f"{c:12} {code:>4} {wall:8.3f} {anon / 1024:11.1f} {file_ / 1024:11.1f}")
        for phase, secs in re.findall(r"^coroner: (.+) took ([0-9.]+) s$", err, re.M):
            print(f"  {phase:22} {float(secs):8.2f}")
        if code not in (0,):
            print("  " + err.strip().replace("\n", "\n  "))


if __name__ == "__main__":
    main()
