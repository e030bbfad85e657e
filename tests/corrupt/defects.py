"""Regression tests for the defects of issue 13, each on a copy of a real
matrix core (the committed go1.22 fixture) damaged the way it was found:
a FIFO or a directory given as a file, impossible runtime counters, map
keys that are not UTF-8, runtime lists that loop, and errors a person
could not use.

Where things are comes from gdb (its own DWARF reader) or from the core's
ELF headers, never from coroner; what is expected comes from the
scenario's truth.json, from the bytes the test wrote, or from python's
json parser.
"""
import gzip
import json
import os
import re
import shutil
import stat
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import Tap, skip, fixtures, load_json, coroner  # noqa: E402
from runtime_structures import segments, file_offset, poke  # noqa: E402

TIME_LIMIT = 60
FIXTURE = "go1.22-shapes"  # gdb's view of the runtime below uses go1.22 names

# gdb script: the addresses of the runtime structures the tests damage.
GDB_FIND = r"""
import gdb
def addr(v): return int(v.address)
def out(k, v): print("ADDR %s 0x%x" % (k, v))
gc = gdb.parse_and_eval("'runtime.gcController'")
out("heapInUse", addr(gc['heapInUse']))
ms = gdb.parse_and_eval("'runtime.memstats'")
out("largeFreeCount0", addr(ms['heapStats']['stats'][0]['largeFreeCount']))
md = gdb.parse_and_eval("'runtime.firstmoduledata'")
out("pcHeader", addr(md['pcHeader']))
out("filetab_array", int(md['filetab']['array']))
out("filetab_len", int(md['filetab']['len']))
h = gdb.parse_and_eval("'runtime.mheap_'")
out("allspans_array", int(h['allspans']['array']))
out("allspans_len", int(h['allspans']['len']))
ag = gdb.parse_and_eval("'runtime.allgs'")
out("allgs_array", int(ag['array']))
out("allgs_len", int(ag['len']))
for i in range(int(ag['len'])):
    g = ag['array'][i].dereference()
    goid = int(g['goid'])
    w = g['waiting']
    if int(w) and not int(w.dereference()['waitlink']) and int(w.dereference()['c']):
        s = w.dereference()
        print("SUDOG %d 0x%x 0x%x 0x%x 0x%x" % (goid, int(w), addr(s['waitlink']), addr(s['next']),
                                              addr(g['atomicstatus'])))
    if int(g['_defer']):
        print("DEFER %d 0x%x 0x%x" % (goid, int(g['_defer']), addr(g['_defer'].dereference()['link'])))
    if int(g['_panic']):
        print("PANIC %d 0x%x 0x%x" % (goid, int(g['_panic']), addr(g['_panic'].dereference()['link'])))
arr = h['allspans']['array']
for i in range(int(h['allspans']['len'])):
    s = arr[i].dereference()
    if int(s['specials']):
        sp = s['specials'].dereference()
        print("SPECIAL 0x%x 0x%x 0x%x %d" % (int(arr[i]), int(s['specials']), addr(sp['next']), int(sp['kind'])))
"""


def run(args, timeout=TIME_LIMIT):
    try:
        p = subprocess.run([coroner()] + args, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None, b"", "timeout"
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def decode_json_string(s):
    """The bytes a JSON string from coroner stands for (README: each
    character U+EF80..U+EFFF is the byte code point - 0xEF00)."""
    out = bytearray()
    for ch in s:
        cp = ord(ch)
        if 0xEF80 <= cp <= 0xEFFF:
            out.append(cp - 0xEF00)
        else:
            out += ch.encode("utf-8")
    return bytes(out)


def all_strings(v):
    if isinstance(v, str):
        yield v
    elif isinstance(v, dict):
        for k, x in v.items():
            yield k
            yield from all_strings(x)
    elif isinstance(v, list):
        for x in v:
            yield from all_strings(x)


def warnings(err):
    return [l for l in err.splitlines() if "warning:" in l]


class Core:
    def __init__(self, path):
        self.path = path
        self.segs = segments(path)
        with open(path, "rb") as f:
            self.data = f.read()

    def off(self, addr):
        o = file_offset(self.segs, addr)
        assert o is not None, f"0x{addr:x} is not in the core file"
        return o

    def u64(self, addr):
        return struct.unpack_from("<Q", self.data, self.off(addr))[0]

    def damaged(self, name, patches):
        """A copy of the core with (addr, bytes) patches applied."""
        path = os.path.join(os.path.dirname(self.path), name)
        shutil.copyfile(self.path, path)
        for addr, data in patches:
            poke(path, self.off(addr), data)
        return path


def gdb_facts(tmp, exe, core):
    script = os.path.join(tmp, "find.py")
    with open(script, "w") as f:
        f.write(GDB_FIND)
    p = subprocess.run(["gdb", "-batch", "-nx", "-x", script, exe, core], capture_output=True, text=True,
                       timeout=300)
    facts = {"ADDR": {}, "SUDOG": {}, "DEFER": {}, "PANIC": {}, "SPECIAL": []}
    for line in p.stdout.splitlines():
        w = line.split()
        if not w or w[0] not in facts:
            continue
        if w[0] == "ADDR":
            facts["ADDR"][w[1]] = int(w[2], 16)
        elif w[0] == "SPECIAL":
            facts["SPECIAL"].append([int(x, 16) for x in w[1:4]] + [int(w[4])])
        else:
            facts[w[0]][int(w[1])] = [int(x, 16) for x in w[2:]]
    return facts, p.stdout[-400:] + p.stderr[-400:]


def test_special_files(t, tmp, core, exe):
    fifo = os.path.join(tmp, "fifo")
    os.mkfifo(fifo)
    code, out, err = run(["info", fifo, exe], timeout=10)
    t.ok(code == 2 and "FIFO" in err and len(err.splitlines()) == 1,
         "a FIFO as the core: no hang, one line saying so, exit 2", f"exit {code}\n{err}")
    code, out, err = run(["info", core, fifo], timeout=10)
    t.ok(code == 2 and "FIFO" in err and len(err.splitlines()) == 1,
         "a FIFO as the executable: no hang, one line saying so, exit 2", f"exit {code}\n{err}")
    code, out, err = run(["info", core, tmp], timeout=10)
    t.ok(code == 2 and "is a directory" in err and "file descriptor" not in err,
         "a directory as the executable: coroner's message, not libelf's", f"exit {code}\n{err}")


def test_counters(t, c, exe, truth, facts):
    # The counters of the undamaged core: the runtime's own at the instant
    # of the core, which test_live ties to the program's ReadMemStats (the
    # truth, plus the few allocations it made after recording it); the
    # heap walk equals them there, so a damaged core must report these.
    code, out, err = run(["memstats", "--json", c.path, exe])
    ms = json.loads(out)
    a = facts["ADDR"]
    # One flipped high byte in gcController.heapInUse.
    v = c.u64(a["heapInUse"]) | (0x5c << 56)
    bad = c.damaged("inuse", [(a["heapInUse"], struct.pack("<Q", v))])
    code, out, err = run(["memstats", "--json", bad, exe])
    w = [l for l in warnings(err) if "HeapInuse" in l]
    t.ok(code == 1 and len(w) == 1 and "arenas" in w[0] and str(v) in w[0],
         "HeapInuse past the arenas: one warning naming the counter and the invariant, exit 1",
         f"exit {code}\n{err}")
    if code == 1:
        got = json.loads(out)
        t.eq(got["HeapInuse"], ms["HeapInuse"], "... and the heap walk's HeapInuse (the undamaged core's) is reported")
    code, out, err = run(["report", bad, exe])
    t.ok(code == 1 and "unreadable   nothing" not in out.decode() and
         f"{ms['HeapInuse']} in spans (HeapInuse)" in out.decode(),
         "report: the walk's HeapInuse in the summary, exit 1, not 'unreadable nothing'",
         f"exit {code}\n{out.decode()[:600]}\n{err}")
    # Frees past Mallocs: an absurd count of freed large objects.
    bad = c.damaged("frees", [(a["largeFreeCount0"], struct.pack("<Q", 747324619953))])
    code, out, err = run(["memstats", "--json", bad, exe])
    w = warnings(err)
    t.ok(code == 1 and any("Frees" in l and "Mallocs" in l and "frees <= mallocs" in l for l in w),
         "Frees > Mallocs: a warning naming both and the invariant, exit 1", f"exit {code}\n{err}")
    if code == 1:
        got = json.loads(out)
        t.eq((got["HeapObjects"], got["HeapAlloc"]), (ms["HeapObjects"], ms["HeapAlloc"]),
             "... HeapObjects and HeapAlloc are the heap walk's (the undamaged core's)")
        t.eq(len(w), len(set(w)), "... each warning said once")
    code, out, err = run(["heap", bad, exe])
    t.ok(code == 1 and "runtime counters:  unreadable" in out.decode(),
         "heap: the ledger does not compare the walk with impossible counters", f"exit {code}\n{err}")


def test_json_utf8(t, c, exe, truth):
    """A map whose string keys hold binary data (legal in Go), and process
    arguments that are not UTF-8: every JSON output parses, losslessly."""
    m = next(m for m in truth["maps"] if m["name"] == "chan-payload-0")
    sender = next(s for ch in truth["channels"] for s in ch.get("senders", []) if s["map_name"] == m["name"])
    bucket = int(m["internals"]["buckets"], 16)
    payload = int(sender["payload_addr"], 16)
    # The first full slot of the bucket: tophash >= 5 (runtime/map.go minTopHash).
    tophash = c.data[c.off(bucket):c.off(bucket) + 8]
    slot = next(i for i in range(8) if tophash[i] >= 5)
    key_hdr = bucket + 8 + 16 * slot
    key = b"k\xff\xfe\x80\"\\\xee\xbe\x80z"  # invalid bytes, a quote, a backslash, U+EF80 itself
    patches = [(payload, key), (key_hdr, struct.pack("<QQ", payload, len(key)))]
    bad = c.damaged("binkey", patches)
    addr = m["addr"]
    for args in (["map", addr, "--json", "--limit", "10"], ["report", "--json"], ["maps", "--json"]):
        code, out, err = run(args + [bad, exe])
        desc = "coroner " + " ".join(a for a in args if not a.startswith("0x"))
        try:
            doc = json.loads(out.decode("utf-8"))
            ok = True
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            doc, ok = None, False
            err += f"\n{e}"
        t.ok(code in (0, 1) and ok, f"{desc} with a binary map key: valid UTF-8 JSON", f"exit {code}\n{err}")
        if args[0] == "map" and doc is not None:
            got = [decode_json_string(s) for s in all_strings(doc)]
            t.ok(any(key in g for g in got), "... the key's bytes come back from the JSON, losslessly",
                 repr([g for g in got if b"k" in g][:10]))
    # Process arguments (NT_PRPSINFO pr_psargs, 80 bytes at offset 56).
    note = c.data.find(b"CORE\0\0\0\0", 0, 1 << 20)
    data = bytearray(c.data)
    pos = -1
    while note >= 0:
        ntype = struct.unpack_from("<I", data, note - 4)[0]
        if ntype == 3:  # NT_PRPSINFO
            pos = note + 8 + 56
            break
        note = c.data.find(b"CORE\0\0\0\0", note + 1, 1 << 20)
    if t.ok(pos >= 0, "the core has an NT_PRPSINFO note"):
        args = b"/srv/exe -name \xff\xc3("
        path = os.path.join(os.path.dirname(c.path), "binargs")
        shutil.copyfile(c.path, path)
        poke(path, pos, args + b"\0" * (80 - len(args)))
        code, out, err = run(["info", "--json", path, exe])
        try:
            doc = json.loads(out.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            doc = None
            err += f"\n{e}"
        t.ok(doc is not None and any(decode_json_string(s) == args for s in all_strings(doc)),
             "info --json with process arguments that are not UTF-8: parses, the bytes come back",
             f"exit {code}\n{err}\n{out[:400]!r}")


def test_cycles(t, c, exe, truth, facts):
    gid, (sudog, waitlink, nxt, status) = next(iter(sorted(facts["SUDOG"].items())))
    code, pristine, err = run(["goroutines", "--json", c.path, exe])
    pristine = json.loads(pristine)["goroutines"]
    n = len(pristine)
    want = next(g for g in pristine if g["id"] == gid)
    # sudog.waitlink pointing at itself.
    bad = c.damaged("waitlink", [(waitlink, struct.pack("<Q", sudog))])
    code, out, err = run(["goroutines", "--json", bad, exe])
    w = warnings(err)
    t.ok(code == 1 and len(w) == 1 and f"goroutine {gid}" in w[0] and f"0x{sudog:x}" in w[0] and "loops" in w[0],
         "a sudog whose .waitlink is itself: one warning naming the goroutine and the sudog, exit 1",
         f"exit {code}\n{err[-600:]}")
    if code == 1:
        g = next(g for g in json.loads(out)["goroutines"] if g["id"] == gid)
        t.eq(len(g.get("waits", [])), len(want.get("waits", [])), "... its one wait is listed once")
    code, out, err = run(["roots", "--json", bad, exe])
    if code == 1:
        roots = json.loads(out)
        roots = roots.get("roots", roots) if isinstance(roots, dict) else roots
        keys = [json.dumps(r, sort_keys=True) for r in roots]
        t.eq(len(keys), len(set(keys)), "... roots: no duplicate roots")
    else:
        t.ok(False, "... roots exits 1", f"exit {code}\n{err[-600:]}")
    # sudog.next (the channel's wait queue) pointing at itself.
    bad = c.damaged("next", [(nxt, struct.pack("<Q", sudog))])
    code, out, err = run(["goroutines", bad, exe])
    w = warnings(err)
    t.ok(code == 1 and len(w) == 1 and "wait queue" in w[0] and "loops" in w[0],
         "a sudog whose .next is itself: one warning, exit 1", f"exit {code}\n{err[-600:]}")
    # A special whose .next is itself (a finalizer: one root of kind finalizer).
    span, sp, sp_next, kind = facts["SPECIAL"][0]
    code, pristine_roots, err = run(["roots", "--roots", "finalizers", c.path, exe])
    bad = c.damaged("special", [(sp_next, struct.pack("<Q", sp))])
    code, out, err = run(["roots", "--roots", "finalizers", bad, exe])
    w = warnings(err)
    t.ok(code == 1 and len(w) == 1 and f"0x{sp:x}" in w[0] and "loops" in w[0] and len(out) == len(pristine_roots),
         "a special whose .next is itself: one warning, exit 1, the finalizer roots once each",
         f"exit {code}, {len(out)} bytes of output (pristine {len(pristine_roots)})\n{err[-600:]}")
    # A _defer and a _panic whose .link is themselves.
    for kind, label in (("DEFER", "_defer"), ("PANIC", "_panic")):
        if not facts[kind]:
            t.ok(False, f"gdb finds a goroutine with a {label}")
            continue
        gid, (rec, link) = next(iter(facts[kind].items()))
        bad = c.damaged(kind, [(link, struct.pack("<Q", rec))])
        code, out, err = run(["roots", bad, exe])
        w = warnings(err)
        t.ok(code == 1 and len(w) == 1 and f"goroutine {gid}" in w[0] and label in w[0] and "loops" in w[0],
             f"a {label} whose .link is itself: one warning naming the goroutine, exit 1", f"exit {code}\n{err[-600:]}")
    # allgs listing one g twice.
    a = facts["ADDR"]
    g1 = c.u64(a["allgs_array"] + 8)
    bad = c.damaged("allgs", [(a["allgs_array"] + 16, struct.pack("<Q", g1))])
    code, out, err = run(["goroutines", "--json", bad, exe])
    w = warnings(err)
    if t.ok(code == 1 and len(w) == 1 and "allgs" in w[0] and f"0x{g1:x}" in w[0],
            "allgs naming one g twice: one warning, exit 1", f"exit {code}\n{err[-600:]}"):
        ids = [g["id"] for g in json.loads(out)["goroutines"]]
        t.ok(len(ids) == len(set(ids)) and len(ids) <= n, "... each goroutine listed once")


def test_messages(t, c, exe, truth, facts):
    a = facts["ADDR"]
    # 102 allspans entries pointing at memory the process never mapped.
    nbad = 102
    base = 0x00000dead0000000
    patches = [(a["allspans_array"] + 8 * i, struct.pack("<Q", base + 0x1000 * i)) for i in range(nbad)]
    bad = c.damaged("spans", patches)
    code, out, err = run(["heap", bad, exe])
    lines = [l for l in err.splitlines() if "mspan" in l]
    t.ok(code == 1 and len(lines) == 1 and f"{nbad} mspan" in lines[0] and f"0x{base:x}" in lines[0] and
         f"0x{base + 0x1000 * (nbad - 1):x}" in lines[0] and "not mapped" in lines[0],
         "102 unreadable mspans: one line with the count, the address range and the cause",
         f"exit {code}\n{err[-1200:]}")
    # A pcHeader pointer past 2^63.
    bad = c.damaged("pch", [(a["pcHeader"], struct.pack("<Q", 1 << 63))])
    code, out, err = run(["goroutines", bad, exe])
    addrs = [int(x, 16) for x in re.findall(r"0x[0-9a-f]+", err)]
    t.ok(code == 2 and "pclntab header" in err and "pcHeader" in err and
         all(x == 1 << 63 or x < 1 << 63 for x in addrs),
         "a pcHeader of 2^63: the message says what was read and shows no address computed past it",
         f"exit {code}\n{err}")
    # One prefix per message: a map header claiming B = 200.
    m = next((int(m["addr"], 16) for m in truth["maps"] if m["internals"]["impl"] == "hmap"), None)
    if t.ok(m is not None, "the truth names an hmap to damage"):
        # runtime.hmap (go1.22): count int, flags uint8, B uint8.
        bad = c.damaged("hmapB", [(m + 9, b"\xc8")])
        code, out, err = run(["map", f"0x{m:x}", bad, exe])
        lines = [l for l in err.splitlines() if f"0x{m:x}" in l]
        t.ok(code in (1, 2) and lines and all(l.count(f"map at 0x{m:x}") == 1 for l in lines),
             "a map with B = 200: 'map at X' once per message", f"exit {code}\n{err}")
    # A goroutine status no runtime has.
    gid, (sudog, waitlink, nxt, status) = next(iter(sorted(facts["SUDOG"].items())))
    bad = c.damaged("status", [(status, struct.pack("<I", 77))])
    code, out, err = run(["goroutines", bad, exe])
    w = warnings(err)
    t.ok(code == 1 and any(f"goroutine {gid}" in l and "status 77" in l for l in w),
         "a goroutine status of 77: a warning naming the goroutine and the status, exit 1", f"exit {code}\n{err}")
    # File names the pclntab cannot give: the executable's filetab zeroed.
    sh = subprocess.run(["readelf", "-SW", exe], capture_output=True, text=True).stdout
    sec = next(l.split() for l in sh.splitlines() if " .gopclntab " in l)
    fields = sec[sec.index(".gopclntab") + 1:]
    sec_addr, sec_off = int(fields[1], 16), int(fields[2], 16)
    bad_exe = os.path.join(os.path.dirname(c.path), "exe-filetab")
    shutil.copyfile(exe, bad_exe)
    poke(bad_exe, sec_off + a["filetab_array"] - sec_addr, b"\0" * a["filetab_len"])
    code, out, err = run(["goroutines", c.path, bad_exe])
    out = out.decode()
    w = [l for l in warnings(err) if "file" in l]
    t.ok(code == 1 and len(w) == 1 and not re.search(r"\s:\d+\b", out),
         "no file names in the pclntab: one warning, no frame printed with an empty file name",
         f"exit {code}\n{err[-600:]}\n{out[:600]}")


def main():
    fx = [d for d in fixtures() if os.path.basename(d) == FIXTURE]
    if not fx:
        skip(f"no committed fixture {FIXTURE} under cores/fixtures")
    if not shutil.which("gdb"):
        skip("gdb is not installed (scripts/install-deps test installs it): it locates the runtime structures")
    d = fx[0]
    meta = load_json(os.path.join(d, "meta.json"))
    truth = load_json(os.path.join(d, "truth.json"))
    exe = os.path.join(d, meta.get("fixture_exe", "exe"))
    t = Tap()
    tmp = tempfile.mkdtemp(prefix="coroner-defects-")
    try:
        core = os.path.join(tmp, "core")
        with gzip.open(os.path.join(d, "core.gz"), "rb") as s, open(core, "wb") as o:
            shutil.copyfileobj(s, o)
        facts, detail = gdb_facts(tmp, exe, core)
        if not t.ok(facts["ADDR"] and facts["SUDOG"] and facts["SPECIAL"], "gdb locates the runtime structures",
                    detail):
            raise SystemExit(t.done())
        c = Core(core)
        test_special_files(t, tmp, core, exe)
        test_counters(t, c, exe, truth, facts)
        test_json_utf8(t, c, exe, truth)
        test_cycles(t, c, exe, truth, facts)
        test_messages(t, c, exe, truth, facts)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    raise SystemExit(t.done())


if __name__ == "__main__":
    main()
