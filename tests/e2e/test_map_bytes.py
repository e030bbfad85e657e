"""One definition of a map's bytes, on every core (issue 16 #3): for every
map the program named (truth.json maps, and realshapes' extra maps), the
bytes it holds itself (shallow) and the bytes it retains are the same
numbers in `maps`, `map ADDR`, `object ADDR` and, where the map is a
suspect, `report`; and shallow <= retained.  realshapes' main.iterated is
held by a parked reflect.MapIter too (a heap object holding the header and
the buckets or table), so the map dominates less than it holds — the
shape on which `map ADDR` once said 3.6 MB where `object` said 3.4 MB: its
retained bytes are at most what the program measured the map alone to
retain before the iterator existed (truth retained_alone).

  --fixtures | --matrix   (CORONER_REQUIRE_MATRIX=1: missing matrix = fail)
"""
import json

from tap import run, run_suite


def named_maps(truth):
    """(name, addr) of every map the truth names."""
    out = [(m["name"], m["addr"]) for m in truth.get("maps", [])]
    extra = truth.get("extra") or {}
    if "iterated" in extra:
        out.append((extra["iterated"]["map"], extra["iterated"]["addr"]))
    for g in extra.get("static_globals") or []:
        if g.get("target_type", "").startswith("map["):
            out.append((g["global"] + g["field"], g["target"]))
    if "shared_mapping" in extra:
        out.append((extra["shared_mapping"]["map"], extra["shared_mapping"]["map_addr"]))
    return out


def check(t, core, exe, truth, label, kind, stderr_path):
    maps = named_maps(truth)
    if not maps:
        return
    code, out, err = run(["maps", "--top", "0", "--json", core, exe])
    if not t.ok(code in (0, 1) and out, f"{label}: maps runs", f"exit {code}\n{err[-1500:]}"):
        return
    rows = {int(r["addr"], 16): r for r in json.loads(out)["rows"]}
    code, out, err = run(["report", "--json", core, exe])
    suspects = {}
    if t.ok(code in (0, 1) and out, f"{label}: report runs", f"exit {code}\n{err[-1500:]}"):
        suspects = {int(s["addr"], 16): s for s in json.loads(out)["suspects"] if s.get("kind") == "map"}
    for name, addr in maps:
        n = f"{label}: {name}"
        row = rows.get(int(addr, 16))
        if not t.ok(row is not None, f"{n} is listed by maps"):
            continue
        code, out, err = run(["map", addr, "--limit", "1", "--json", core, exe])
        if not t.ok(code in (0, 1) and out, f"{n}: map exits 0 or 1", f"exit {code}\n{err[-1500:]}"):
            continue
        m = json.loads(out)
        code, out, err = run(["object", addr, "--json", core, exe])
        if not t.ok(code == 0, f"{n}: object exits 0", f"exit {code}\n{err[-1500:]}"):
            continue
        o = json.loads(out)
        t.eq((m.get("shallow_bytes"), m.get("retained_bytes"), o["retained"]), (row["shallow"], row["retained"], row["retained"]),
             f"{n}: map and object give the shallow and retained bytes maps gives")
        t.ok(row["shallow"] <= row["retained"], f"{n}: shallow <= retained", row)
        t.ok(m.get("entries_retained_bytes", 0) <= row["retained"], f"{n}: its entries retain no more than it does",
             (m.get("entries_retained_bytes"), row["retained"]))
        s = suspects.get(int(addr, 16))
        if s is not None:
            t.eq((s["shallow"], s["retained"]), (row["shallow"], row["retained"]),
                 f"{n}: report's suspect has the same bytes")
    it = (truth.get("extra") or {}).get("iterated")
    if it and it.get("retained_alone") is not None:
        row = rows.get(int(it["addr"], 16))
        if row:
            t.ok(row["retained"] <= it["retained_alone"],
                 f"{label}: {it['map']}, which {it['iterator']} holds too, retains at most what it retained alone",
                 (row["retained"], it["retained_alone"]))


run_suite(check, __doc__)
