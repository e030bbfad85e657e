"""Maps on real cores: every map the scenario named, walked by
`coroner map`, against what the program recorded about it (truth.json):
length, the %T of every value, key prefixes, and the map's internals
(buckets, overflow, growth for old maps; directory, tables, groups and
tombstones for Swiss maps).  Then what the runtime itself measured
(HeapAlloc around building it, after a GC): the bytes the whole map
retains, the bytes each entry of one map retains, and the depth, leaves
and bytes of each nested value of another.  And --redact: no key and no
string value of the map appears in the redacted report, while every count
stays the same.  On the fixtures, a copy of the core where a nested value
is made to hold its own map: the walk stops at the depth cap.

  --fixtures | --matrix   (CORONER_REQUIRE_MATRIX=1: missing matrix = fail)
"""
import gzip
import json
import os
import shutil
import struct
import tempfile

from tap import Tap, run, run_suite

OLD = {"B": "B", "noverflow": "noverflow", "overflow_buckets": "overflow_buckets_walked", "growing": "growing"}
SWISS = {"dir_len": "dir_len", "tables": "tables", "groups": "groups", "tombstones": "tombstones"}

# Shown entries asked for: every entry of a small map, a sample of a big one.
ALL_ENTRIES = 1000
SAMPLE = 200


def strings_in(x, skip=("value_types", "value_type", "type", "impl", "sort")):
    """Every string of a JSON document (values, and object keys), except
    type names, which are the program's schema, not its data."""
    if isinstance(x, str):
        yield x
    elif isinstance(x, list):
        for v in x:
            yield from strings_in(v, skip)
    elif isinstance(x, dict):
        for k, v in x.items():
            if k in skip:
                continue
            yield k
            yield from strings_in(v, skip)


def check_redacted(t, name, args, got, plain, truth_keys):
    code, out, err = run(args + ["--redact"])
    if not t.ok(code == 0, f"{name}: --redact exits 0", f"exit {code}\n{err}"):
        return
    red = json.loads(out)
    t.ok(red.get("redacted") is True, f"{name}: --redact says so")
    # The same counts: length, types, clusters (count and bytes), nesting.
    for k in ("len", "entries", "value_types", "nesting", "retained_bytes", "entries_retained_bytes"):
        t.eq(red.get(k), got.get(k), f"{name}: --redact keeps {k}")
    t.eq(sorted((c["count"], c["key_bytes"]) for c in red.get("key_clusters", [])),
         sorted((c["count"], c["key_bytes"]) for c in got.get("key_clusters", [])),
         f"{name}: --redact keeps every key cluster's count and key bytes")
    t.eq(sum((red.get("key_prefixes") or {}).values()), sum((got.get("key_prefixes") or {}).values()),
         f"{name}: --redact keeps the key prefix counts")
    t.eq(len(red["sample"]), len(plain["sample"]), f"{name}: --redact shows as many entries")
    t.ok(all("sample" not in c for c in red.get("key_clusters", [])), f"{name}: --redact shows no sample key")
    # No content: no key of the truth, no key and no string value of the
    # plain report (whole, or as part of a longer string once it is long
    # enough to mean something).
    secrets = set()
    for e in plain["sample"]:
        if not e["key"].startswith("@0x"):
            secrets.add(e["key"])
        if e.get("value_type") == "string":
            secrets.add(e["content"])
    for c in got.get("key_clusters", []):
        secrets.add(c["sample"])
    secrets.update(truth_keys)
    secrets.discard("")
    shown = list(strings_in(red))
    leaks = sorted({s for s in secrets for x in shown if x == s or (len(s) >= 6 and s in x)})
    t.ok(not leaks, f"{name}: --redact shows none of {len(secrets)} keys and string values", leaks[:10])


def file_offset(path, addr):
    """Where the byte at addr is in an ELF64 core (PT_LOAD with file bytes)."""
    with open(path, "rb") as f:
        eh = f.read(64)
        phoff, = struct.unpack_from("<Q", eh, 32)
        phnum, = struct.unpack_from("<H", eh, 56)
        f.seek(phoff)
        ph = f.read(56 * phnum)
    for i in range(phnum):
        ptype, _, off, vaddr, _, filesz, _, _ = struct.unpack_from("<IIQQQQQQ", ph, 56 * i)
        if ptype == 1 and vaddr <= addr and addr + 8 <= vaddr + filesz:
            return off + addr - vaddr
    return None


def check_cycle(t, name, m, core, exe, entries):
    """Make the first nested map value of m point back at m itself, and the
    first []interface {} value claim 2^40 elements: the nesting walk must
    stop at its depth and visit caps, quickly, and say so."""
    e = next((e for e in entries if e["value_type"] == f"map[{m['key_type']}]{m['value_type']}"), None)
    s = next((e for e in entries if e["value_type"] == "[]interface {}"), None)
    if not e or not s:
        return
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "core")
        with gzip.open(core, "rb") as src, open(raw, "wb") as dst:
            shutil.copyfileobj(src, dst)
        # A pointer-shaped value: "value" is the interface's data word.
        off = file_offset(raw, int(e["value"], 16))
        if not t.ok(off is not None, f"{name}: the data word of {e['key']} is in the core"):
            return
        # A slice: "value" is its header; len is its second word.
        soff = file_offset(raw, int(s["value"], 16) + 8)
        if not t.ok(soff is not None, f"{name}: the len of {s['key']} is in the core"):
            return
        with open(raw, "r+b") as f:
            f.seek(soff)
            slice_len = f.read(8)
            f.seek(off)
            f.write(struct.pack("<Q", int(m["addr"], 16)))
            f.seek(soff)
            f.write(struct.pack("<Q", 1 << 40))
        code, out, err = run(["map", m["addr"], "--type", f"map[{m['key_type']}]{m['value_type']}", "--limit",
                              "100", "--sort", "key", "--json", raw, exe], timeout=120)
        if not t.ok(code in (0, 1), f"{name}: a map holding itself is walked", f"exit {code}\n{err}"):
            return
        got = json.loads(out)
        c = next((x for x in got["sample"] if x["key"] == e["key"]), {})
        # Each turn of the cycle meets the huge slice too: whichever cap
        # comes first stops it.
        t.ok(c.get("nesting_capped") is True and 0 < c.get("depth", 0) <= 65,
             f"{name}: the nesting walk stops in a cycle", c)
        w = next((x for x in got["sample"] if x["key"] == s["key"]), {})
        t.ok(w.get("nesting_capped") is True, f"{name}: the nesting walk stops at the visit cap in a huge slice", w)
        t.ok(got["nesting"]["capped_entries"] >= 2, f"{name}: the summary counts the capped entries")
        # The cycle alone: the depth cap stops it.
        with open(raw, "r+b") as f:
            f.seek(soff)
            f.write(slice_len)
        code, out, err = run(["map", m["addr"], "--type", f"map[{m['key_type']}]{m['value_type']}", "--limit",
                              "100", "--sort", "key", "--json", raw, exe], timeout=120)
        if t.ok(code in (0, 1), f"{name}: a map holding itself is walked", f"exit {code}\n{err}"):
            c = next((x for x in json.loads(out)["sample"] if x["key"] == e["key"]), {})
            t.ok(c.get("nesting_capped") is True and c.get("depth", 0) >= 64,
                 f"{name}: the nesting walk stops at the depth cap in a cycle", c)


def check(t, core, exe, truth, label):
    for m in truth.get("maps", []):
        mtype = f"map[{m['key_type']}]{m['value_type']}"
        name = f"{label}: {m['name']} ({mtype})"
        limit = ALL_ENTRIES if m["len"] <= ALL_ENTRIES else SAMPLE
        args = ["map", m["addr"], "--type", mtype, "--limit", str(limit), "--sort", "key", "--json", core, exe]
        code, out, err = run(args)
        if not t.ok(code == 0, f"{name}: map exits 0", f"exit {code}\n{err}"):
            continue
        got = json.loads(out)
        t.eq(got["len"], m["len"], f"{name}: len")
        t.eq(got["entries"], m["len"], f"{name}: the walk finds every entry once")
        t.eq(got["value_types"], m["value_types"], f"{name}: %T of the values")
        if m.get("key_prefixes") is not None:
            # The program records a key's prefix up to its first ':'; coroner
            # keeps the separator ("user:"): the same prefix once it is cut.
            ours = {}
            for p, n in (got.get("key_prefixes") or {}).items():
                ours[p.removesuffix(":")] = ours.get(p.removesuffix(":"), 0) + n
            t.eq(ours, m["key_prefixes"], f"{name}: key prefixes")
            t.ok(all(p.endswith(":") or ":" not in p for p in got.get("key_prefixes") or {}),
                 f"{name}: key prefixes end at their separator, which they keep", got.get("key_prefixes"))
            # Key clusters split the keys exactly: by prefix they add up to
            # the program's own prefix counts.
            by_prefix = {}
            for c in got.get("key_clusters", []):
                p = c["pattern"].split(":")[0] if ":" in c["pattern"] else c["sample"]
                by_prefix[p] = by_prefix.get(p, 0) + c["count"]
            t.eq(by_prefix, m["key_prefixes"], f"{name}: key clusters add up to the key prefixes")
        internals = m.get("internals") or {}
        fields = SWISS if got["impl"] == "swiss" else OLD
        t.eq(got["impl"], internals.get("impl", got["impl"]), f"{name}: map implementation")
        for ours, theirs in fields.items():
            if theirs in internals:
                t.eq(got[ours], internals[theirs], f"{name}: {ours}")

        # Retained bytes: what the runtime measured, exactly.
        entries = got["sample"]
        t.eq(len(entries), min(limit, m["len"]), f"{name}: as many entries shown as asked")
        keys = [e["key"] for e in entries]
        t.ok(keys == sorted(keys, key=lambda k: k.encode()) or m["key_type"] != "string",
             f"{name}: --sort key orders string keys bytewise")
        known = [e["retained_bytes"] for e in entries if e.get("retained_bytes") is not None]
        t.ok(sum(known) <= got["entries_retained_bytes"] <= got["retained_bytes"],
             f"{name}: entries retain no more than the map",
             (sum(known), got["entries_retained_bytes"], got["retained_bytes"]))
        clusters = got.get("key_clusters", [])
        if clusters:
            t.eq(sum(c["retained_bytes"] for c in clusters), got["entries_retained_bytes"],
                 f"{name}: key clusters' retained bytes add up to the entries'")
        if m.get("retained_bytes") is not None:
            t.eq(got["retained_bytes"], m["retained_bytes"], f"{name}: the map retains what the runtime measured")
        by_key = {e["key"]: e for e in entries}
        for want in m.get("entries_retained") or []:
            e = by_key.get(want["key"])
            t.eq(e and e.get("retained_bytes"), want["retained_bytes"],
                 f"{name}: entry {want['key']} retains what the runtime measured")
        for want in m.get("nested") or []:
            e = by_key.get(want["key"]) or {}
            t.eq((e.get("depth"), e.get("leaves"), e.get("retained_bytes")),
                 (want["depth"], want["leaves"], want["retained_bytes"]),
                 f"{name}: nested value {want['key']} ({want.get('type')}): depth, leaves, retained bytes")
        # Nesting: the histogram covers every entry; the shown entries agree.
        nest = got["nesting"]
        t.eq(sum(nest["depths"].values()), m["len"], f"{name}: the depth histogram covers every entry")
        t.eq(nest["max_depth"], max((int(d) for d in nest["depths"]), default=0), f"{name}: max depth")
        t.ok(all(e["depth"] <= nest["max_depth"] for e in entries), f"{name}: no shown entry deeper than the max")

        # The retained order: most first, and the same entries as by key.
        code, out, err = run(["map", m["addr"], "--type", mtype, "--limit", str(limit), "--json", core, exe])
        if t.ok(code == 0, f"{name}: map --sort retained exits 0", f"exit {code}\n{err}"):
            by_ret = json.loads(out)
            r = [e["retained_bytes"] if e["retained_bytes"] is not None else -1 for e in by_ret["sample"]]
            t.ok(r == sorted(r, reverse=True), f"{name}: entries by retained bytes, most first")
            if m["len"] <= limit:
                t.eq(sorted((e["key"], e["retained_bytes"]) for e in by_ret["sample"]),
                     sorted((e["key"], e["retained_bytes"]) for e in entries),
                     f"{name}: the same entries and bytes in either order")

        # Without --type: the heap's typing knows every named map's type.
        if core.endswith(".gz") or m is truth["maps"][0]:
            code, out, err = run(["map", m["addr"], "--limit", "0", "--json", core, exe])
            if t.ok(code == 0, f"{name}: map without --type exits 0", f"exit {code}\n{err}"):
                typed = json.loads(out)
                t.eq((typed["type"], typed["entries"], typed["value_types"], typed["retained_bytes"]),
                     (got["type"], got["entries"], got["value_types"], got["retained_bytes"]),
                     f"{name}: without --type, the type the heap's typing found gives the same map")
        check_redacted(t, name, args, got, got,
                       [x["key"] for x in (m.get("entries_retained") or []) + (m.get("nested") or [])])
        # Without the heap graph: the same walk, in walk order, no retained bytes.
        code, out, err = run(["map", m["addr"], "--type", mtype, "--limit", "5", "--no-retained", "--json", core, exe])
        if t.ok(code == 0, f"{name}: map --no-retained exits 0", f"exit {code}\n{err}"):
            plain = json.loads(out)
            t.eq((plain["entries"], plain["value_types"], plain["nesting"], plain["sort"]),
                 (got["entries"], got["value_types"], got["nesting"], "walk"),
                 f"{name}: --no-retained walks the same entries, in walk order")
            t.ok("retained_bytes" not in plain and all("retained_bytes" not in e for e in plain["sample"]),
                 f"{name}: --no-retained has no retained bytes")
        if m.get("nested") and core.endswith(".gz"):
            check_cycle(t, name, m, core, exe, entries)


def main():
    run_suite(lambda t, core, exe, truth, label, kind, stderr: check(t, core, exe, truth, label))


if __name__ == "__main__":
    main()
