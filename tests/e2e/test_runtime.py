"""The runtime model on real cores: goroutines, heap and memstats, checked
against what the scenario program recorded about itself (truth.json:
runtime.Stack, runtime.ReadMemStats after a final GC, channel and payload
addresses) and, for kernel and qemu cores, against the Go runtime's own crash
traceback (kernel.stderr, qemu.stderr).

  --fixtures   the committed fixtures
  --matrix     the generated matrix (CORONER_REQUIRE_MATRIX=1: missing = fail)
"""
import gzip
import json
import os
import re

from tap import CRASH_KINDS, coroner_json, run, run_suite

# HeapReleased is left out: the background scavenger keeps returning pages
# to the OS after the program's last ReadMemStats (HeapIdle, which holds
# them either way, is compared).
MEMSTATS_EXACT = ["HeapAlloc", "HeapObjects", "NextGC", "NumGC", "HeapInuse", "Mallocs", "Frees", "TotalAlloc"]
# Mapped-memory figures move when the live process grows a stack or the
# heap between its last ReadMemStats and the dump (seen with gcore): they
# must agree within 1 MiB.
MEMSTATS_CLOSE = ["HeapIdle", "HeapSys", "StackInuse", "Sys"]


def printed(fn):
    """runtime/traceback.go printFuncName: the runtime prints
    runtime.gopanic as "panic"."""
    return "panic" if fn == "runtime.gopanic" else fn


def shown(fn):
    """runtime/traceback.go showframe at the default GOTRACEBACK level:
    runtime.Stack hides unexported runtime functions, but shows a panic in
    progress (showfuncinfo: runtime.gopanic, not as the first frame)."""
    if fn == "runtime.gopanic":
        return True
    if "." not in fn:
        return False
    if fn.startswith("runtime."):
        rest = fn[len("runtime."):]
        return rest[:1].isupper()
    return True


parents = {}


def parse_traceback(text):
    """Goroutines of a Go traceback: {id: (state, [functions], minutes)};
    creators go to parents: {id: (function, parent id)}."""
    out = {}
    parents.clear()
    cur = None
    for line in text.splitlines():
        m = re.match(r"^goroutine (\d+)(?: gp=\S+ m=\S+(?: mp=\S+)?)? \[([^\]]*)\]:", line)
        if m:
            cur = int(m.group(1))
            mins = re.search(r", (\d+) minutes", m.group(2))
            out[cur] = (m.group(2).split(",")[0].strip(), [], int(mins.group(1)) if mins else 0)
            continue
        if cur is None:
            continue
        if not line.strip():
            cur = None
            continue
        cm = re.match(r"^created by (\S+)(?: in goroutine (\d+))?", line)
        if cm:
            parents[cur] = (cm.group(1), int(cm.group(2)) if cm.group(2) else 0)
            continue
        if line.startswith("\t") or line.startswith("..."):
            continue
        fm = re.match(r"^(.*)\(.*\)$", line)
        if fm:
            out[cur][1].append(fm.group(1))
    return out



def check(t, core, exe, truth, label, kind, stderr_path):
    want = truth.get("memstats", {})
    ms = coroner_json(t, label, ["memstats", "--json", core, exe])
    if ms is not None:
        # The runtime may allocate on its own after the program's last
        # ReadMemStats (the scavenger starting an M, a timer heap growing:
        # cores/README).  Then the core's counters have moved by exactly
        # those allocations: k more Mallocs, no more Frees, HeapObjects up
        # by k, HeapAlloc and TotalAlloc up by the same few bytes.
        k = ms["Mallocs"] - want.get("Mallocs", ms["Mallocs"])
        if 0 < k <= 32 and ms["Frees"] == want.get("Frees"):
            print(f"# {label}: the process allocated {k} objects after recording its truth")
            d = ms["TotalAlloc"] - want["TotalAlloc"]
            t.ok(ms["HeapObjects"] - want["HeapObjects"] == k and 0 < d <= 32768 * k and
                 ms["HeapAlloc"] - want["HeapAlloc"] == d,
                 f"{label}: memstats moved by exactly the {k} late allocations",
                 {x: (ms[x], want[x]) for x in ("HeapObjects", "HeapAlloc", "TotalAlloc")})
            exact = ["NextGC", "NumGC", "Frees"]
        else:
            exact = MEMSTATS_EXACT
        for k in exact:
            if k in want:
                t.eq(ms[k], want[k], f"{label}: memstats {k} equals runtime.ReadMemStats")
        t.eq(ms["NumGoroutine"], want.get("NumGoroutine"), f"{label}: NumGoroutine equals runtime.NumGoroutine()")
        t.eq(ms["GOMAXPROCS"], want.get("GOMAXPROCS"), f"{label}: GOMAXPROCS")
        for k in MEMSTATS_CLOSE:
            if k in want:
                t.ok(abs(ms[k] - want[k]) <= 1 << 20, f"{label}: memstats {k} within 1 MiB of ReadMemStats",
                     f"got {ms[k]}, want {want[k]}")
    heap = coroner_json(t, label, ["heap", "--json", core, exe])
    if heap is not None and ms is not None:
        # The walk counts slots; the counters come from the runtime's
        # statistics: two independent routes to the same numbers.
        t.eq(heap["objects"], ms["HeapObjects"], f"{label}: heap walk finds HeapObjects objects")
        t.eq(heap["bytes"], ms["HeapAlloc"], f"{label}: heap walk finds HeapAlloc bytes")
        t.eq(heap["span_bytes_in_use"], ms["HeapInuse"], f"{label}: in-use spans hold HeapInuse bytes")
        t.eq(heap["bad_spans"], 0, f"{label}: no span unreadable")
        # A type the program allocated exactly N of, each with a malloc
        # header (Go >= 1.22 records the type of objects over 512 bytes).
        hd = truth.get("extra", {}).get("headered")
        minor = int(truth["go_version"].split(".")[1])
        if hd and minor >= 22:
            got = sum(g["objects"] for g in heap["groups"] if g["typed"] and g["type"] == hd["type"])
            t.eq(got, hd["count"], f"{label}: exactly {hd['count']} objects of type {hd['type']}")
    # A type whose pointer mask is a GC program (Go <= 1.23) or built on
    # demand (Go >= 1.24): every one of its words is a pointer.
    bp = truth.get("extra", {}).get("bigptrs")
    if bp:
        ty = coroner_json(t, label, ["type", bp["type"], "--json", core, exe])
        if ty is not None:
            t.eq((ty["kind"], ty["size"], ty["pointer_words"], ty["elem"]), ("array", bp["size"], bp["pointer_words"], "*int"),
                 f"{label}: {bp['type']} has {bp['pointer_words']} pointer words")
    gs = coroner_json(t, label, ["goroutines", "--json", core, exe])
    if gs is None:
        return
    by_id = {g["id"]: g for g in gs["goroutines"]}
    # Against the program's own runtime.Stack record.
    for tg in truth.get("goroutines", []):
        g = by_id.get(tg["id"])
        if not t.ok(g is not None, f"{label}: goroutine {tg['id']} ({tg['state']}) is found"):
            continue
        if tg["state"] in ("running", "runnable", "syscall"):
            continue  # may have moved on between the record and the dump
        t.eq(g["state"], tg["state"], f"{label}: goroutine {tg['id']} state")
        if tg.get("created_by"):
            got = (g.get("created_by") or {}).get("function")
            t.eq(got, tg["created_by"], f"{label}: goroutine {tg['id']} was created by {tg['created_by']}")
        funcs = [printed(f["function"]) for f in g["frames"] if shown(f["function"]) and not f.get("wrapper")]
        t.eq(funcs, tg["funcs"], f"{label}: goroutine {tg['id']} stack equals runtime.Stack's")
    # Every waiter on a recorded channel names its element type as %T does.
    chans = {int(c["addr"], 16): c for c in truth.get("channels", [])}
    seen = set()
    for g in gs["goroutines"]:
        for w in g["chan_waits"]:
            c = chans.get(int(w["chan"], 16))
            if c and c["name"] not in seen:
                seen.add(c["name"])
                t.eq(w["elem_type"], c["elem_type"], f"{label}: element type of {c['name']}")
                t.eq((w["len"], w["cap"]), (c["len"], c["cap"]), f"{label}: len and cap of {c['name']}")
    # Blocked senders hold their channel and the payload map behind it.
    for ch in truth.get("channels", []):
        for s in ch.get("senders", []):
            g = by_id.get(s["goroutine"])
            waits = g["chan_waits"] if g else []
            t.ok(any(int(w["chan"], 16) == int(ch["addr"], 16) and w["dir"] == "send" for w in waits),
                 f"{label}: sender {s['goroutine']} waits to send on chan {ch['name']}", waits)
            t.ok(any(int(w["elem_word"], 16) == int(s["map_addr"], 16) for w in waits),
                 f"{label}: sender {s['goroutine']} holds map {s['map_name']} as its element", waits)
            # ... and behind that map, the 1 MiB payload.
            elem = next((w["elem_word"] for w in waits if w["dir"] == "send"), None)
            if elem:
                code, out, err = run(["map", elem, "--type", ch["elem_type"], "--json", core, exe])
                entries = json.loads(out)["sample"] if code == 0 else []
                p = next((e for e in entries if e["key"] == "payload"), {})
                t.ok(p.get("data") and int(p["data"], 16) == int(s["payload_addr"], 16) and
                     p.get("len") == s["payload_len"],
                     f"{label}: the {s['payload_len']}-byte payload is found behind sender {s['goroutine']}'s map",
                     f"exit {code} {err}\n{entries}")
    # A map reachable only from a goroutine's frame is held in a live
    # pointer slot of that goroutine's stack maps.
    for m in truth.get("maps", []):
        holder = truth.get("roles", {}).get("local_map_holder", [])
        if m["name"] != "goroutine-local" or not holder:
            continue
        g = by_id.get(holder[0])
        slots = [s for f in (g["frames"] if g else []) for s in f.get("live_slots", [])
                 if s["kind"] != "conservative"]
        held = [s for s in slots if int(s["value"], 16) == int(m["addr"], 16)]
        t.ok(bool(held), f"{label}: goroutine {holder[0]} holds {m['name']} in a live stack slot", slots)
        var = truth.get("extra", {}).get("local_map_var")
        if var and held:
            t.eq(held[0]["var"], var, f"{label}: DWARF names that slot after the program's variable")
    # Against the runtime's own crash traceback.
    if kind in CRASH_KINDS and stderr_path and (os.path.exists(stderr_path) or os.path.exists(stderr_path + ".gz")):
        if os.path.exists(stderr_path):
            with open(stderr_path, errors="replace") as f:
                tb = parse_traceback(f.read())
        else:
            with gzip.open(stderr_path + ".gz", "rt", errors="replace") as f:
                tb = parse_traceback(f.read())
        for gid, (state, funcs, minutes) in sorted(tb.items()):
            if gid == 0:
                continue  # g0 of a thread, not in allgs
            g = by_id.get(gid)
            if not t.ok(g is not None, f"{label}: crash traceback goroutine {gid} is found"):
                continue
            t.eq(g["state"], state, f"{label}: goroutine {gid} state equals the crash traceback")
            if gid in parents:
                fn, pid = parents[gid]
                t.eq(((g.get("created_by") or {}).get("function"), g["parent_id"]), (fn, pid),
                     f"{label}: goroutine {gid} creator and parent equal the crash traceback's")
            waited = max(g["waited_ns"], 0) // 60_000_000_000
            t.eq(waited, minutes, f"{label}: goroutine {gid} waited as many minutes as the traceback says")
            got = [printed(f["function"]) for f in g["frames"]]
            t.eq(got[:len(funcs)], funcs, f"{label}: goroutine {gid} stack equals the crash traceback")


def main():
    run_suite(check)


if __name__ == "__main__":
    main()
