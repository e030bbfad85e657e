"""coroner info on real cores: the committed fixtures (--fixtures) or the
generated matrix of Go 1.19-1.27 x kernel/gcore cores (--matrix).

Checked against: truth.json (the program's runtime.Version()), meta.json
(thread count from readelf -n, core kind), and addr2line for thread pcs.
With CORONER_REQUIRE_MATRIX=1 a missing matrix core fails instead of skipping.
"""
import os
import subprocess
import sys
import time

from tap import CRASH_KINDS, load_json, run, run_suite, addr2line, source_root


def build_id_saved(core, exe):
    """Whether the core holds the bytes of the executable's Go build ID
    note, from readelf (section address in the exe, PT_LOAD p_filesz in the
    core).  Kernel cores keep the first text page, which holds it; qemu
    saves no bytes of read-only executable mappings."""
    if core.endswith(".gz"):
        return True  # the committed fixtures are kernel cores
    sec = subprocess.run(["readelf", "-SW", exe], capture_output=True, text=True).stdout
    addr = next(int(l.split()[l.split().index(".note.go.buildid") + 2], 16)
                for l in sec.splitlines() if ".note.go.buildid" in l.split())
    ph = subprocess.run(["readelf", "-lW", core], capture_output=True, text=True).stdout
    for l in ph.splitlines():
        f = l.split()
        if f and f[0] == "LOAD" and int(f[2], 16) <= addr < int(f[2], 16) + int(f[4], 16):
            return True
    return False


def check_core(t, core, exe, truth, meta, label, kind):
    start = time.monotonic()
    code, out, err = run(["info", "--json", core, exe])
    elapsed = time.monotonic() - start
    if not t.ok(code == 0, f"{label}: info exits 0", f"exit {code}\n{err}"):
        return elapsed
    import json
    info = json.loads(out)
    t.eq(info["go_version"], truth["go_version"], f"{label}: Go version")
    t.eq(info["goarch"], truth.get("goarch", "amd64"), f"{label}: GOARCH")
    t.eq(len(info["threads"]), meta["threads"], f"{label}: thread count equals readelf's NT_PRSTATUS count")
    if build_id_saved(core, exe):
        t.eq(info["build_id"], "match", f"{label}: executable's build ID matches the core")
    else:
        t.eq(info["build_id"], "unknown", f"{label}: the core saves no build ID (readelf), so it is not checked")
    if kind in CRASH_KINDS:
        t.eq(info["signal"], 6, f"{label}: {kind} core was produced by SIGABRT")
    else:
        t.eq(info["signal"], 0, f"{label}: gcore core has no fatal signal")
    if "pid" in meta:
        t.eq(info["pid"], meta["pid"], f"{label}: pid")
    pcs = [int(th["pc"], 16) for th in info["threads"]]
    want = addr2line(exe, pcs)
    got = [th["function"] for th in info["threads"]]
    t.eq(got, want, f"{label}: thread functions equal addr2line's")
    t.ok(info["memory"]["bytes_in_core"] > 0 and info["memory"]["bytes_from_executable"] > 0,
         f"{label}: memory summary counts core and executable bytes", info["memory"])
    if kind == "qemu":
        # An executable of another architecture is refused in one line.
        other = os.path.join(source_root(), "cores", "sample", "leakysvc")
        code, _, err = run(["info", core, other])
        t.ok(code == 2 and len(err.strip().splitlines()) == 1 and "linux/amd64 program" in err and
             "linux/arm64" in err, f"{label}: an amd64 executable for this arm64 core is refused", f"exit {code}\n{err}")
    # The text report says the same thing.
    code, text, err = run(["info", core, exe])
    t.ok(code == 0 and truth["go_version"] in text, f"{label}: text report names the Go version", err)
    return elapsed


def main():
    slowest = [0.0, ""]

    def timed(t, core, exe, truth, label, kind, stderr):
        elapsed = check_core(t, core, exe, truth, load_meta(core, kind), label, kind)
        if elapsed > slowest[0]:
            slowest[:] = [elapsed, label]

    try:
        run_suite(timed)
    finally:
        print(f"# slowest coroner info: {slowest[0]:.3f} s on {slowest[1]}")


def load_meta(core, kind):
    """meta.json beside a fixture core, KIND.meta.json beside a matrix core."""
    d = os.path.dirname(core)
    path = os.path.join(d, f"{kind}.meta.json")
    return load_json(path if os.path.exists(path) else os.path.join(d, "meta.json"))


if __name__ == "__main__":
    main()
