"""The heap as a graph from the named roots (`coroner live`), on real cores:
- the ledger: live + garbage = allocated = the HeapObjects and HeapAlloc
  the program itself read with runtime.ReadMemStats (truth.json) — exactly,
  or, when the runtime allocated a few objects on its own after that read
  (the core's Mallocs counter is k higher, no more Frees: cores/README),
  k objects and at most 32 KiB per object more;
- every map the scenario named is live (reachable from a root), and so is
  every payload only the runtime holds (finalizer, cleanup, defer, panic,
  timer), the finalizer's and cleanup's ones no longer without those roots;
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
    want = truth.get("memstats", {})
    code, out, err = run(["memstats", "--json", core, exe])
    ms = json.loads(out) if code == 0 else {}
    k = ms.get("Mallocs", 0) - want.get("Mallocs", ms.get("Mallocs", 0))
    if 0 < k <= 32 and ms.get("Frees") == want.get("Frees"):
        print(f"# {label}: the process allocated {k} objects after recording its truth")
        d = live["bytes"] - want.get("HeapAlloc", 0)
        t.ok(live["objects"] - want.get("HeapObjects", 0) == k and 0 < d <= 32768 * k,
             f"{label}: live + garbage = allocated = ReadMemStats' HeapObjects, HeapAlloc and {k} late allocations",
             f"objects {live['objects']} bytes {live['bytes']}, truth {want.get('HeapObjects')} {want.get('HeapAlloc')}")
    else:
        t.eq((live["objects"], live["bytes"]), (want.get("HeapObjects"), want.get("HeapAlloc")),
             f"{label}: live + garbage = allocated = ReadMemStats' HeapObjects, HeapAlloc")
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
    # Retention paths start at the root a Go developer would name.
    senders = {x["map_name"]: x["goroutine"] for c in truth.get("channels", []) for x in c.get("senders", [])}
    holder = (truth.get("roles", {}).get("local_map_holder") or [None])[0]
    var = truth.get("extra", {}).get("local_map_var", "local")
    for m in truth.get("maps", []):
        if m["name"].startswith("main."):
            ok = lambda r, m=m: r["root"] == m["name"] and r["root_kind"] == "global"
        elif m["name"] in senders:
            ok = lambda r, m=m: r["root"] == f"goroutine {senders[m['name']]} chan send elem"
        elif m["name"] == "goroutine-local" and holder is not None:
            ok = lambda r: r["root"].startswith(f"goroutine {holder} ") and r["root"].endswith(f" var {var}")
        else:
            continue
        code, out, err = run(["path", m["addr"], "--json", core, exe])
        paths = json.loads(out)["paths"] if code == 0 else []
        t.ok(bool(paths) and ok(paths[0]) and int(paths[0]["hops"][-1]["addr"], 16) == int(m["addr"], 16),
             f"{label}: the retention path of {m['name']} starts at its root", f"exit {code} {err}\n{paths}")
    check_top(t, core, exe, label)
    # `object`: the map header of main.cache, held by its global, whose
    # first word is the map's length (hmap.count / maps.Map.used).
    cache = next((m for m in truth.get("maps", []) if m["name"] == "main.cache"), None)
    if cache:
        code, out, err = run(["object", cache["addr"], "--json", core, exe])
        obj = json.loads(out) if code == 0 else {}
        t.ok(obj.get("live") and any(r.get("root") == "main.cache" for r in obj.get("retainers", [])) and
             int(obj["words"][0]["value"], 16) == cache["len"],
             f"{label}: object main.cache is live, retained by its global, and starts with its length",
             f"exit {code} {err}\n{obj}")
    check_runtime_roots(t, core, exe, truth, label)
    for c in truth.get("channels", []):
        for s in c.get("senders", []):
            rs = roots.get(f"goroutine {s['goroutine']} chan send elem", [])
            got = max((r["retained"] for r in rs), default=0)
            t.ok(got >= s["payload_len"], f"{label}: sender {s['goroutine']}'s element retains its "
                 f"{s['payload_len']}-byte payload", f"retained {got}")


def check_runtime_roots(t, core, exe, truth, label):
    """What only the runtime holds is live; a finalizer's object and a
    cleanup's arg are held by nothing else, so without those roots
    (--roots globals,stacks,chans) they are garbage."""
    for rr in truth.get("runtime_roots", []):
        what = f"{label}: the {rr['kind']} payload {rr['type']} {rr['addr']}"
        code, out, err = run(["object", rr["addr"], "--json", core, exe])
        obj = json.loads(out) if code == 0 else {}
        t.ok(obj.get("live") is True and obj.get("size", 0) >= rr["size"], f"{what} is live",
             f"exit {code} {err[-300:]} live {obj.get('live')} size {obj.get('size')}")
        if rr["kind"] in ("finalizer", "cleanup"):
            code, out, err = run(["object", rr["addr"], "--roots", "globals,stacks,chans", "--json", core, exe])
            obj = json.loads(out) if code == 0 else {}
            t.ok(obj.get("live") is False, f"{what} is garbage without the runtime's roots",
                 f"exit {code} {err[-300:]} live {obj.get('live')}")


def check_top(t, core, exe, label):
    """`top`: the rows add up to the live heap; each row retains at least
    its own bytes and at most the live heap."""
    code, out, err = run(["top", "--top", "100000", "--json", core, exe])
    if not t.ok(code == 0, f"{label}: top exits 0", err):
        return
    top = json.loads(out)
    rows = top["rows"]
    t.eq((sum(r["count"] for r in rows), sum(r["shallow"] for r in rows)), (top["live_objects"], top["live_bytes"]),
         f"{label}: top's rows add up to the live heap")
    bad = [r for r in rows if not r["shallow"] <= r["retained"] <= top["live_bytes"]]
    t.ok(not bad, f"{label}: every type retains its own bytes and no more than the live heap", bad[:5])


def main():
    run_suite(check)


if __name__ == "__main__":
    main()
