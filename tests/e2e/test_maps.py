"""Maps on real cores: every map the scenario named, walked by
`coroner map`, against what the program recorded about it (truth.json):
length, the %T of every value, key prefixes, and the map's internals
(buckets, overflow, growth for old maps; directory, tables, groups and
tombstones for Swiss maps).

  --fixtures | --matrix   (CORONER_REQUIRE_MATRIX=1: missing matrix = fail)
"""
import json

from tap import Tap, run, run_suite

OLD = {"B": "B", "noverflow": "noverflow", "overflow_buckets": "overflow_buckets_walked", "growing": "growing"}
SWISS = {"dir_len": "dir_len", "tables": "tables", "groups": "groups", "tombstones": "tombstones"}


def check(t, core, exe, truth, label):
    for m in truth.get("maps", []):
        mtype = f"map[{m['key_type']}]{m['value_type']}"
        code, out, err = run(["map", m["addr"], "--type", mtype, "--limit", "0", "--json", core, exe])
        name = f"{label}: {m['name']} ({mtype})"
        if not t.ok(code == 0, f"{name}: map exits 0", f"exit {code}\n{err}"):
            continue
        got = json.loads(out)
        t.eq(got["len"], m["len"], f"{name}: len")
        t.eq(got["entries"], m["len"], f"{name}: the walk finds every entry once")
        t.eq(got["value_types"], m["value_types"], f"{name}: %T of the values")
        if m.get("key_prefixes") is not None:
            t.eq(got.get("key_prefixes"), m["key_prefixes"], f"{name}: key prefixes")
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


def main():
    run_suite(lambda t, core, exe, truth, label, kind, stderr: check(t, core, exe, truth, label))


if __name__ == "__main__":
    main()
