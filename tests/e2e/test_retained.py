"""Retained sizes against the runtime's own measure: for every map whose
truth records retained_bytes (what the map alone keeps alive, measured by
the scenario as the HeapAlloc difference of runtime.GC() around building it;
see cores/README), `coroner object ADDR --json` of the map header must
retain exactly that many bytes.  Where the truth has no such measure (the
sample core, leakysvc), what it does know: the leaking map retains at least
its payload (the bytes the program put behind its entries) and its slots
(len × (key + value size)), no more than the live heap, and — the truth says
it is the top retainer — more than any other root's object.

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


def bounds(t, core, exe, truth, label):
    leak = truth.get("extra", {}).get("leak", {})
    m = next((m for m in truth.get("maps", []) if m["name"] == leak.get("map")), None)
    if not m or m.get("retained_bytes") is not None or m.get("payload_bytes") is None:
        return
    code, out, err = run(["object", m["addr"], "--json", core, exe])
    if not t.ok(code == 0, f"{label}: object {m['name']} exits 0", f"exit {code}\n{err[-1000:]}"):
        return
    got = json.loads(out).get("retained") or 0
    least = m["payload_bytes"] + m["len"] * (m["key_size"] + m["value_size"])
    code, out, err = run(["live", "--json", core, exe])
    live = json.loads(out) if code == 0 else {"live_bytes": 0, "roots": []}
    t.ok(least <= got <= live["live_bytes"],
         f"{label}: {m['name']} retains at least its payload and slots ({least}) and at most the live heap",
         f"retained {got}, live {live['live_bytes']}")
    if leak.get("expected_top_retainer"):
        others = [r for r in live["roots"] if int(r["object"], 16) != int(m["addr"], 16)]
        top = max(others, key=lambda r: r["retained"], default=None)
        t.ok(top is None or got > top["retained"], f"{label}: {m['name']} retains more than any other root",
             f"{m['name']} {got}, {top and top['name']} {top and top['retained']}")


def main():
    def both(t, core, exe, truth, label, kind, stderr):
        check(t, core, exe, truth, label)
        bounds(t, core, exe, truth, label)
    run_suite(both)


if __name__ == "__main__":
    main()
