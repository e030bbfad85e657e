"""The heap as a graph from the named roots (`coroner live`), on real cores:
- the ledger: live + garbage = allocated = the runtime's HeapObjects and
  HeapAlloc (as `coroner memstats` reconstructs them, itself checked
  against ReadMemStats by test_runtime);
- every map the scenario named is live (reachable from a root);
- what a root retains covers what the program put behind it: main.cache
  retains at least the payload bytes the program counted in it, each
  blocked sender's element retains at least its 1 MiB payload.

  --fixtures | --matrix   (CORONER_REQUIRE_MATRIX=1: missing matrix = fail)
"""
import json

from tap import run, run_suite


def check(t, core, exe, truth, label, kind, stderr):
    code, out, err = run(["live", "--json", core, exe])
    if not t.ok(code == 0, f"{label}: live exits 0", f"exit {code}\n{err[-2000:]}"):
        return
    live = json.loads(out)
    code, out, err = run(["memstats", "--json", core, exe])
    ms = json.loads(out) if code == 0 else {}
    t.eq((live["objects"], live["bytes"]), (ms.get("HeapObjects"), ms.get("HeapAlloc")),
         f"{label}: live + garbage = allocated = HeapObjects, HeapAlloc")
    t.eq(live["live_objects"] + live["garbage_objects"], live["objects"], f"{label}: objects are live or garbage")
    roots = {}
    for r in live["roots"]:
        roots.setdefault(r["name"], []).append(r)
    by_object = {}
    for r in live["roots"]:
        by_object.setdefault(int(r["object"], 16), []).append(r)
    for m in truth.get("maps", []):
        if m["name"].startswith("main."):
            rs = roots.get(m["name"], [])
            t.ok(any(int(r["object"], 16) == int(m["addr"], 16) for r in rs),
                 f"{label}: {m['name']} is live, held by its global", rs)
            if m.get("payload_bytes"):
                got = max((r["retained"] for r in rs), default=0)
                t.ok(got >= m["payload_bytes"] + m["len"] * 16,
                     f"{label}: {m['name']} retains at least its {m['payload_bytes']} payload bytes",
                     f"retained {got}")
    for c in truth.get("channels", []):
        for s in c.get("senders", []):
            rs = roots.get(f"goroutine {s['goroutine']} chan send elem", [])
            got = max((r["retained"] for r in rs), default=0)
            t.ok(got >= s["payload_len"], f"{label}: sender {s['goroutine']}'s element retains its "
                 f"{s['payload_len']}-byte payload", f"retained {got}")


def main():
    run_suite(check)


if __name__ == "__main__":
    main()
