"""`coroner dot` on real cores: the graph parses and renders with Graphviz
(which must be installed: scripts/install-deps puts it there), the same
core gives the same bytes, the node budget holds, the scenario's leaking
map is drawn with a chain that goes back to its global, and `--from` the
header of every map the scenario named draws a chain from the root that
holds it (the global, the blocked sender, the goroutine's variable).
Expected values come from the scenario's truth.json.

  --fixtures | --matrix   (CORONER_REQUIRE_MATRIX=1: missing matrix = fail)
"""
import json
import re
import shutil
import subprocess
import sys
import time

from tap import run, run_suite

DEFAULT_MAX_NODES = 200
RENDER_SECONDS = 2.0


def graphviz(t, label, src):
    """Render src with dot -Tsvg and parse it with dot -Tjson0 (Graphviz's
    own parser); returns (nodes by name, edges as (tail, head, attrs))."""
    t0 = time.monotonic()
    p = subprocess.run(["dot", "-Tsvg"], input=src, capture_output=True, text=True, timeout=60)
    took = time.monotonic() - t0
    t.ok(p.returncode == 0 and "<svg" in p.stdout and not p.stderr.strip(),
         f"{label}: renders with dot -Tsvg, no warnings ({took:.2f} s)", f"exit {p.returncode}\n{p.stderr[-2000:]}")
    t.ok(took < RENDER_SECONDS, f"{label}: renders in under {RENDER_SECONDS} s", f"{took:.2f} s")
    p = subprocess.run(["dot", "-Tjson0"], input=src, capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        return {}, []
    j = json.loads(p.stdout)
    objs = j.get("objects", [])
    nodes = {o["name"]: o for o in objs}
    edges = [(objs[e["tail"]]["name"], objs[e["head"]]["name"], e) for e in j.get("edges", [])]
    return nodes, edges


def roots_behind(nodes, edges, start):
    """The first label line of every root node the edges lead back to from start."""
    preds = {}
    for a, b, _ in edges:
        preds.setdefault(b, []).append(a)
    seen, todo, out = {start}, [start], []
    while todo:
        x = todo.pop()
        if nodes.get(x, {}).get("shape") == "cds":
            out.append(nodes[x]["label"].split("\\n")[0])
        for p in preds.get(x, []):
            if p not in seen:
                seen.add(p)
                todo.append(p)
    return sorted(out)


def node_name(addr):
    return "o" + hex(int(addr, 16))


def leak_map(truth):
    """The map the scenario plants as its leak: named by extra.leak, else
    the global map holding the most payload."""
    maps = truth.get("maps", [])
    name = truth.get("extra", {}).get("leak", {}).get("map")
    if name:
        return next((m for m in maps if m["name"] == name), None)
    glob = [m for m in maps if m.get("reachable_from", "").startswith("global ")]
    return max(glob, key=lambda m: (m.get("payload_bytes", 0), m["len"]), default=None)


def root_check(truth, m):
    """How the root of map m's chain is named, as test_live expects it."""
    senders = {x["map_name"]: x["goroutine"] for c in truth.get("channels", []) for x in c.get("senders", [])}
    holder = (truth.get("roles", {}).get("local_map_holder") or [None])[0]
    var = truth.get("extra", {}).get("local_map_var", "local")
    if m["name"].startswith("main."):
        return lambda r: m["name"] in r
    if m["name"] in senders:
        return lambda r: r == f"goroutine {senders[m['name']]} chan send elem"
    if m["name"] == "goroutine-local" and holder is not None:
        return lambda r: r.startswith(f"goroutine {holder} ") and r.endswith(f" var {var}")
    return None


def check(t, core, exe, truth, label, kind, stderr):
    code, out, err = run(["dot", core, exe])
    if not t.ok(code == 0 and out.startswith("digraph coroner {"), f"{label}: dot exits 0 with a digraph",
                f"exit {code}\n{err[-2000:]}"):
        return
    code2, out2, _ = run(["dot", core, exe])
    t.ok(code2 == 0 and out2 == out, f"{label}: the same core gives the same bytes")
    nodes, edges = graphviz(t, label, out)
    t.ok(0 < len(nodes) <= DEFAULT_MAX_NODES, f"{label}: 1 to {DEFAULT_MAX_NODES} nodes by default", len(nodes))
    t.ok(any("suspect #1: " in n.get("label", "") for n in nodes.values()), f"{label}: suspect #1 is drawn")
    m = leak_map(truth)
    if m:
        name = node_name(m["addr"])
        t.ok(name in nodes, f"{label}: the leaking map {m['name']} ({m['addr']}) is drawn", sorted(nodes)[:50])
        rs = roots_behind(nodes, edges, name)
        t.ok(any(m["name"] in r for r in rs), f"{label}: its chain goes back to the global {m['name']}", rs)

    # dot and report name the same suspects the same way (issue 16 #12):
    # report's object suspects, in its order, are dot's, each labelled
    # with report's type name (a map as the map, never its directory or
    # groups), and the leaking map's drawn children hang from it by
    # map["key"] with a key the program stored (its key prefixes).
    code, rout, err = run(["report", "--json", core, exe])
    if t.ok(code in (0, 1) and rout, f"{label}: report runs", f"exit {code}\n{err[-1000:]}"):
        objs = [x for x in json.loads(rout)["suspects"] if x.get("kind") in ("map", "object")]
        drawn = {}
        for name, n in nodes.items():
            mm = re.match(r"suspect #(\d+): (.*)", n.get("label", "").split("\\n")[0])
            if mm:
                drawn[int(mm.group(1))] = (name, mm.group(2))
        got = [drawn[k] for k in sorted(drawn)]
        want = [(node_name(x["addr"]), x["type"]) for x in objs]
        # report folds the runtime's own objects into one line: the rest
        # come in the same order with the same names.
        shown = {a for a, _ in want}
        t.ok(got and [g for g in got if g[0] in shown] == want[:len([g for g in got if g[0] in shown])]
             and got[0] == want[0], f"{label}: dot's suspects are report's object suspects, named alike",
             f"dot:    {got}\nreport: {want}")
        if m and m.get("key_prefixes"):
            labels = [e[2].get("label", "") for e in edges if e[0] == node_name(m["addr"]) and e[2].get("label")]
            keys = [re.match(r'map(?:\[| key )"([^":]*)', x) for x in labels]
            t.ok(labels and all(k and k.group(1) in m["key_prefixes"] for k in keys),
                 f"{label}: {m['name']}'s drawn children hang from it by map[\"key\"], keys the program stored",
                 labels[:5])

    for n in (5, 12, 40):
        code, out, err = run(["dot", "--max-nodes", str(n), "--top", "3", core, exe])
        nodes, edges = graphviz(t, f"{label} --max-nodes {n}", out) if code == 0 else ({}, [])
        t.ok(code == 0 and 0 < len(nodes) <= n, f"{label}: --max-nodes {n} draws at most {n} nodes",
             f"exit {code} {err[-500:]}: {len(nodes)} nodes")

    for m in truth.get("maps", []):
        ok = root_check(truth, m)
        if not ok:
            continue
        code, out, err = run(["dot", "--from", m["addr"], "--max-nodes", "30", core, exe])
        if not t.ok(code == 0, f"{label}: dot --from {m['name']} exits 0", f"exit {code}\n{err[-1000:]}"):
            continue
        nodes, edges = graphviz(t, f"{label} --from {m['name']}", out)
        name = node_name(m["addr"])
        rs = roots_behind(nodes, edges, name)
        t.ok(name in nodes and "object: " in nodes[name].get("label", "") and any(ok(r) for r in rs),
             f"{label}: dot --from {m['name']} draws its chain from its root", f"{name} roots {rs}")

    # A payload deep under a blocked sender's map, in 5 nodes: the middle
    # of its chain is folded, and the chain still starts at the sender.
    for c in truth.get("channels", []):
        for x in c.get("senders", [])[:1]:
            code, out, err = run(["dot", "--from", x["payload_addr"], "--max-nodes", "5", core, exe])
            nodes, edges = graphviz(t, f"{label} --from payload", out) if code == 0 else ({}, [])
            rs = roots_behind(nodes, edges, node_name(x["payload_addr"]))
            t.ok(0 < len(nodes) <= 5 and rs == [f"goroutine {x['goroutine']} chan send elem"],
                 f"{label}: dot --from goroutine {x['goroutine']}'s payload in 5 nodes starts at the sender",
                 f"exit {code} {err[-500:]}: {len(nodes)} nodes, roots {rs}")


def usage(t, core, exe, label):
    """Bad options are usage errors (64); an address no object holds is fatal (2)."""
    for args, want in ((["--max-nodes", "4"], 64), (["--top", "0"], 64), (["--json"], 64),
                       (["--from", "zz"], 64), (["--from", "0x10"], 2)):
        code, out, err = run(["dot"] + args + [core, exe])
        t.ok(code == want and not out, f"{label}: dot {' '.join(args)} exits {want}", f"exit {code} {err[-300:]}")


def check_fixture(t, core, exe, truth, label, kind, stderr):
    check(t, core, exe, truth, label, kind, stderr)
    if label == "sample":
        usage(t, core, exe, label)


def main():
    if not shutil.which("dot"):
        # Not a skip: scripts/install-deps installs Graphviz.
        print("1..1\nnot ok 1 - Graphviz 'dot' is installed (scripts/install-deps test)")
        raise SystemExit(1)
    run_suite(check_fixture if "--matrix" not in sys.argv else check)


if __name__ == "__main__":
    main()
