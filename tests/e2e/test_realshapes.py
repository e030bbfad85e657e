"""Shapes that real programs have and the other scenarios lack (issue 16),
on the realshapes cores, checked against what the program recorded about
itself (truth.json extra):

- odd: a struct whose pointer-free fields sit at offsets that are not
  multiples of 8 (a bool at 1285) inside a type with more than 128 pointer
  words (Go 1.24+ builds its mask on demand, walking its fields), embedded
  in the heap object main.oddHeld: `type` gives its pointer words, `live`
  and `object` work with no pointer-mask warning, `path` to its Tail goes
  through main.oddHeld.
- held_by_param: an object only main.holder's parameter b holds: its path
  starts at that goroutine's `var b`.
- shared_mapping: main.sharedKeys's string keys point into a read-only
  shared file mapping that no core holds: info counts its bytes as
  missing, and `map` says, in one warning, that so many string keys' bytes
  could not be read (exit 1, partial).
- shared_slots: main.sharer used slices before blocking on its jobs
  channel: no root of that frame is named after a slice's len or cap word,
  and the channel is named after a channel variable, or not at all.
- slice_field: `object` of a main.Blob shows its Data field's pointer, len
  and cap as the program read them, pointing at the live backing array.
- static_globals: package variables initialised with a composite
  literal's address (var fileSet = &FileSet{...}, and the generic
  var profiles = &Cache[string, *Profile]{...}) that the compiler laid
  out in the data segment: the heap objects their fields hold are held by
  roots named `main.fileSet → .Root`, `main.profiles → .Items` (not
  `global at 0x...`), and `path` and `maps` start there.
- stack_map: a function-local map whose header the compiler kept on the
  worker's stack (see check_stack_map).

  --fixtures | --matrix   (CORONER_REQUIRE_MATRIX=1: missing matrix = fail)
"""
import json
import re
import subprocess

from tap import run, run_suite


def check(t, core, exe, truth, label, kind, stderr_path):
    if truth.get("scenario") != "realshapes":
        return
    extra = truth["extra"]
    odd = extra["odd"]
    code, out, err = run(["type", "--json", odd["type"], core, exe])
    if t.ok(code == 0, f"{label}: type {odd['type']} exits 0 (fields at offsets {odd['flag_offset']}, "
            f"{odd['count_offset']})", f"exit {code}\n{err}"):
        got = json.loads(out)
        t.eq((got["size"], got["pointer_words"]), (odd["size"], odd["pointer_words"]),
             f"{label}: {odd['type']} size and pointer words equal reflect's")
    code, out, err = run(["live", core, exe])
    t.ok(code == 0 and "pointer mask" not in err, f"{label}: live exits 0 without a pointer-mask warning",
         f"exit {code}\n{err[-2000:]}")
    code, out, err = run(["object", "--json", odd["holder"], core, exe])
    if t.ok(code == 0, f"{label}: object {odd['holder']} exits 0", f"exit {code}\n{err[-2000:]}"):
        got = json.loads(out)
        t.eq((got["type"], got["size"] >= odd["holder_size"]), (odd["holder_type"], True),
             f"{label}: the holder is a {odd['holder_type']} of at least {odd['holder_size']} bytes")
    code, out, err = run(["path", "--json", odd["tail"], core, exe])
    if t.ok(code == 0, f"{label}: path {odd['tail']} exits 0", f"exit {code}\n{err[-2000:]}"):
        paths = json.loads(out).get("paths", [])
        root = paths[0]["root"] if paths else ""
        t.ok(root == odd["global"], f"{label}: the odd struct's Tail is held through {odd['global']}", out[:2000])

    held = extra["held_by_param"]
    code, out, err = run(["path", "--json", held["addr"], core, exe])
    if t.ok(code == 0, f"{label}: path {held['addr']} exits 0", f"exit {code}\n{err[-2000:]}"):
        paths = json.loads(out).get("paths", [])
        root = paths[0]["root"] if paths else ""
        want = re.compile(rf"^goroutine {held['goroutine']} {re.escape(held['func'])} \(.*\) var {held['var']}$")
        t.ok(bool(want.match(root)), f"{label}: the {held['type']} only {held['func']}'s parameter "
             f"{held['var']} holds has that variable as its root", root)

    shm = extra.get("shared_mapping")
    if shm:
        code, out, err = run(["info", "--json", core, exe])
        if t.ok(code == 0, f"{label}: info exits 0", f"exit {code}\n{err[-2000:]}"):
            missing = json.loads(out)["memory"]["bytes_missing"]
            t.ok(missing >= shm["size"], f"{label}: info counts the {shm['size']}-byte shared file mapping the core "
                 f"does not hold as missing", f"bytes_missing {missing}")
        code, out, err = run(["map", shm["map_addr"], core, exe])
        want = f"map at {shm['map_addr']}: {shm['keys']} string keys' bytes could not be read"
        t.ok(code == 1 and want in err, f"{label}: map {shm['map']} says its {shm['keys']} string keys' bytes "
             f"could not be read (exit 1)", f"exit {code}\n{err[-1500:]}")

    sf = extra.get("slice_field")
    if sf:
        code, out, err = run(["object", "--json", sf["object"], core, exe])
        if t.ok(code == 0, f"{label}: object {sf['object']} exits 0", f"exit {code}\n{err[-2000:]}"):
            f = next((f for f in json.loads(out).get("fields", []) if f["path"] == sf["field"]), {})
            t.eq((f.get("value", "").split(" ")[0], f.get("len"), f.get("cap"), f.get("points_to")),
                 (sf["ptr"], sf["len"], sf["cap"], sf["ptr"]),
                 f"{label}: object shows {sf['field']}'s ptr, len, cap and its backing array")
            t.ok(f.get("points_to_type", "").endswith("]" + sf["elem_type"]),
                 f"{label}: the backing array is typed [N]{sf['elem_type']}", f)

    statics = extra.get("static_globals") or []
    if statics:
        code, out, err = run(["roots", "--json", core, exe])
        roots = json.loads(out) if code == 0 else []
        for sg in statics:
            want = f"{sg['global']} → {sg['field']}"
            names = [r["name"] for r in roots if r["kind"] == "global" and int(r["value"], 16) == int(sg["target"], 16)]
            t.ok(want in names, f"{label}: what {sg['global']}'s static {sg['type']} holds in {sg['field']} is "
                 f"held by the root {want}", names)
            code, out, err = run(["path", "--json", sg["target"], core, exe])
            paths = json.loads(out).get("paths", []) if code == 0 else []
            t.eq(paths[0]["root"] if paths else None, want, f"{label}: path {sg['target']} starts at {want}")
        code, out, err = run(["maps", "--top", "0", "--json", core, exe])
        rows = {int(r["addr"], 16): r for r in json.loads(out)["rows"]} if code in (0, 1) and out else {}
        for sg in statics:
            if sg["target_type"].startswith("map["):
                r = rows.get(int(sg["target"], 16), {})
                t.eq((r.get("root"), r.get("len"), r.get("type")),
                     (f"{sg['global']} → {sg['field']}", sg["map_len"], sg["target_type"]),
                     f"{label}: maps lists {sg['global']}{sg['field']} held by its static")

    sm = extra.get("stack_map")
    if sm:
        check_stack_map(t, core, exe, sm, label)

    sh = extra["shared_slots"]
    code, out, err = run(["roots", "--json", core, exe])
    if not t.ok(code == 0, f"{label}: roots exits 0", f"exit {code}\n{err[-2000:]}"):
        return
    prefix = f"goroutine {sh['goroutine']} {sh['func']} ("
    frame = [r for r in json.loads(out) if r["kind"] == "stack" and r["name"].startswith(prefix)]
    lencap = [r["name"] for r in frame
              if any(r["name"].endswith(f" var {v}+8") or r["name"].endswith(f" var {v}+16")
                     for v in sh["slice_vars"])]
    t.ok(not lencap, f"{label}: no pointer of {sh['func']} is named after a slice's len or cap word", lencap)
    chan = [r["name"] for r in frame if int(r["value"], 16) == int(sh["chan"], 16)]
    named = [n for n in chan if " var " in n]
    t.ok(chan and all(n.split(" var ")[1] in sh["chan_vars"] for n in named),
         f"{label}: the jobs channel is held by {sh['func']}, named after {sh['chan_vars']} or unnamed", chan)


def dwarf_has_var(exe, func, var):
    """Whether the executable's DWARF (as binutils' objdump reads it)
    gives function func a variable named var."""
    out = subprocess.run(["objdump", "--dwarf=info", exe], capture_output=True, text=True).stdout
    inside = False
    for line in out.splitlines():
        if "DW_TAG_subprogram" in line:
            inside = False
        m = re.search(r"DW_AT_name\s*:\s*(\S+)$", line)
        if m and m.group(1) == func:
            inside = True
        elif m and inside and m.group(1) == var:
            return True
    return False


def check_stack_map(t, core, exe, sm, label):
    """A map whose header stays in the worker's frame (the program's
    escape analysis kept it there: make(map...) does not escape): what it
    holds is live, and where DWARF names the variable (objdump), the path
    to an entry's value starts at `goroutine N main.stackMapWorker (...)
    var local` and reads `map[KEY]`; where the compiler dropped the
    variable from DWARF (Swiss releases), the root says slot, honestly."""
    code, out, err = run(["object", "--json", sm["item"], core, exe])
    if t.ok(code == 0, f"{label}: object {sm['item']} exits 0", f"exit {code}\n{err[-1500:]}"):
        t.ok(json.loads(out)["live"], f"{label}: the value only {sm['func']}'s stack map holds is live, not garbage")
    code, out, err = run(["path", "--json", sm["item"], core, exe])
    paths = json.loads(out).get("paths", []) if code == 0 else []
    if not t.ok(bool(paths), f"{label}: path {sm['item']} finds a path", f"exit {code}\n{err[-1500:]}"):
        return
    root, hops = paths[0]["root"], paths[0]["hops"]
    prefix = f"goroutine {sm['goroutine']} {sm['func']} ("
    if dwarf_has_var(exe, sm["func"], sm["var"]):
        t.ok(root.startswith(prefix) and root.endswith(f") var {sm['var']}")
             and [h.get("via") for h in hops[1:]] == [f"map[{sm['item_key']}]"],
             f"{label}: the value is held by {prefix}…) var {sm['var']} → map[{sm['item_key']}]",
             json.dumps(paths[0], indent=1)[:1500])
    else:
        t.ok(root.startswith(prefix) and " slot at sp+" in root,
             f"{label}: DWARF has no {sm['var']} in {sm['func']}: the root is the frame's slot", root)


def main():
    run_suite(check, __doc__)


if __name__ == "__main__":
    main()
