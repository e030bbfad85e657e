"""GC roots, named, on real cores: each map the scenario keeps alive is the
value of a root with the name a Go developer would give it — the global
variable, the blocked sender's element, the goroutine's local variable
(truth.json says which holds which).

  --fixtures | --matrix   (CORONER_REQUIRE_MATRIX=1: missing matrix = fail)
"""
import json
import os
import sys

from tap import Tap, load_json, load_truth, run, skip, fixtures, matrix_cores


def check(t, core, exe, truth, label):
    code, out, err = run(["roots", "--json", core, exe])
    if not t.ok(code == 0, f"{label}: roots exits 0", f"exit {code}\n{err[-2000:]}"):
        return
    roots = json.loads(out)
    by_value = {}
    for r in roots:
        by_value.setdefault(int(r["value"], 16), []).append(r)
    senders = {s["map_name"]: s["goroutine"] for c in truth.get("channels", []) for s in c.get("senders", [])}
    holder = (truth.get("roles", {}).get("local_map_holder") or [None])[0]
    var = truth.get("extra", {}).get("local_map_var", "local")
    for m in truth.get("maps", []):
        rs = by_value.get(int(m["addr"], 16), [])
        if m["name"].startswith("main."):
            want = ("global", m["name"])
        elif m["name"] in senders:
            want = ("chan elem", f"goroutine {senders[m['name']]} chan send elem")
        elif m["name"] == "goroutine-local" and holder is not None:
            rs = [r for r in rs if r["name"].startswith(f"goroutine {holder} ")]
            t.ok(any(r["kind"] == "stack" and r["name"].endswith(f" var {var}") for r in rs),
                 f"{label}: {m['name']} is held by goroutine {holder}'s variable {var}", rs)
            continue
        else:
            continue
        t.ok(any((r["kind"], r["name"]) == want for r in rs), f"{label}: {m['name']} is held by root {want[1]}", rs)


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "--fixtures"
    t = Tap()
    if mode == "--fixtures":
        dirs = fixtures()
        if not dirs:
            skip("no committed fixtures under cores/")
        for d in dirs:
            meta = load_json(os.path.join(d, "meta.json"))
            check(t, os.path.join(d, "core.gz"), os.path.join(d, meta.get("fixture_exe", "exe")),
                  load_json(os.path.join(d, "truth.json")), os.path.basename(d))
    else:
        cores = matrix_cores()
        if not cores and os.environ.get("CORONER_REQUIRE_MATRIX") != "1":
            skip("no matrix cores: run cores/gen-matrix first")
        t.ok(bool(cores), "the matrix has cores")
        for d, kind in cores:
            label = f"{os.path.basename(os.path.dirname(d))}/{os.path.basename(d)}/{kind}"
            check(t, os.path.join(d, f"{kind}.core"), os.path.join(d, "exe"), load_truth(d, kind), label)
    sys.exit(t.done())


if __name__ == "__main__":
    main()
