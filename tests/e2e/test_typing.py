"""Full typing of the heap (issue 4 §3, §5), on real cores:
- at least 99.9% of the live bytes get a Go type (the ledger's typed share);
  known gap: what parked goroutines' frames hold in slots no DWARF variable
  names at the park pc (the leaks scenario's 500 buffers and maps: the
  truth's planted goroutine leak, its retained_bytes) is left untyped, so
  those bytes are set aside — everything else must still be 99.9% typed;
- every map the scenario named is typed as the map type the program
  recorded for it (reflect's key and value types);
- a blocked sender's 1 MiB payload is typed [1048576]uint8 and its
  retention path is written as Go would: the send's root, then the map
  entry by its key (map["payload"]);
- the program's exactly-N objects of one type (main.Headered) are all typed
  as such on every Go version: from their malloc headers on 1.22+, from
  the []*Headered slice that holds them before;
- `object` shows a named map's fields (its header's fields from DWARF);
- `top --group goroutine`: each blocked sender retains its payload;
- `path --type main.Blob` finds a live Blob (the scenario stores *Blob
  values) and its path; `path --type 'unknown (48-byte class, pointers)'`
  (an untyped group as top names it) finds one of that group's objects.

  --fixtures | --matrix   (CORONER_REQUIRE_MATRIX=1: missing matrix = fail)
"""
import json
import re

from tap import coroner_json, run_suite

TYPED_SHARE = 0.999



def check(t, core, exe, truth, label, kind, stderr):
    live = coroner_json(t, label, ["live", "--json", core, exe])
    if live is None:
        return
    # The known gap (see above), measured by the program itself.
    frame_held = sum(p["retained_bytes"] for p in truth.get("extra", {}).get("planted_leaks", [])
                     if p.get("kind") == "goroutines")
    untyped = live["live_bytes"] - live["typed_live_bytes"]
    share = 1 - max(0, untyped - frame_held) / live["live_bytes"]
    aside = f", {frame_held} frame-held bytes of parked goroutines set aside" if frame_held else ""
    t.ok(share >= TYPED_SHARE, f"{label}: {share:.4%} of live bytes typed (>= {TYPED_SHARE:.1%}{aside})",
         f"typed {live['typed_live_bytes']} of {live['live_bytes']}")
    for m in truth.get("maps", []):
        want = f"map[{m['key_type']}]{m['value_type']}"
        obj = coroner_json(t, label, ["object", m["addr"], "--json", core, exe])
        if obj is None:
            continue
        t.eq((obj["type"], obj["typed"]), (want, True), f"{label}: {m['name']} is typed {want}")
        if m["name"] == "main.cache":
            paths = [f["path"] for f in obj.get("fields", [])]
            t.ok(len(paths) >= 3 and all(p.startswith(".") for p in paths),
                 f"{label}: object shows {m['name']}'s header fields by name", paths)
    for c in truth.get("channels", []):
        for s in c.get("senders", []):
            p = coroner_json(t, label, ["path", s["payload_addr"], "--json", core, exe])
            if p is None:
                continue
            t.eq(p["type"], f"[{s['payload_len']}]uint8", f"{label}: goroutine {s['goroutine']}'s payload is typed")
            hops = p["paths"][0]["hops"] if p["paths"] else []
            t.ok(p["paths"] and p["paths"][0]["root"] == f"goroutine {s['goroutine']} chan send elem"
                 and any(h.get("via") == 'map["payload"]' for h in hops),
                 f"{label}: goroutine {s['goroutine']}'s payload path goes through map[\"payload\"]",
                 json.dumps(p["paths"][:1], indent=1))
    # top --group goroutine: a blocked sender retains at least its payload.
    senders = [s for c in truth.get("channels", []) for s in c.get("senders", [])]
    if senders:
        top = coroner_json(t, label, ["top", "--group", "goroutine", "--top", "100000", "--json", core, exe])
        if top is not None:
            by_g = {r["goroutine"].split()[1]: r for r in top["rows"]}
            for s in senders:
                r = by_g.get(str(s["goroutine"]))
                t.ok(r is not None and r["retained"] >= s["payload_len"],
                     f"{label}: goroutine {s['goroutine']} retains its {s['payload_len']}-byte payload", r)
    # path --type: the live object of a type that retains most.
    if any("*main.Blob" in m.get("value_types", {}) for m in truth.get("maps", [])):
        p = coroner_json(t, label, ["path", "--type", "main.Blob", "--json", core, exe])
        if p is not None:
            t.ok(p["type"] == "main.Blob" and p["paths"], f"{label}: path --type main.Blob finds one, with a path",
                 json.dumps(p)[:2000])
    hd = truth.get("extra", {}).get("headered")
    if hd:
        top = coroner_json(t, label, ["top", "--group", "type", "--json", core, exe])
        if top is not None:
            got = sum(r["count"] for r in top["rows"] if r["type"] == hd["type"])
            t.eq(got, hd["count"], f"{label}: exactly {hd['count']} live objects typed {hd['type']}")
    # path --type takes the untyped groups' names as top prints them (the
    # three largest): as many live objects, each of the group's size.
    top = coroner_json(t, label, ["top", "--group", "type", "--top", "100000", "--json", core, exe])
    for r in [r for r in (top or {}).get("rows", []) if r["type"].startswith("unknown (")][:3]:
        p = coroner_json(t, label, ["path", "--type", r["type"], "--json", core, exe])
        m = re.match(r"unknown \((\d+)-byte (class|object)", r["type"])
        if p is not None:
            t.ok(p.get("of_type") == r["count"] and p["paths"] and (m is None or m.group(2) == "object"
                                                                     or p["size"] == int(m.group(1))),
                 f"{label}: path --type '{r['type']}' finds one of its {r['count']} objects, with a path",
                 json.dumps(p)[:1500])


run_suite(check, __doc__)
