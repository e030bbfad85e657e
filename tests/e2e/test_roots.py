"""GC roots, named, on real cores: each map the scenario keeps alive is the
value of a root with the name a Go developer would give it — the global
variable, the blocked sender's element, the goroutine's local variable
(truth.json says which holds which).

  --fixtures | --matrix   (CORONER_REQUIRE_MATRIX=1: missing matrix = fail)
"""
import json

from tap import Tap, run, run_suite


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
    run_suite(lambda t, core, exe, truth, label, kind, stderr: check(t, core, exe, truth, label))


if __name__ == "__main__":
    main()
