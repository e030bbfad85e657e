"""`coroner diff OLD NEW` (issue 11) against the grows scenario's two truths.

The grows program (cores/scenarios/grows) records a truth at its first
readiness (old.truth.json), grows its leaks by known amounts on SIGUSR1 and
records a second truth (new.truth.json): map lengths and key prefixes
(reflect), the objects it added by type, the objects it freed, and its
goroutines as runtime.Stack printed them, with the file:line of the go
statement that starts the leaked ones (runtime.Caller).  Checked here:

- the first item under "what grew" is main.cache, the planted growth;
- every grown or pruned map's length delta and key-cluster deltas exact,
  and its value types old -> new exact;
- main.events, whose backing array append replaced, matched through the
  global that holds it;
- new objects by leaking type exact (main.User, main.Session, main.Event,
  main.Request), and every new main.User under main.cache; the freed
  main.Scratch count exact;
- the goroutine leak: the new blocked goroutines of main.spawnWaiters, at
  the truth's go statement, exact in number, retaining at least their
  request bodies; their group old -> new exact;
- OLD and NEW swapped: the growth is shrinkage, nothing crashes;
- the same core twice: an empty diff;
- cores of different executables: exit 2 with one line;
- the committed pair's text diff equals tests/golden/go1.22-grows.diff.txt
  (a regression guard; its facts are the ones asserted above).

--fixtures: the committed pair cores/fixtures/go1.22-grows (a gcore, then
the kernel's crash core of the grown process).  --matrix: every Go
version's pairs in $CORONER_CACHE/matrix/go1.NN/grows: (old, new), two
gcore cores, and (old, crash), a gcore then the kernel's crash core.
"""
import difflib
import json
import lzma
import os
import shutil
import subprocess
import sys
import tempfile

import tap

LEAK_TYPES = ("main.User", "main.Session", "main.Event", "main.Request")


def truth_map(truth, name):
    return next(m for m in truth["maps"] if m["name"] == name)


def change_of(changes, path):
    return next((c for c in changes if c["path"] == path), None)


def cluster_of(change, prefix):
    """The key cluster whose sample key has the truth's prefix."""
    return next((c for c in change["key_clusters"] if (c["sample"] or "").split(":")[0] == prefix), None)


def objects_by_type(section):
    out = {}
    for r in section["by_type"]:
        out[r["type"]] = out.get(r["type"], 0) + r["count"]
    return out


def diff_json(t, label, args):
    code, out, err = tap.run(["diff", "--json", "--top", "100000"] + args)
    if not t.ok(code == 0, f"{label}: diff exits 0", f"exit {code}\n{err[-2000:]}"):
        return None
    try:
        return json.loads(out)
    except ValueError as e:
        t.ok(False, f"{label}: diff --json parses", str(e))
        return None


def check_map(t, label, d_changes, old_truth, new_truth, name):
    om, nm = truth_map(old_truth, name), truth_map(new_truth, name)
    c = change_of(d_changes, name)
    if not t.ok(c is not None, f"{label}: {name} is listed", [x["path"] for x in d_changes]):
        return
    t.eq(c["addr_new"], nm["addr"], f"{label}: {name} matched at its header address")
    t.eq((c["len_old"], c["len_new"]), (om["len"], nm["len"]), f"{label}: {name} length old -> new")
    for prefix in sorted(set(om["key_prefixes"]) | set(nm["key_prefixes"])):
        k = cluster_of(c, prefix)
        want = (om["key_prefixes"].get(prefix, 0), nm["key_prefixes"].get(prefix, 0))
        got = (k["old"], k["new"], k["delta"]) if k else None
        t.eq(got, want + (want[1] - want[0],), f"{label}: {name} key cluster {prefix}:… old, new, delta")
    got = {v["name"]: (v["old"], v["new"]) for v in c["value_types"]}
    want = {ty: (om["value_types"].get(ty, 0), nm["value_types"].get(ty, 0))
            for ty in set(om["value_types"]) | set(nm["value_types"])}
    t.eq(got, want, f"{label}: {name} value types old -> new")


def check_pair(t, label, old_core, new_core, exe, old_truth, new_truth):
    d = diff_json(t, label, [old_core, new_core, exe])
    if d is None:
        return
    ex_old, ex_new = old_truth["extra"], new_truth["extra"]
    t.ok(d["same_pid"] and d["old"]["pid"] == new_truth["pid"], f"{label}: one process (pid {new_truth['pid']})")
    t.ok(d["interval_ns"] is not None and d["interval_ns"] > 0, f"{label}: the interval between the cores is known",
         d["interval_ns"])
    # What grew: main.cache first.
    t.ok(d["grew"] and d["grew"][0]["path"] == "main.cache" and d["grew"][0]["is_map"],
         f"{label}: the first item under what grew is main.cache", [c["path"] for c in d["grew"][:3]])
    check_map(t, label, d["grew"], old_truth, new_truth, "main.cache")
    # main.events' backing array was replaced by append: matched through
    # the global that holds it, not by address.
    ev = change_of(d["grew"], "main.events")
    t.ok(ev is not None and ev["moved"] and ev["addr_old"] and ev["addr_old"] != ev["addr_new"] and
         ev["objects_new"] - ev["objects_old"] >= ex_new["events"] - ex_old["events"],
         f"{label}: main.events' new backing array matched with the old one, +{ex_new['events'] - ex_old['events']} events or more", ev)
    check_map(t, label, d["shrank"], old_truth, new_truth, "main.scratch")
    # New objects by leaking type, exact; and who holds the new users.
    got = objects_by_type(d["new_objects"])
    for ty in LEAK_TYPES:
        t.eq(got.get(ty, 0), ex_new["new_objects"][ty], f"{label}: new {ty} objects")
    holders = {r["holder"] for r in d["new_objects"]["by_type"] if r["type"] == "main.User"}
    t.eq(holders, {"main.cache"}, f"{label}: every new main.User is under main.cache")
    freed = objects_by_type(d["freed"])
    t.eq(freed.get("main.Scratch", 0), ex_new["freed_objects"]["main.Scratch"], f"{label}: freed main.Scratch objects")
    for ty in ("main.User", "main.Session", "main.Event"):
        t.eq(freed.get(ty, 0), 0, f"{label}: no {ty} freed")
    # The goroutine leak.
    leaked = ex_new["waiters"] - ex_old["waiters"]
    rows = [g for g in d["new_blocked_goroutines"] if g["created_by"] == ex_new["waiter_created_by"]]
    t.eq([(g["count"], g["state"], g["site"], g["function"]) for g in rows],
         [(leaked, ex_new["waiter_state"], ex_new["waiter_site"], ex_new["waiter_func"])],
         f"{label}: +{leaked} goroutines in {ex_new['waiter_state']} created by {ex_new['waiter_created_by']} at the go statement")
    if rows:
        t.ok(rows[0]["retained"] >= leaked * ex_new["request_body"],
             f"{label}: the new waiters retain at least their request bodies", rows[0]["retained"])
    others = [g for g in d["new_blocked_goroutines"] if g["created_by"] != ex_new["waiter_created_by"]]
    t.eq(others, [], f"{label}: no other new blocked goroutines")
    groups = [g for g in d["goroutine_groups"] if g["function"] == ex_new["waiter_func"]]
    t.eq([(g["old"], g["new"]) for g in groups], [(ex_old["waiters"], ex_new["waiters"])],
         f"{label}: the waiters' group old -> new")
    t.eq(len([g for g in new_truth["goroutines"] if g.get("role") == "waiter"]), ex_new["waiters"],
         f"{label}: (the truth's own stacks count the waiters)")

    # Swapped: the growth appears as shrinkage.
    s = diff_json(t, f"{label} swapped", [new_core, old_core, exe])
    if s is not None:
        c = change_of(s["shrank"], "main.cache")
        om, nm = truth_map(old_truth, "main.cache"), truth_map(new_truth, "main.cache")
        t.ok(c is not None and c["retained_delta"] < 0 and (c["len_old"], c["len_new"]) == (nm["len"], om["len"]),
             f"{label} swapped: main.cache shrank {nm['len']} -> {om['len']}", c)
        t.ok(change_of(s["grew"], "main.cache") is None, f"{label} swapped: main.cache did not grow")
        t.eq(objects_by_type(s["freed"]).get("main.User", 0), ex_new["new_objects"]["main.User"],
             f"{label} swapped: the new users are freed")
        t.eq(objects_by_type(s["new_objects"]).get("main.User", 0), 0, f"{label} swapped: no new users")
        t.eq(s["new_blocked_goroutines"], [], f"{label} swapped: no new blocked goroutines")


def check_same(t, label, core, exe):
    d = diff_json(t, f"{label} same core", [core, core, exe])
    if d is None:
        return
    empty = (d["grew"], d["shrank"], d["new_objects"]["count"], d["freed"]["count"], d["goroutine_groups"],
             d["new_blocked_goroutines"], [s["delta"] for s in d["summary"] if s["delta"]])
    t.eq(empty, ([], [], 0, 0, [], [], []), f"{label}: the same core twice is an empty diff")


def check_refused(t, label, args):
    code, out, err = tap.run(["diff"] + args)
    lines = err.strip().splitlines()
    t.ok(code == 2 and out == "" and len(lines) == 1 and lines[0].startswith("coroner: "),
         f"{label}: cores of different executables: exit 2 with one line", f"exit {code}\n{err}")


def check_usage(t):
    """Usage errors exit 64 before any core is opened; options go anywhere."""
    for args, what in ((["diff", "a"], "missing NEW_CORE"), (["diff", "--top", "0", "a", "b"], "--top wants"),
                       (["diff", "a", "b", "c", "d"], "too many arguments")):
        code, out, err = tap.run(args)
        t.ok(code == 64 and what in err, f"diff usage: {' '.join(args[1:])} exits 64 ({what})", f"exit {code}\n{err}")


def golden(t, d, exe):
    """The text diff of the committed pair equals the golden file, run from
    the source root with relative paths (the executable's path, a temporary
    copy, written as $EXE), as tests/golden/regenerate writes it."""
    root = tap.source_root()
    rel = os.path.relpath(d, root)
    path = os.path.join(root, "tests", "golden", f"{os.path.basename(d)}.diff.txt")
    if not t.ok(os.path.exists(path), f"golden file {os.path.relpath(path, root)} exists (tests/golden/regenerate)"):
        return
    p = subprocess.run([os.path.abspath(tap.coroner()), "diff", f"{rel}/old.core.zst", f"{rel}/new.core.zst", exe],
                       capture_output=True, text=True, cwd=root, timeout=600)
    got = p.stdout.replace(exe, "$EXE")
    with open(path) as f:
        want = f.read()
    t.ok(p.returncode == 0 and got == want, f"the diff of {rel} equals {os.path.relpath(path, root)}",
         "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True)))[:4000])


def fixtures(t):
    root = tap.source_root()
    d = os.path.join(root, "cores", "fixtures", "go1.22-grows")
    if not os.path.exists(os.path.join(d, "meta.json")):
        tap.skip("no committed pair cores/fixtures/go1.22-grows (cores/make-fixtures)")
    meta = tap.load_json(os.path.join(d, "meta.json"))
    tmp = tempfile.mkdtemp(prefix="coroner-diff-")
    try:
        exe = os.path.join(tmp, "exe")
        with lzma.open(os.path.join(d, meta["fixture_exe"])) as src, open(exe, "wb") as dst:
            shutil.copyfileobj(src, dst)
        os.chmod(exe, 0o755)
        old, new = os.path.join(d, meta["old"]["core"]), os.path.join(d, meta["new"]["core"])
        ot, nt = tap.load_json(os.path.join(d, meta["old"]["truth"])), tap.load_json(os.path.join(d, meta["new"]["truth"]))
        check_pair(t, "go1.22-grows", old, new, exe, ot, nt)
        check_same(t, "go1.22-grows", new, exe)
        check_usage(t)
        code, out, err = tap.run(["diff", old, "--top", "1", new, "--json", exe])
        t.ok(code == 0 and len(json.loads(out)["grew"]) == 1, "diff: options anywhere (--top 1 --json after the cores)",
             f"exit {code}\n{err[-1000:]}")
        other = os.path.join(root, "cores", "fixtures", "go1.27-shapes")
        check_refused(t, "go1.22-grows vs go1.27-shapes", [old, os.path.join(other, "core.gz"), exe])
        golden(t, d, exe)
    finally:
        shutil.rmtree(tmp)


def matrix(t):
    base = os.path.join(tap.cache_root(), "matrix")
    dirs = [(v, os.path.join(base, f"go{v}", "grows")) for v in tap.MATRIX_VERSIONS]
    have = [(v, d) for v, d in dirs if os.path.exists(os.path.join(d, "crash.meta.json"))]
    if not have and os.environ.get("CORONER_REQUIRE_MATRIX") != "1":
        tap.skip("no grows pairs: run cores/gen-matrix --scenarios grows first (CORONER_CACHE or ~/.cache/coroner)")
    t.ok(len(have) == len(dirs), "every Go version has a grows pair",
         "missing: " + ", ".join(v for v, d in dirs if (v, d) not in have))
    for v, d in have:
        exe = os.path.join(d, "exe")
        ot, nt = tap.load_json(os.path.join(d, "old.truth.json")), tap.load_json(os.path.join(d, "new.truth.json"))
        check_pair(t, f"go{v}/grows gcore+gcore", os.path.join(d, "old.core"), os.path.join(d, "new.core"), exe, ot, nt)
        check_pair(t, f"go{v}/grows gcore+kernel", os.path.join(d, "old.core"), os.path.join(d, "crash.core"), exe, ot, nt)
        check_same(t, f"go{v}/grows", os.path.join(d, "crash.core"), exe)
    if len(have) >= 2:
        # Each core with the executable it records: two Go releases' builds.
        (v1, d1), (v2, d2) = have[0], have[-1]
        check_refused(t, f"go{v1} vs go{v2}", [os.path.join(d1, "old.core"), os.path.join(d2, "new.core")])


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "--fixtures"
    t = tap.Tap()
    (matrix if mode == "--matrix" else fixtures)(t)
    sys.exit(t.done())


if __name__ == "__main__":
    main()
