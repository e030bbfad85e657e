"""Retained sizes against the runtime's own measure: for every map whose
truth records retained_bytes (what the map alone keeps alive, measured by
the scenario as the HeapAlloc difference of runtime.GC() around building it;
see cores/README), `coroner object ADDR --json` of the map header must
retain exactly that many bytes.

  --fixtures | --matrix   (CORONER_REQUIRE_MATRIX=1: missing matrix = fail)
"""
import json

from tap import run, run_suite


def check(t, core, exe, truth, label):
    maps = [m for m in truth.get("maps", []) if m.get("retained_bytes") is not None]
    if truth.get("scenario") == "shapes":
        t.ok(len(maps) >= 3, f"{label}: the truth records exact retained sizes", [m["name"] for m in maps])
    for m in maps:
        code, out, err = run(["object", m["addr"], "--json", core, exe])
        if not t.ok(code == 0, f"{label}: object {m['name']} exits 0", f"exit {code}\n{err[-1000:]}"):
            continue
        got = json.loads(out).get("retained")
        want = m["retained_bytes"]
        t.ok(got == want, f"{label}: {m['name']} retains {want} bytes",
             f"coroner says {got}, the runtime measured {want}: difference {None if got is None else got - want}")


def main():
    run_suite(lambda t, core, exe, truth, label, kind, stderr: check(t, core, exe, truth, label))


if __name__ == "__main__":
    main()
