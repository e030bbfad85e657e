"""Every map in the heap (`coroner maps`), on real cores: each map the
scenario named is listed once, typed map[K]V as reflect names it, with the
length, the %T of its values and the internals the program read from the runtime (buckets, overflow,
growth for old maps; directory, tables, groups, tombstones for Swiss maps),
retaining at least its own shallow bytes, held by the root the program
says holds it; the rows are sorted by retained bytes; --type filters.

  --fixtures | --matrix   (CORONER_REQUIRE_MATRIX=1: missing matrix = fail)
"""
import json

from tap import run, run_suite

OLD = {"B": "B", "noverflow": "noverflow", "overflow_buckets": "overflow_buckets_walked", "growing": "growing"}
SWISS = {"dir_len": "dir_len", "tables": "tables", "groups": "groups", "tombstones": "tombstones"}


def check(t, core, exe, truth, label, kind, stderr):
    code, out, err = run(["maps", "--top", "0", "--json", core, exe])
    if not t.ok(code == 0, f"{label}: maps exits 0", f"exit {code}\n{err[-2000:]}"):
        return
    got = json.loads(out)
    rows = got["rows"]
    t.eq(got["shown"], got["maps"], f"{label}: --top 0 shows every map")
    t.ok(all(a["retained"] >= b["retained"] for a, b in zip(rows, rows[1:])), f"{label}: sorted by retained bytes")
    # One definition of a map's bytes: what it holds itself is part of
    # what it retains, for every map (issue 16: a map iterator holding the
    # buckets once made shallow exceed retained).
    t.ok(all(r["shallow"] <= r["retained"] for r in rows), f"{label}: every map retains what it holds itself",
         [(r["addr"], r["shallow"], r["retained"]) for r in rows if r["shallow"] > r["retained"]][:5])
    by_addr = {}
    for r in rows:
        by_addr.setdefault(int(r["addr"], 16), []).append(r)
    senders = {x["map_name"]: x["goroutine"] for c in truth.get("channels", []) for x in c.get("senders", [])}
    holder = (truth.get("roles", {}).get("local_map_holder") or [None])[0]
    for m in truth.get("maps", []):
        name = f"{label}: {m['name']}"
        hits = by_addr.get(int(m["addr"], 16), [])
        if not t.eq(len(hits), 1, f"{name} is listed once"):
            continue
        r = hits[0]
        t.eq((r["type"], r["len"], r["entries"]), (f"map[{m['key_type']}]{m['value_type']}", m["len"], m["len"]),
             f"{name}: type, len, entries walked")
        t.eq(r["value_types"], m["value_types"], f"{name}: %T of the values")
        # The implementation the program reported (the map's own internals,
        # else the release's: truth map_impl); internals only where the
        # program read them — a field the truth lacks is not compared.
        internals = m.get("internals") or {}
        want_impl = internals.get("impl") or truth.get("map_impl")
        if t.ok(want_impl in ("swiss", "hmap"), f"{name}: the truth names the map implementation", want_impl):
            t.eq(r["impl"], want_impl, f"{name}: implementation")
        for ours, theirs in (SWISS if want_impl == "swiss" else OLD).items():
            if theirs in internals:
                t.ok(ours in r and r[ours] == internals[theirs], f"{name}: {ours} is the program's {theirs}",
                     f"coroner {r.get(ours)}, program {internals[theirs]}")
        t.ok(48 <= r["shallow"] <= r["retained"], f"{name}: shallow bytes within retained", r)
        if m["name"].startswith("main."):
            want = lambda root: root == m["name"]
        elif m["name"] in senders:
            want = lambda root: root == f"goroutine {senders[m['name']]} chan send elem"
        elif m["name"] == "goroutine-local" and holder is not None:
            want = lambda root: root.startswith(f"goroutine {holder} ")
        else:
            continue
        t.ok(want(r["root"]) and r["path"].startswith(r["root"]), f"{name}: held by the right root", r)
    # --type keeps exactly the rows of that type.
    if rows:
        ty = rows[0]["type"]
        code, out, err = run(["maps", "--type", ty, "--top", "0", "--json", core, exe])
        if t.ok(code == 0, f"{label}: maps --type exits 0", err):
            sub = json.loads(out)["rows"]
            t.eq([r["addr"] for r in sub], [r["addr"] for r in rows if r["type"] == ty], f"{label}: --type '{ty}' filters")


run_suite(check, __doc__)
