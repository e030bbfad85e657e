"""coroner info on real cores: the committed fixtures (--fixtures) or the
generated matrix of Go 1.19-1.27 x kernel/gcore cores (--matrix).

Checked against: truth.json (the program's runtime.Version()), meta.json
(thread count from readelf -n, core kind), and addr2line for thread pcs.
With CORONER_REQUIRE_MATRIX=1 a missing matrix core fails instead of skipping.
"""
import os
import sys
import time

from tap import Tap, load_json, load_truth, run, skip, fixtures, matrix_cores, addr2line, MATRIX_VERSIONS, MATRIX_KINDS


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
    t.eq(info["build_id"], "match", f"{label}: executable's build ID matches the core")
    if kind == "kernel":
        t.eq(info["signal"], 6, f"{label}: kernel core was produced by SIGABRT")
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
    # The text report says the same thing.
    code, text, err = run(["info", core, exe])
    t.ok(code == 0 and truth["go_version"] in text, f"{label}: text report names the Go version", err)
    return elapsed


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "--fixtures"
    t = Tap()
    if mode == "--fixtures":
        dirs = fixtures()
        if not dirs:
            skip("no committed fixtures under cores/")
        for d in dirs:
            truth = load_json(os.path.join(d, "truth.json"))
            meta = load_json(os.path.join(d, "meta.json"))
            exe = os.path.join(d, meta.get("fixture_exe", "exe"))
            check_core(t, os.path.join(d, "core.gz"), exe, truth, meta,
                       os.path.relpath(d, os.environ.get("CORONER_SOURCE_ROOT", ".")), "kernel")
    else:
        cores = matrix_cores()
        required = os.environ.get("CORONER_REQUIRE_MATRIX") == "1"
        have = {(os.path.basename(os.path.dirname(d))[2:], k) for d, k in cores}
        missing = [f"go{v}/{k}" for v in MATRIX_VERSIONS for k in MATRIX_KINDS if (v, k) not in have]
        if not cores and not required:
            skip("no matrix cores: run cores/gen-matrix first (CORONER_CACHE or ~/.cache/coroner)")
        if required or missing:
            t.ok(not missing, "the matrix has every Go version x core kind", "missing: " + ", ".join(missing))
        slowest = (0.0, "")
        for d, kind in cores:
            label = f"{os.path.basename(os.path.dirname(d))}/{os.path.basename(d)}/{kind}"
            truth = load_truth(d, kind)
            meta = load_json(os.path.join(d, f"{kind}.meta.json"))
            el = check_core(t, os.path.join(d, f"{kind}.core"), os.path.join(d, "exe"), truth, meta, label, kind)
            if el > slowest[0]:
                slowest = (el, label)
        print(f"# slowest coroner info: {slowest[0]:.3f} s on {slowest[1]}")
    sys.exit(t.done())


if __name__ == "__main__":
    main()
