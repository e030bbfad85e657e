"""Paths read as a Go developer writes them (issue 16 #10), on every core,
against what the program recorded:

- a hop through a map is `map["key"]`, whatever the release: the map's
  buckets (old maps) or directory, tables and groups (Swiss maps) fold into
  it.  shapes: each blocked sender's payload is reached from the map it
  sends as `map["payload"]` right after the map header; every map under
  main.nested is held by `main.nested → map["K"] → …` with K one of the
  keys the program stored, and nothing but map keys and slice indexes in
  between.
- a hop through an interface is the field, not its data word: realshapes'
  main.ifaceHolder holds an *Item in its interface field Store, and the
  path to the Item is `main.ifaceHolder → .Store`.
- a hop out of a closure names the captured variable where DWARF gives
  its offset in the closure (DW_AT_go_closure_offset, 0x2907, as binutils'
  objdump reads it: Go 1.23+), else says it is a capture: leaks' timer
  map, which only a time.AfterFunc closure holds, is `captured m` or
  `closure capture +0x8`.

  --fixtures | --matrix   (CORONER_REQUIRE_MATRIX=1: missing matrix = fail)
"""
import json
import re
import subprocess

from tap import run, run_suite

INTERNAL = re.compile(r"\.(buckets|oldbuckets|dirPtr|groups|extra|overflow)\b|\.data\b")


def path_json(t, label, addr, core, exe):
    code, out, err = run(["path", addr, "--json", core, exe])
    if not t.ok(code == 0, f"{label}: path {addr} exits 0", f"exit {code}\n{err[-1500:]}"):
        return None
    return json.loads(out)


def closure_captures(exe, func):
    """{offset: name} of the variables DWARF says func's closures capture
    (objdump; attribute 0x2907 is DW_AT_go_closure_offset)."""
    out = subprocess.run(["objdump", "--dwarf=info", exe], capture_output=True, text=True).stdout
    got, inside, name = {}, False, None
    for line in out.splitlines():
        if "DW_TAG_subprogram" in line:
            inside = False
        m = re.search(r"DW_AT_name\s*:\s*(\S+)$", line)
        if m:
            inside = inside or m.group(1) == func
            name = m.group(1)
        m = re.search(r"Unknown AT value: 2907: (\d+)", line)
        if m and inside:
            got[int(m.group(1))] = name
    return got


def check(t, core, exe, truth, label, kind, stderr_path):
    for c in truth.get("channels", []):
        for s in c.get("senders", []):
            p = path_json(t, label, s["payload_addr"], core, exe)
            hops = p["paths"][0]["hops"] if p and p["paths"] else []
            vias = [h.get("via", "") for h in hops[1:]]
            t.ok(len(hops) >= 2 and hops[0]["type"].startswith("map[") and vias[0] == 'map["payload"]'
                 and not any(INTERNAL.search(v) for v in vias),
                 f"{label}: goroutine {s['goroutine']}'s payload is its map's map[\"payload\"], no internals between",
                 json.dumps(hops, indent=1)[:2000])
    nested = next((m for m in truth.get("maps", []) if m["name"] == "main.nested"), None)
    if nested and nested.get("nested"):
        keys = {n["key"] for n in nested["nested"]}
        code, out, err = run(["maps", "--top", "0", "--json", core, exe])
        if t.ok(code == 0, f"{label}: maps exits 0", f"exit {code}\n{err[-1500:]}"):
            under = [r["path"] for r in json.loads(out)["rows"] if r["path"].startswith("main.nested →")]
            hop = re.compile(r' → (map\["[^"]*"\]|\[\d+\])')
            bad = [p for p in under if hop.sub("", p[len("main.nested"):]) != ""
                   or re.match(r'main\.nested → map\["([^"]*)"\]', p).group(1) not in keys]
            t.ok(under and not bad, f"{label}: the maps under main.nested are held by main.nested → map[\"K\"] → … "
                 f"(K a key the program stored)", bad[:5] or under[:5])
    tm = (truth.get("extra") or {}).get("timer_map")
    if tm:
        p = path_json(t, label, tm["addr"], core, exe)
        hops = p["paths"][0]["hops"] if p and p["paths"] else []
        fn = hops[0]["type"][len("closure "):] if hops and hops[0]["type"].startswith("closure ") else None
        if t.ok(fn and len(hops) == 2, f"{label}: the timer map is held by a closure", json.dumps(hops)[:1500]):
            caps = closure_captures(exe, fn)
            want = f"captured {caps[8]}" if 8 in caps else "closure capture +0x8"
            t.eq(hops[1].get("via"), want, f"{label}: the hop out of {fn}'s closure says what DWARF knows: {want}")
    iface = (truth.get("extra") or {}).get("iface_field")
    if iface:
        p = path_json(t, label, iface["target"], core, exe)
        path = p["paths"][0] if p and p["paths"] else {}
        t.eq((path.get("root"), [h.get("via") for h in path.get("hops", [])[1:]], p and p["type"]),
             (iface["global"], [iface["field"]], iface["target_type"]),
             f"{label}: the {iface['target_type']} in {iface['global']}'s interface field is held by "
             f"{iface['global']} → {iface['field']}")


run_suite(check, __doc__)
