"""GC roots, named, on real cores: each map the scenario keeps alive is the
value of a root with the name a Go developer would give it — the global
variable, the blocked sender's element, the goroutine's local variable
(truth.json says which holds which).  Each payload the runtime alone holds
(truth runtime_roots: a finalizer, a cleanup, a heap defer, a panic in
flight, a timer) is the value of a root of that kind, or its retention path
starts at one; an object with a weak pointer to it (Go 1.24+) has a weak
handle root named after it.  --roots KIND,... keeps exactly the kinds asked for; an
unknown kind is a usage error.  A stack slot no variable names is named
after its frame and its offset from that frame's SP ("slot at sp+N"), an
argument word by its offset from the frame's FP ("arg at fp+N"): checked
against the sp= and fp= of the runtime's own crash traceback (kernel cores).

  --fixtures | --matrix   (CORONER_REQUIRE_MATRIX=1: missing matrix = fail)
"""
import gzip
import json
import os
import re

from tap import Tap, run, run_suite


def check(t, core, exe, truth, label, kind="gcore", stderr_path=None):
    code, out, err = run(["roots", "--json", core, exe])
    if not t.ok(code == 0, f"{label}: roots exits 0", f"exit {code}\n{err[-2000:]}"):
        return
    roots = json.loads(out)
    by_value = {}
    for r in roots:
        by_value.setdefault(int(r["value"], 16), []).append(r)
    senders = {s["map_name"]: s["goroutine"] for c in truth.get("channels", []) for s in c.get("senders", [])}
    holder = (truth.get("roles", {}).get("local_map_holder") or [None])[0]
    var = truth.get("extra", {}).get("local_map_var", "local")
    for m in truth.get("maps", []):
        rs = by_value.get(int(m["addr"], 16), [])
        if m["name"].startswith("main."):
            want = ("global", m["name"])
        elif m["name"] in senders:
            want = ("chan elem", f"goroutine {senders[m['name']]} chan send elem")
        elif m["name"] == "goroutine-local" and holder is not None:
            rs = [r for r in rs if r["name"].startswith(f"goroutine {holder} ")]
            t.ok(any(r["kind"] == "stack" and r["name"].endswith(f" var {var}") for r in rs),
                 f"{label}: {m['name']} is held by goroutine {holder}'s variable {var}", rs)
            continue
        else:
            continue
        t.ok(any((r["kind"], r["name"]) == want for r in rs), f"{label}: {m['name']} is held by root {want[1]}", rs)
    check_runtime_roots(t, core, exe, truth, label, roots, by_value)
    if kind == "kernel" and stderr_path:
        check_slot_names(t, roots, stderr_path, label)
    check_filter(t, core, exe, truth, label, roots)


FRAME_RE = re.compile(r"^\t.* fp=(0x[0-9a-f]+) sp=(0x[0-9a-f]+) pc=0x[0-9a-f]+$")
SLOT_RE = re.compile(r"^goroutine (\d+) (\S+) \(.*\) (slot at sp|arg at fp)\+(\d+)$")


def generic(name):
    # Tracebacks print a generic instance's shape arguments as "[...]".
    return re.sub(r"\[.*\]", "[...]", name)


def traceback_frames(stderr_path):
    """{(goroutine, function): [(sp, fp)]} from GOTRACEBACK=crash output."""
    text = None
    if os.path.exists(stderr_path):
        with open(stderr_path, errors="replace") as f:
            text = f.read()
    elif os.path.exists(stderr_path + ".gz"):
        with gzip.open(stderr_path + ".gz", "rt", errors="replace") as f:
            text = f.read()
    if text is None:
        return None
    frames, goid, func = {}, None, None
    for line in text.splitlines():
        m = re.match(r"^goroutine (\d+) ", line)
        if m:
            goid, func = int(m.group(1)), None
            continue
        m = FRAME_RE.match(line)
        if m and goid is not None and func:
            frames.setdefault((goid, generic(func)), []).append((int(m.group(2), 16), int(m.group(1), 16)))
            func = None
        elif line and not line.startswith("\t") and "(" in line:
            func = line[:line.rindex("(")]
    return frames


def check_slot_names(t, roots, stderr_path, label):
    frames = traceback_frames(stderr_path)
    if frames is None:
        return
    checked, wrong = 0, []
    for r in roots:
        m = SLOT_RE.match(r["name"]) if r["kind"] == "stack" else None
        fr = frames.get((int(m.group(1)), generic(m.group(2)))) if m else None
        if not fr:
            continue  # not in the traceback (e.g. the crashing goroutine's own frames)
        slot, n = int(r["slot"], 16), int(m.group(4))
        if m.group(3) == "slot at sp":
            ok = any(sp + n == slot and slot < fp for sp, fp in fr)
        else:
            ok = any(fp + n == slot for sp, fp in fr)
        checked += 1
        if not ok:
            wrong.append(f"{r['name']} at {r['slot']}: frames (sp, fp) {[(hex(a), hex(b)) for a, b in fr]}")
    t.ok(not wrong, f"{label}: every unnamed stack root's offset is from its own frame's sp/fp as the crash "
         f"traceback gives them ({checked} checked)", "\n".join(wrong[:20]))


def check_runtime_roots(t, core, exe, truth, label, roots, by_value):
    for rr in truth.get("runtime_roots", []):
        kind, addr = rr["kind"], int(rr["addr"], 16)
        what = f"{label}: {kind} payload {rr['type']} {rr['addr']}"
        ok = lambda r: r["kind"] == kind and (not rr.get("goroutine") or
                                              r["name"].startswith(f"goroutine {rr['goroutine']} {kind}"))
        if rr.get("func"):
            t.ok(any(r["kind"] == kind and rr["func"] in r["name"] for r in roots),
                 f"{what}: a {kind} root is named after {rr['func']}",
                 [r["name"] for r in roots if r["kind"] == kind])
        if kind == "weak handle":
            # The root is the handle cell (a uintptr to the object, not a
            # pointer the graph follows), named after the object.
            names = [r["name"] for r in roots if r["kind"] == kind]
            t.ok(f"weak handle of 0x{addr:x}" in names, f"{what}: a weak handle root names it", names)
            continue
        direct = [r for r in by_value.get(addr, []) if ok(r)]
        if direct:
            t.ok(True, f"{what} is the value of root {direct[0]['name']}")
            continue
        code, out, err = run(["path", rr["addr"], "--json", core, exe])
        paths = json.loads(out).get("paths", []) if code == 0 else []
        t.ok(bool(paths) and paths[0]["root_kind"] == kind and
             (not rr.get("goroutine") or paths[0]["root"].startswith(f"goroutine {rr['goroutine']} {kind}")),
             f"{what}: its retention path starts at a {kind} root", f"exit {code} {err[-500:]}\n{paths[:1]}")
    kinds = {r["kind"] for r in roots}
    if truth.get("runtime_roots"):
        for r in roots:
            if r["kind"] == "timer" and "fires in" in r["name"]:
                t.ok(True, f"{label}: timers say when they fire ({r['name']})")
                break
        else:
            t.ok("timer" not in kinds, f"{label}: timers say when they fire")


def check_filter(t, core, exe, truth, label, roots):
    by_kind = {}
    for r in roots:
        by_kind[r["kind"]] = by_kind.get(r["kind"], 0) + 1
    code, out, err = run(["roots", "--roots=globals", "--json", core, exe])
    got = json.loads(out) if code == 0 else []
    t.ok(code == 0 and {r["kind"] for r in got} == {"global"} and len(got) == by_kind.get("global"),
         f"{label}: --roots=globals keeps the {by_kind.get('global')} global roots and no others",
         f"exit {code} {err[-300:]} kinds {sorted({r['kind'] for r in got})} count {len(got)}")
    globals_ = {r["name"] for r in got}
    t.ok(all(m["name"] in globals_ for m in truth.get("maps", []) if m["name"].startswith("main.")),
         f"{label}: --roots=globals still names every global map")
    code, out, err = run(["roots", "--roots", "stacks,chans", "--json", core, exe])
    got = json.loads(out) if code == 0 else []
    want = by_kind.get("stack", 0) + by_kind.get("chan elem", 0)
    senders = sum(len(c.get("senders", [])) for c in truth.get("channels", []))
    t.ok(code == 0 and {r["kind"] for r in got} <= {"stack", "chan elem"} and len(got) == want and
         sum(r["kind"] == "chan elem" for r in got) == senders,
         f"{label}: --roots stacks,chans keeps the {want} stack and channel roots ({senders} blocked senders)",
         f"exit {code} count {len(got)}")
    code, out, err = run(["roots", "--roots=globals,nosuchkind", core, exe])
    t.ok(code == 64 and "nosuchkind" in err, f"{label}: an unknown --roots kind is a usage error (exit 64)",
         f"exit {code} {err[-300:]}")


def main():
    run_suite(check)


if __name__ == "__main__":
    main()
