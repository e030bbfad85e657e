"""`coroner report`, the leak-suspects report, on real cores:
- the scenario's planted leak is suspect #1, a map, held by the right root
  (shapes: main.cache, the global map with the most payload; leakysvc: the
  map truth names as the leak, reachable from global main.sessions), with
  the length and value types the program recorded;
- the summary's HeapAlloc is the runtime's own (ReadMemStats in the
  program), and runtime.NumGoroutine is the program's;
- a map that a goroutine holds (a blocked sender's element, a local
  variable) names that goroutine among those that reach it;
- goroutine groups cover every goroutine once; the goroutines of one
  role of the program (blocked at one site) are in one group, and `report`
  groups exactly as `goroutines` does (one grouping);
- what the groups retain, against a brute-force count by reachability alone
  (`live --roots` without the goroutines' roots): disjoint groups together
  free no more than dropping every goroutine root frees, and the blocked
  senders' group at least what their channel elements alone hold; a group
  of one goroutine retains what `top --group goroutine` says it does;
- suspect #1's key clusters add up to the program's own key prefixes;
- the same core gives the same bytes; --json has the same suspects in the
  same order; --top and --max-goroutine-groups bound what is shown;
- golden files: on the committed fixtures the whole text report equals
  tests/golden/<fixture>.report.txt (a reviewed snapshot; rewrite them
  deliberately with tests/golden/regenerate, never from a test).
Expected values come from the scenario's truth.json.

  --fixtures | --matrix   (CORONER_REQUIRE_MATRIX=1: missing matrix = fail)
"""
import difflib
import json
import os
import re
import subprocess
import sys

from tap import coroner, run, run_suite, source_root

SUSPECT_LINE = re.compile(r"^  #(\d+) (.*) at (0x[0-9a-f]+)( \(map\))?$")


def leak_map(truth):
    """The map the scenario plants as its leak: named by extra.leak, else
    the global map holding the most payload."""
    maps = truth.get("maps", [])
    name = truth.get("extra", {}).get("leak", {}).get("map")
    if name:
        return next((m for m in maps if m["name"] == name), None)
    glob = [m for m in maps if m.get("reachable_from", "").startswith("global ")]
    return max(glob, key=lambda m: (m.get("payload_bytes", 0), m["len"]), default=None)


def holders(truth):
    """Map address -> the goroutine that holds it (blocked sender, local variable)."""
    out = {}
    for c in truth.get("channels", []):
        for x in c.get("senders", []):
            if x.get("map_addr"):
                out[int(x["map_addr"], 16)] = x["goroutine"]
    holder = (truth.get("roles", {}).get("local_map_holder") or [None])[0]
    for m in truth.get("maps", []):
        if m["name"] == "goroutine-local" and holder is not None:
            out[int(m["addr"], 16)] = holder
    return out


def text_suspects(out):
    """(rank, type, addr) of every suspect of a text report."""
    res = []
    for line in out.splitlines():
        mo = SUSPECT_LINE.match(line)
        if mo:
            res.append((int(mo.group(1)), mo.group(2), int(mo.group(3), 16)))
    return res


def check(t, core, exe, truth, label, kind, stderr):
    code, out, err = run(["report", core, exe])
    if not t.ok(code == 0 and out.startswith("SUMMARY\n"), f"{label}: report exits 0 with a summary",
                f"exit {code}\n{err[-2000:]}"):
        return
    code2, out2, _ = run(["report", core, exe])
    t.ok(code2 == 0 and out2 == out, f"{label}: the same core gives the same bytes")
    code, jout, err = run(["report", "--json", core, exe])
    try:
        rep = json.loads(jout) if code == 0 else None
    except ValueError as e:
        rep = None
        err = f"{e}\n{err}"
    if not t.ok(rep is not None, f"{label}: report --json exits 0 and parses", f"exit {code}\n{err[-2000:]}"):
        return
    code2, jout2, _ = run(["report", "--json", core, exe])
    t.ok(code2 == 0 and jout2 == jout, f"{label}: --json: the same core gives the same bytes")

    sus = rep["suspects"]
    ts = text_suspects(out)
    t.eq([(s["rank"], s["type"], int(s["addr"], 16)) for s in sus], ts,
         f"{label}: --json has the text's suspects in the same order")
    t.ok(all(sus[i]["retained"] >= sus[i + 1]["retained"] for i in range(len(sus) - 1)),
         f"{label}: suspects by retained bytes, most first", [s["retained"] for s in sus])

    # The planted leak ranks first, as a map held by its root.
    m = leak_map(truth)
    if m and t.ok(bool(sus), f"{label}: there are suspects"):
        s = sus[0]
        want_root = m["reachable_from"].removeprefix("global ")
        t.ok(int(s["addr"], 16) == int(m["addr"], 16) and s["kind"] == "map",
             f"{label}: suspect #1 is the leaking map {m['name']} ({m['addr']})",
             f"got {s['type']} {s['addr']} ({s['kind']})")
        t.ok(s["root"] == want_root and s["root_kind"] == "global" and s["path"].startswith(want_root),
             f"{label}: suspect #1 is held by global {want_root}", f"root {s['root']!r} path {s['path']!r}")
        if int(s["addr"], 16) == int(m["addr"], 16):
            got = s.get("map", {})
            t.eq(got.get("len"), m["len"], f"{label}: suspect #1's len is the map's")
            t.eq({v["type"]: v["count"] for v in got.get("value_types", [])}, m.get("value_types"),
                 f"{label}: suspect #1's value types are the program's")
            t.ok(f"held by    {want_root}" in out, f"{label}: the text says who holds suspect #1")
            if m.get("key_prefixes") is not None:
                by_prefix = {}
                for c in got.get("key_clusters", []):
                    p = c["pattern"].split(":")[0] if ":" in c["pattern"] else c["sample"]
                    by_prefix[p] = by_prefix.get(p, 0) + c["count"]
                t.eq(by_prefix, m["key_prefixes"], f"{label}: suspect #1's key clusters add up to its key prefixes")

    # The summary: the runtime's own counters.
    ms, sm = truth.get("memstats", {}), rep["summary"]
    got = sm.get("memstats") or {}
    want_alloc = ms.get("HeapAlloc")
    # The runtime may allocate on its own after the program's last
    # ReadMemStats (cores/README; test_runtime.py checks the rule): then
    # HeapAlloc moved by exactly those late allocations.
    k = got.get("Mallocs", 0) - ms.get("Mallocs", got.get("Mallocs", 0))
    if want_alloc is not None and 0 < k <= 32 and got.get("Frees") == ms.get("Frees"):
        print(f"# {label}: the process allocated {k} objects after recording its truth")
        want_alloc += got["TotalAlloc"] - ms["TotalAlloc"]
    if want_alloc is not None:
        t.eq(got.get("HeapAlloc"), want_alloc, f"{label}: summary HeapAlloc is the runtime's")
        t.ok(f"  heap         {want_alloc} bytes allocated (HeapAlloc" in out,
             f"{label}: the text summary says HeapAlloc {want_alloc}")
    if "NumGoroutine" in ms:
        t.eq((sm.get("memstats") or {}).get("NumGoroutine"), ms["NumGoroutine"],
             f"{label}: summary NumGoroutine is the program's")
        t.ok(f"(runtime.NumGoroutine {ms['NumGoroutine']};" in out,
             f"{label}: the text summary says runtime.NumGoroutine {ms['NumGoroutine']}")
    t.eq(sm["heap"]["live_bytes"] + sm["heap"]["garbage_bytes"], (sm.get("memstats") or {}).get("HeapAlloc"),
         f"{label}: live + garbage = HeapAlloc")
    t.eq(sum(sm["goroutine_states"].values()), sm["goroutines"], f"{label}: goroutine states add up")
    user = {g["id"] for g in truth.get("goroutines", [])}

    # Goroutines that hold a suspect map are named with it.
    held = holders(truth)
    for s in sus:
        g = held.get(int(s["addr"], 16))
        if g is not None:
            t.ok(g in [x["goid"] for x in s["goroutines"]],
                 f"{label}: suspect {s['addr']} names goroutine {g}, which holds it", s["goroutines"])

    # Every goroutine in exactly one group.
    code, jall, err = run(["report", "--json", "--max-goroutine-groups", "1000000", core, exe])
    allg = json.loads(jall) if code == 0 else {"goroutine_groups": []}
    goids = [g for gr in allg["goroutine_groups"] for g in gr["goids"]]
    t.ok(len(goids) == len(set(goids)) == sm["goroutines"] and user <= set(goids),
         f"{label}: goroutine groups cover every goroutine once, the program's among them",
         f"{len(goids)} in groups, {len(set(goids))} distinct, {sm['goroutines']} in all; missing {user - set(goids)}")
    t.eq(len(allg["goroutine_groups"]), allg["goroutine_groups_total"], f"{label}: all groups shown when asked")
    groups(t, core, exe, truth, label, allg)
    t.ok(len(rep["goroutine_groups"]) <= 10, f"{label}: at most 10 goroutine groups by default")

    code, out1, err = run(["report", "--top", "1", "--max-goroutine-groups", "1", "--json", core, exe])
    one = json.loads(out1) if code == 0 else {"suspects": [], "goroutine_groups": []}
    t.ok(len(one["suspects"]) == min(1, len(sus)) and one["suspects"][:1] == sus[:1]
         and one["goroutine_groups"] == rep["goroutine_groups"][:1],
         f"{label}: --top 1 --max-goroutine-groups 1 shows the first of each", f"exit {code} {err[-300:]}")


GOROUTINE_GROUP_LINE = re.compile(r"^(\d+) goroutines? \[([^\]]*)\]:((?: \d+)*)( \.\.\.)?$")
# Every root kind but a goroutine's own (its stack slots, its blocked sends).
NOT_GOROUTINE_ROOTS = "globals,finalizers,cleanups,defers,panics,timers,weak"


def live_bytes(core, exe, roots=None):
    code, out, _ = run(["live", "--json"] + (["--roots", roots] if roots else []) + [core, exe])
    return json.loads(out)["live_bytes"] if code == 0 else None


def groups(t, core, exe, truth, label, allg):
    """One grouping, and one definition of what a group retains."""
    gg = allg["goroutine_groups"]
    group_of = {g: i for i, gr in enumerate(gg) for g in gr["goids"]}
    # The program's roles: goroutines started by one go statement and
    # blocked at one site (truth: one expected state) share a group.
    states = truth.get("extra", {}).get("expected_states", {})
    for role, ids in sorted(truth.get("roles", {}).items()):
        if len(ids) > 1 and len(states.get(role, [])) == 1:
            t.ok(len({group_of.get(g) for g in ids}) == 1 and None not in {group_of.get(g) for g in ids},
                 f"{label}: the {len(ids)} goroutines of role {role} are one group",
                 {g: group_of.get(g) for g in ids})
    # `goroutines` groups the same way (its lists stop at 16 ids).
    code, out, err = run(["goroutines", core, exe])
    theirs = []
    for line in out.splitlines():
        mo = GOROUTINE_GROUP_LINE.match(line)
        if mo:
            theirs.append((int(mo.group(1)), mo.group(2), [int(x) for x in mo.group(3).split()]))
    ours = sorted((gr["count"], list(gr["states"])[0], gr["goids"][:16]) for gr in gg if len(gr["states"]) == 1)
    t.ok(code == 0 and sorted(theirs) == ours and len(theirs) == len(gg),
         f"{label}: report and goroutines make the same groups", f"exit {code}\n{sorted(theirs)}\n{ours}")
    # Retained by the groups, against reachability alone.
    live = allg["summary"]["heap"]["live_bytes"]
    rest = live_bytes(core, exe, NOT_GOROUTINE_ROOTS)
    total = sum(gr["retained"] for gr in gg)
    if t.ok(rest is not None, f"{label}: live --roots {NOT_GOROUTINE_ROOTS} exits 0"):
        t.ok(total <= live - rest, f"{label}: the groups together retain no more than all goroutine roots hold",
             f"groups {total}, goroutine roots free {live - rest} (live {live}, without them {rest})")
    senders = truth.get("roles", {}).get("chan_sender") or []
    if senders and group_of.get(senders[0]) is not None:
        no_chans = live_bytes(core, exe, "globals,stacks," + NOT_GOROUTINE_ROOTS.split(",", 1)[1])
        gr = gg[group_of[senders[0]]]
        t.ok(no_chans is not None and live - no_chans <= gr["retained"] <= live - rest,
             f"{label}: the blocked senders retain at least what their channel elements hold",
             f"group {gr['retained']}, chan elements free {live - (no_chans or 0)}")
    # A group of one goroutine retains what top --group goroutine says.
    code, out, _ = run(["top", "--group", "goroutine", "--json", "--top", "100000", core, exe])
    rows = {int(r["goroutine"].split()[1]): r for r in json.loads(out)["rows"]} if code == 0 else {}
    singles = [gr for gr in gg if gr["count"] == 1 and gr["goids"][0] in rows]
    t.ok(code == 0 and all(rows[gr["goids"][0]]["retained"] == gr["retained"] for gr in singles),
         f"{label}: a group of one goroutine retains what top --group goroutine says ({len(singles)} groups)",
         [(gr["goids"][0], gr["retained"], rows[gr["goids"][0]]["retained"]) for gr in singles
          if rows[gr["goids"][0]]["retained"] != gr["retained"]])


def golden(t, d, label):
    """The text report of a committed fixture equals its golden file, run
    from the source root with relative paths (as tests/golden/regenerate
    does)."""
    root = source_root()
    meta = json.load(open(os.path.join(d, "meta.json")))
    rel = os.path.relpath(d, root)
    path = os.path.join(root, "tests", "golden", f"{label}.report.txt")
    p = subprocess.run([coroner(), "report", os.path.join(rel, "core.gz"), os.path.join(rel, meta.get("fixture_exe", "exe"))],
                       cwd=root, capture_output=True, text=True, timeout=600)
    if not os.path.exists(path):
        t.ok(False, f"{label}: golden file tests/golden/{label}.report.txt exists (tests/golden/regenerate)")
        return
    want = open(path).read()
    diff = "".join(difflib.unified_diff(want.splitlines(True), p.stdout.splitlines(True),
                                        f"tests/golden/{label}.report.txt", "coroner report"))
    t.ok(p.returncode == 0 and p.stdout == want, f"{label}: the report equals tests/golden/{label}.report.txt",
         f"exit {p.returncode}\n{p.stderr[-500:]}\n{diff[:20000]}")


def usage(t, core, exe, label):
    """Bad options are usage errors (64)."""
    for args in (["--top", "0"], ["--top", "x"], ["--max-goroutine-groups", "0"], ["--top"]):
        code, out, err = run(["report"] + args + [core, exe])
        t.ok(code == 64 and not out, f"{label}: report {' '.join(args)} exits 64", f"exit {code} {err[-300:]}")


def check_fixture(t, core, exe, truth, label, kind, stderr):
    check(t, core, exe, truth, label, kind, stderr)
    golden(t, os.path.dirname(core), label)
    if label == "sample":
        usage(t, core, exe, label)


def main():
    run_suite(check_fixture if "--matrix" not in sys.argv else check)


if __name__ == "__main__":
    main()
