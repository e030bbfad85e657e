"""The heap profile inside the core (`coroner allocs`, `coroner pprof`),
checked against what the Go runtime itself wrote and read:

- the scenario programs write the runtime's own heap profile
  (pprof.WriteHeapProfile) right before their final memstats and nothing
  is allocated after it; coroner's profile from the core has the same set
  of stacks (function and line of every frame, inlined frames included)
  with exactly the same four values per stack (scaled by MemProfileRate
  with Go's own amd64 math.Exp), plus the buckets the profile writer
  itself created after runtime.MemProfile had listed them (their counts
  are in future cycles: all four values 0);
- the executable's mapping in coroner's heap profile has the build ID the
  runtime's own profile gives it;
- `go tool pprof` from the core's own Go toolchain reads coroner's heap
  and retained profiles, and its -top totals equal coroner's own:
  inuse_space total = `coroner allocs` total, retained_space total = the
  live heap (`coroner top --json`);
- a program built without profiling (the leakysvc-noprof variant): coroner
  says so, exit 0, and `report` still finds the leak;
- the join (leakysvc): the allocation sites of what the leaking map
  retains (its suspect in `report`, `object MAP`, its row in `maps`,
  `map MAP`, and the `top --group type` row of its value type) name
  main.newSession (where every leaking value is allocated) and never
  main.renderPage (where the bounded cache's values are), and the bounded
  cache's sites never name newSession; `top --group site` lists
  newSession;
- the join's figures against the runtime's own profile, on every core
  with one: what any map of `maps`, the leaking `map` and any row of `top
  --group type` retains is a part of the live heap, so each site's
  estimated bytes are at most the runtime profile's inuse_space of the
  stacks that site stands for (same two innermost frames), and its
  samples at most their inuse_objects at MemProfileRate 1 (where a sample
  is an object): a site given to the wrong stack shows; the sampled
  objects' bytes are at most what the map or type retains (a nested member
  of a type group counted twice shows), and at MemProfileRate 1 the
  leaking map's hold at least the buffer bytes the program recorded;
- at MemProfileRate 1 every leaking value's own allocation stack, in
  `object VALUE` (text and JSON), starts at main.newSession;
- a program without profiling: `maps`, `map` and `top` say so once,
  exit 0, and their JSON rows carry the reason.

The profile decoder below is this test's own (protobuf wire format, stdlib
only): coroner's encoder is not trusted to read its output back.
"""
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile

import tap


# --- a minimal profile.proto reader (wire format only) ----------------------

def _varint(b, i):
    v = shift = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if c < 0x80:
            return v, i


def _fields(b):
    i = 0
    while i < len(b):
        key, i = _varint(b, i)
        f, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _varint(b, i)
        elif wt == 2:
            n, i = _varint(b, i)
            v = b[i:i + n]
            i += n
        elif wt == 1:
            v = int.from_bytes(b[i:i + 8], "little")
            i += 8
        elif wt == 5:
            v = int.from_bytes(b[i:i + 4], "little")
            i += 4
        else:
            raise ValueError(f"wire type {wt}")
        yield f, wt, v


def _ints(wt, v, signed):
    out = []
    if wt == 2:  # packed
        i = 0
        while i < len(v):
            x, i = _varint(v, i)
            out.append(x)
    else:
        out.append(v)
    if signed:
        out = [x - (1 << 64) if x >= 1 << 63 else x for x in out]
    return out


def read_profile(path):
    """{'types': [...], 'period': n, 'stacks': {stack: [values]}} where a
    stack is a tuple of locations, a location a tuple of (function, line)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    strings, samples, locs, funcs, types, mappings = [], [], {}, {}, [], []
    period = 0
    for f, wt, v in _fields(data):
        if f == 6:
            strings.append(v.decode())
        elif f == 1:
            types.append({g: x for g, _, x in _fields(v)})
        elif f == 12:
            period = v
        elif f == 2:
            ids, vals = [], []
            for g, w, x in _fields(v):
                if g == 1:
                    ids += _ints(w, x, False)
                elif g == 2:
                    vals += _ints(w, x, True)
            samples.append((ids, vals))
        elif f == 4:
            lid, lines = 0, []
            for g, w, x in _fields(v):
                if g == 1:
                    lid = x
                elif g == 4:
                    ln = {h: y for h, _, y in _fields(x)}
                    lines.append((ln.get(1, 0), ln.get(2, 0)))
            locs[lid] = lines
        elif f == 5:
            fn = {g: x for g, _, x in _fields(v)}
            funcs[fn.get(1, 0)] = fn.get(2, 0)
        elif f == 3:
            mappings.append({g: x for g, _, x in _fields(v)})
    stacks = {}
    for ids, vals in samples:
        key = tuple(tuple((strings[funcs[fid]], line) for fid, line in locs[lid]) for lid in ids)
        acc = stacks.setdefault(key, [0] * len(vals))
        for k, x in enumerate(vals):
            acc[k] += x
    # Mapping: 2 memory_start, 3 memory_limit, 5 filename, 6 build_id (string indices).
    maps = [(m.get(2, 0), m.get(3, 0), strings[m.get(5, 0)], strings[m.get(6, 0)]) for m in mappings]
    return {"types": [strings[ty.get(1, 0)] for ty in types], "period": period, "stacks": stacks,
            "mappings": maps}


def site_funcs(alloc_sites):
    """The functions of the stacks of a JSON alloc_sites object."""
    return [f for s in (alloc_sites or {}).get("sites", []) for f in s.get("stack", [])]


def sites_over_bound(alloc_sites, want):
    """Each listed site of alloc_sites (a part of the live heap) is at most
    what the runtime's profile (want) holds for the stacks with the same two
    innermost frames: estimated bytes <= inuse_space, and at rate 1 samples
    <= inuse_objects.  The profile writer's own allocations (made after
    runtime.MemProfile listed the buckets) are not in the runtime's profile
    and are left out.  Returns what exceeds it."""
    types = want["types"]
    io, isp = types.index("inuse_objects"), types.index("inuse_space")
    bad = []
    for s in (alloc_sites or {}).get("sites", []):
        stack = s.get("stack", [])
        if any(f.startswith("runtime/pprof.") for f in stack):
            continue
        objs = space = 0
        for key, vals in want["stacks"].items():
            names = [fn for loc in key for fn, _ in loc]
            if names[:2] == stack[:2]:
                objs += vals[io]
                space += vals[isp]
        if s["estimated_bytes"] > space * 1.001 + 8:
            bad.append(f"{s['site']}: estimated {s['estimated_bytes']} > inuse_space {space}")
        if want["period"] == 1 and s["samples"] > objs:
            bad.append(f"{s['site']}: {s['samples']} samples > inuse_objects {objs}")
    return bad


# --- the checks ---------------------------------------------------------------

def pprof_tool(truth):
    """The pprof of the core's own Go toolchain: prebuilt in pkg/tool up to
    Go 1.23, built on demand by `go tool pprof` from 1.24 (offline, into the
    cache's GOCACHE)."""
    m = re.match(r"go1\.(\d+)", truth.get("go_version", ""))
    if not m:
        return None
    v = f"1.{m.group(1)}"
    goroot = os.path.join(tap.cache_root(), "toolchains", f"go{v}", "usr", "lib", f"go-{v}")
    tool = os.path.join(goroot, "pkg", "tool", "linux_amd64", "pprof")
    if os.path.exists(tool):
        return [tool]
    go = os.path.join(goroot, "bin", "go")
    if not os.path.exists(go):
        return None
    os.environ.update(GOROOT=goroot, GOTOOLCHAIN="local", GOPROXY="off", GOENV="off", GOFLAGS="-mod=mod",
                      GOCACHE=os.path.join(tap.cache_root(), "gocache", f"go{v}"))
    return [go, "tool", "pprof"]


def pprof_total(tool, path, sample):
    p = subprocess.run(tool + ["-top", "-unit=B", f"-sample_index={sample}", path], capture_output=True, text=True,
                       timeout=300)
    m = re.search(r"of (-?\d+)B? total", p.stdout)
    return (int(m.group(1)) if m else None), p


def runtime_profile_path(core):
    """KIND.heap.pprof beside a matrix core; heap.pprof in a fixture."""
    if core.endswith(".core"):
        return core[:-len(".core")] + ".heap.pprof"
    return os.path.join(os.path.dirname(core), "heap.pprof")


def check(t, core, exe, truth, label, kind, stderr_path):
    extra = truth.get("extra", {})
    with tempfile.TemporaryDirectory() as tmp:
        code, out, err = tap.run(["allocs", "--json", core, exe])
        if not t.ok(code == 0, f"{label}: allocs exits 0", f"exit {code}\n{err[-2000:]}"):
            return
        allocs = json.loads(out)
        t.eq(allocs["mem_profile_rate"], extra.get("mem_profile_rate"),
             f"{label}: MemProfileRate from the core is the program's")
        if not extra.get("heap_profile"):
            t.ok(allocs["disabled_by_linker"] and allocs["no_profile"] and
                 "built without memory profiling" in allocs["no_profile"],
                 f"{label}: a program without profiling: coroner says it was built without memory profiling",
                 allocs.get("no_profile"))
            code, out, err = tap.run(["allocs", core, exe])
            t.ok(code == 0 and "built without memory profiling" in out, f"{label}: allocs text says so, exit 0",
                 f"exit {code}\n{out[:500]}{err[-500:]}")
            code, out, err = tap.run(["report", core, exe])
            t.ok(code == 0 and "built without memory profiling" in out and
                 extra.get("leak", {}).get("map", "?") in out,
                 f"{label}: report says so, exit 0, and still names the leak",
                 f"exit {code}\n{err[-500:]}")
            for cmd in (["maps", "--top", "3"], ["top", "--top", "3"]):
                code, out, err = tap.run(cmd + [core, exe])
                t.ok(code == 0 and out.count("allocation sites: none known") == 1 and
                     "built without memory profiling" in out and "allocated at" not in out,
                     f"{label}: {cmd[0]} says once that there are no allocation sites, exit 0",
                     f"exit {code}\n{out[-600:]}{err[-300:]}")
                code, out, err = tap.run(cmd + ["--json", core, exe])
                rows = json.loads(out).get("rows", []) if code == 0 else []
                t.ok(rows and all("built without memory profiling" in ((r.get("alloc_sites") or {}).get("no_profile")
                                                                       or "") for r in rows),
                     f"{label}: {cmd[0]} --json: every row's alloc_sites says why there are none",
                     f"exit {code} {json.dumps(rows[:1])[:400]}")
            return
        runtime_path = runtime_profile_path(core)
        if not t.ok(os.path.exists(runtime_path), f"{label}: the runtime's own heap profile is beside the core",
                    runtime_path):
            return
        want = read_profile(runtime_path)
        mine = os.path.join(tmp, "heap.pb.gz")
        code, _, err = tap.run(["pprof", "--kind", "heap", "-o", mine, core, exe])
        if not t.ok(code == 0, f"{label}: pprof --kind heap exits 0", f"exit {code}\n{err[-2000:]}"):
            return
        got = read_profile(mine)
        t.eq(got["types"], want["types"], f"{label}: sample types as runtime/pprof writes them")
        t.eq(got["period"], want["period"], f"{label}: period = MemProfileRate")
        ks, kw = set(got["stacks"]), set(want["stacks"])
        t.ok(kw <= ks, f"{label}: every one of the runtime profile's {len(kw)} stacks is in coroner's",
             f"only runtime: {sorted(kw - ks)[:3]}")
        # The profile writer allocates after runtime.MemProfile listed the
        # buckets: the buckets it creates then are in the core, with every
        # count still in a future cycle (0 in active).
        late = [k for k in ks - kw if any(got["stacks"][k])]
        t.ok(not late, f"{label}: coroner's other {len(ks - kw)} stacks are buckets made after the runtime's "
             "profile listed them (all four values 0)", f"{late[:3]}")
        worst = 0
        for k in ks & kw:
            worst = max(worst, max(abs(a - b) for a, b in zip(got["stacks"][k], want["stacks"][k])))
        t.ok(worst == 0, f"{label}: every stack has exactly the runtime's four values (rate {want['period']})",
             f"largest difference {worst}")
        totals = [sum(v[i] for v in want["stacks"].values()) for i in range(len(want["types"]))]
        for i, ty in enumerate(want["types"]):
            d = abs(allocs["totals"].get(ty, 0) - totals[i])
            t.ok(d == 0, f"{label}: allocs {ty} total is the runtime profile's",
                 f"{allocs['totals'].get(ty)} vs {totals[i]}")
        tool = pprof_tool(truth)
        if not t.ok(tool is not None, f"{label}: the core's Go toolchain has pprof"):
            return
        total, p = pprof_total(tool, mine, "inuse_space")
        t.eq(total, allocs["totals"]["inuse_space"],
             f"{label}: go tool pprof -top reads coroner's heap profile: inuse_space total = coroner's")
        # -diff_base: coroner's profile minus the runtime's own is nothing.
        p = subprocess.run(tool + ["-top", "-unit=B", f"-diff_base={runtime_path}", mine], capture_output=True,
                           text=True, timeout=300)
        t.ok(re.search(r"accounting for 0B?, 0% of", p.stdout) is not None,
             f"{label}: go tool pprof -diff_base=<the runtime's profile> finds no difference",
             p.stdout[-600:] + p.stderr[-300:])
        # The executable's mapping (the first: it holds the text) carries the
        # build ID runtime/pprof gave it (the GNU one); where the binary has
        # none, the Go build ID, as `go tool buildid` prints it.
        mine_id = got["mappings"][0][3] if got["mappings"] else None
        want_id = want["mappings"][0][3] if want["mappings"] else None
        if want_id:
            t.eq(mine_id, want_id, f"{label}: the executable's mapping has the runtime profile's build ID")
        else:
            m = re.match(r"go1\.(\d+)", truth.get("go_version", ""))
            goroot = os.path.join(tap.cache_root(), "toolchains", f"go1.{m.group(1)}", "usr", "lib",
                                  f"go-1.{m.group(1)}") if m else ""
            go = os.path.join(goroot, "bin", "go")
            env = dict(os.environ, GOROOT=goroot, GOTOOLCHAIN="local", GOENV="off")
            p = subprocess.run([go, "tool", "buildid", exe], capture_output=True, text=True, timeout=120,
                               env=env) if os.path.exists(go) else None
            t.ok(p is not None and p.returncode == 0 and mine_id == p.stdout.strip(),
                 f"{label}: the executable (no GNU build ID) has its Go build ID in its mapping, as go tool buildid "
                 "prints it", f"{mine_id} vs {p.stdout.strip() if p else None} {p.stderr[-200:] if p else ''}")
        code, out, err = tap.run(["allocs", "--sample", "alloc_objects", "--json", core, exe])
        t.eq(json.loads(out)["total"] if code == 0 else None, allocs["totals"]["alloc_objects"],
             f"{label}: allocs --sample alloc_objects ranks that sample type")
        retained = os.path.join(tmp, "retained.pb.gz")
        code, _, err = tap.run(["pprof", "--kind", "retained", "-o", retained, core, exe])
        if not t.ok(code == 0, f"{label}: pprof --kind retained exits 0", f"exit {code}\n{err[-2000:]}"):
            return
        code, out, err = tap.run(["top", "--json", core, exe])
        live = json.loads(out).get("live_bytes") if code == 0 else None
        total, p = pprof_total(tool, retained, "retained_space")
        t.ok(total is not None and total == live,
             f"{label}: go tool pprof -top reads the retained profile: retained_space total = the live heap",
             f"pprof {total}, coroner top live {live}\n{p.stderr[-500:]}")
        # (Exit 1 is a partial result: realshapes holds string keys whose
        # bytes the core did not save, said in warnings.)
        code, out, err = tap.run(["maps", "--top", "0", "--json", core, exe])
        maps_rows = json.loads(out).get("rows", []) if code in (0, 1) else []
        t.ok(code in (0, 1) and maps_rows and all("alloc_sites" in r for r in maps_rows),
             f"{label}: maps --json: every map carries the allocation sites of what it retains",
             f"exit {code} {err[-300:]}")
        over = [f"map at {r['addr']}: sampled {r['alloc_sites']['sampled_bytes']} > retained {r['retained']}"
                for r in maps_rows if r.get("alloc_sites", {}).get("sampled_bytes", 0) > r["retained"]]
        t.ok(not over, f"{label}: maps: the sampled objects of what a map retains are a part of it", "; ".join(over[:3]))
        bad = [f"map at {r['addr']}: {b}" for r in maps_rows for b in sites_over_bound(r.get("alloc_sites"), want)]
        t.ok(not bad, f"{label}: maps: every map's allocation sites are within the runtime profile's in-use figures",
             "; ".join(bad[:3]))
        code, out, err = tap.run(["top", "--top", "100000", "--json", core, exe])
        type_rows = json.loads(out).get("rows", []) if code in (0, 1) else []
        t.ok(code in (0, 1) and type_rows and all("alloc_sites" in r for r in type_rows),
             f"{label}: top --json: every type row carries the allocation sites of what it retains",
             f"exit {code} {err[-300:]}")
        over = [f"{r['type']}: sampled {r['alloc_sites']['sampled_bytes']} > retained {r['retained']}"
                for r in type_rows if r.get("alloc_sites", {}).get("sampled_bytes", 0) > r["retained"]]
        t.ok(not over, f"{label}: top: the sampled objects of what a type retains are a part of it (each once)",
             "; ".join(over[:3]))
        bad = [f"{r['type']}: {b}" for r in type_rows for b in sites_over_bound(r.get("alloc_sites"), want)]
        t.ok(not bad, f"{label}: top: every type row's allocation sites are within the runtime profile's in-use "
             "figures", "; ".join(bad[:3]))
        leak = extra.get("leak", {})
        if leak.get("alloc_func"):
            bounded = extra.get("bounded", {}).get("alloc_func")
            addr_of = {m["name"]: m["addr"] for m in truth.get("maps", [])}
            by_addr = {int(r["addr"], 16): r for r in maps_rows}
            lrow = by_addr.get(int(addr_of.get(leak["map"], "0"), 16), {})
            funcs = site_funcs(lrow.get("alloc_sites"))
            t.ok(leak["alloc_func"] in funcs and bounded not in funcs,
                 f"{label}: maps: the leaking map's allocation sites name {leak['alloc_func']}, not {bounded}",
                 json.dumps(lrow.get("alloc_sites"))[:800])
            if extra.get("mem_profile_rate") == 1 and leak.get("buf_bytes"):
                # Every allocation is sampled: at least the session buffers
                # the program recorded (allocated in newSession) are there.
                got_b = (lrow.get("alloc_sites") or {}).get("sampled_bytes", 0)
                t.ok(leak["buf_bytes"] <= got_b <= lrow.get("retained", 0),
                     f"{label}: maps: at MemProfileRate 1 the leaking map's sampled bytes hold the "
                     f"{leak['buf_bytes']} buffer bytes the program made, within what it retains",
                     f"sampled {got_b}, retained {lrow.get('retained')}")
            brow = by_addr.get(int(addr_of.get(extra.get("bounded", {}).get("map"), "0"), 16), {})
            t.ok(brow and leak["alloc_func"] not in site_funcs(brow.get("alloc_sites")),
                 f"{label}: maps: the bounded cache's allocation sites never name {leak['alloc_func']}",
                 json.dumps(brow.get("alloc_sites"))[:800])
            code, out, err = tap.run(["maps", "--top", "0", core, exe])
            block = ""
            m = re.search(r"^0x0*%x .*?(?=^0x|\Z)" % int(addr_of.get(leak["map"], "0"), 16), out, re.S | re.M)
            if m:
                block = m.group(0)
            t.ok(code == 0 and re.search(r"allocated at +\d+% " + re.escape(leak["alloc_func"]) + " ", block) and
                 re.search(r"\(from \d+ sampled objects? standing for|every allocation sampled", block),
                 f"{label}: maps text: the leaking map's row says it was allocated at {leak['alloc_func']}, "
                 "with the sample line", block[:800])
            code, out, err = tap.run(["map", addr_of.get(leak["map"], "0"), "--limit", "1", "--json", core, exe])
            one = json.loads(out) if code == 0 else {}
            funcs = site_funcs(one.get("alloc_sites"))
            t.ok(leak["alloc_func"] in funcs and bounded not in funcs,
                 f"{label}: map {leak['map']}: its allocation sites name {leak['alloc_func']}, not {bounded}",
                 f"exit {code} {err[-300:]}\n" + json.dumps(one.get("alloc_sites"))[:800])
            bad = sites_over_bound(one.get("alloc_sites"), want)
            t.ok(not bad, f"{label}: map {leak['map']}: its allocation sites are within the runtime profile's in-use "
                 "figures", "; ".join(bad[:3]))
            code, out, err = tap.run(["map", addr_of.get(leak["map"], "0"), "--limit", "1", core, exe])
            t.ok(code == 0 and re.search(r"^allocated at +\d+% " + re.escape(leak["alloc_func"]) + " ", out, re.M),
                 f"{label}: map text: allocated at {leak['alloc_func']}", out[:800])
            if extra.get("mem_profile_rate") == 1:
                # Every allocation is sampled: each leaking value (the map's
                # values, *main.Session, made by alloc_func) has its own
                # allocation stack in `object`, innermost frame alloc_func.
                vals = [e.get("content") for e in one.get("sample", []) if e.get("value_type") == leak.get("value_type")]
                got = []
                for a in vals[:3]:
                    code, out, err = tap.run(["object", a, "--json", core, exe])
                    at = (json.loads(out).get("allocated_at") or ["?"]) if code == 0 else ["exit %d" % code]
                    got.append(at[0])
                t.ok(vals and all(g.startswith(leak["alloc_func"] + " ") for g in got),
                     f"{label}: object: at MemProfileRate 1 each leaking {leak.get('value_type')} was allocated in "
                     f"{leak['alloc_func']} (its own allocation stack)", f"{vals[:3]} {got}")
                code, out, err = tap.run(["object", vals[0] if vals else "0", core, exe])
                t.ok(code == 0 and re.search(r"^allocated at \(the heap profile sampled it\):\n  " +
                                             re.escape(leak["alloc_func"]) + " ", out, re.M),
                     f"{label}: object text: the sampled value's allocation stack", out[-600:])
            vtype = (leak.get("value_type") or "").lstrip("*")
            trow = next((r for r in type_rows if r["type"] == vtype), {})
            funcs = site_funcs(trow.get("alloc_sites"))
            t.ok(leak["alloc_func"] in funcs and bounded not in funcs,
                 f"{label}: top: the {vtype} row's allocation sites name {leak['alloc_func']}, not {bounded}",
                 json.dumps(trow.get("alloc_sites"))[:800])
            code, out, err = tap.run(["top", "--top", "100000", core, exe])
            m = re.search(r"^ +\d+ +\d+ +\d+  " + re.escape(vtype) + r"\n((?: {16}.*\n)+)", out, re.M)
            t.ok(code == 0 and m and re.search(r"allocated at +\d+% " + re.escape(leak["alloc_func"]) + " ",
                                               m.group(1)),
                 f"{label}: top text: the {vtype} row is followed by its allocation sites", out[:600])
        if leak.get("alloc_func"):
            addr = next((m["addr"] for m in truth.get("maps", []) if m["name"] == leak["map"]), None)
            code, out, err = tap.run(["object", addr, "--json", core, exe])
            obj = json.loads(out) if code == 0 else {}
            sites = (obj.get("retained_alloc_sites") or {}).get("sites", [])
            funcs = [f for s in sites for f in s.get("stack", [])]
            t.ok(leak["alloc_func"] in funcs,
                 f"{label}: object {leak['map']}: the allocation sites of what it retains name {leak['alloc_func']}",
                 f"exit {code} {err[-300:]}\n" + json.dumps(sites)[:800])
            bounded = extra.get("bounded", {}).get("alloc_func")
            t.ok(bounded and bounded not in funcs, f"{label}: ... and not {bounded} (the bounded cache's)",
                 json.dumps(sites)[:800])
            code, out, err = tap.run(["report", "--json", core, exe])
            rep = json.loads(out) if code == 0 else {}
            sus = next((s for s in rep.get("suspects", []) if s.get("root") == leak["map"]), {})
            rfuncs = [f for s in (sus.get("alloc_sites") or {}).get("sites", []) for f in s.get("stack", [])]
            t.ok(leak["alloc_func"] in rfuncs and bounded not in rfuncs,
                 f"{label}: report: the leaking map's allocation sites name {leak['alloc_func']}, not {bounded}",
                 f"exit {code} {err[-300:]}\n" + json.dumps(sus.get("alloc_sites"))[:800])
            code, out, err = tap.run(["top", "--group", "site", "--json", core, exe])
            rows = json.loads(out).get("rows", []) if code == 0 else []
            t.ok(code == 0 and any(leak["alloc_func"] in r.get("site", "") for r in rows),
                 f"{label}: top --group site lists {leak['alloc_func']}", f"exit {code} {err[-300:]}")


if __name__ == "__main__":
    tap.run_suite(check, __doc__)
