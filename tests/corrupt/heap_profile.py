"""Corrupt the heap profile inside a copy of a real core — the
runtime.mbuckets list and a profile special — and check that `coroner
allocs` / `coroner pprof` / the join give a partial result with one line
saying what is wrong, exit 1, and never crash or hang.

Where things are comes from gdb (its own DWARF reader) and the core's
program headers, never from coroner.
"""
import gzip
import json
import os
import shutil
import struct
import subprocess
import tempfile

from tap import Tap, skip, fixtures, load_json, coroner

TIME_LIMIT = 60

GDB_FIND = r"""
import gdb
def off(t, f):
    for x in gdb.lookup_type(t).strip_typedefs().fields():
        if x.name == f:
            return x.bitpos // 8
    raise KeyError(f)
b = gdb.lookup_type('runtime.bucket')
print("BUCKET", b.sizeof, off('runtime.bucket', 'allnext'), off('runtime.bucket', 'nstk'))
print("MBUCKETS", hex(int(gdb.parse_and_eval("&'runtime.mbuckets'").cast(gdb.lookup_type('uintptr')))))
kind = int(gdb.parse_and_eval("'runtime._KindSpecialProfile'"))
h = gdb.parse_and_eval("'runtime.mheap_'")
arr = h['allspans']['array']
spb = off('runtime.specialprofile', 'b')
done = False
for i in range(int(h['allspans']['len'])):
    sp = arr[i].dereference()['specials']
    n = 0
    while int(sp.cast(gdb.lookup_type('uintptr'))) != 0 and n < 100000 and not done:
        if int(sp.dereference()['kind']) == kind:
            print("SPECIAL", hex(int(sp.cast(gdb.lookup_type('uintptr'))) + spb))
            done = True
        sp = sp.dereference()['next']
        n += 1
    if done:
        break
"""


def run(args):
    try:
        p = subprocess.run([coroner()] + args, capture_output=True, timeout=TIME_LIMIT)
    except subprocess.TimeoutExpired:
        return None, b"", "timeout"
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def segments(path):
    with open(path, "rb") as f:
        eh = f.read(64)
        phoff, = struct.unpack_from("<Q", eh, 32)
        phnum, = struct.unpack_from("<H", eh, 56)
        f.seek(phoff)
        ph = f.read(56 * phnum)
    out = []
    for i in range(phnum):
        ptype, _, off, vaddr, _, filesz, memsz, _ = struct.unpack_from("<IIQQQQQQ", ph, 56 * i)
        if ptype == 1:
            out.append((vaddr, memsz, off, filesz))
    return out


def file_offset(segs, addr):
    for vaddr, memsz, off, filesz in segs:
        if vaddr <= addr < vaddr + filesz:
            return off + (addr - vaddr)
    return None


def read_u64(path, off):
    with open(path, "rb") as f:
        f.seek(off)
        return struct.unpack("<Q", f.read(8))[0]


def poke(path, off, data):
    with open(path, "r+b") as f:
        f.seek(off)
        f.write(data)


def profile_lines(err):
    return [l for l in err.splitlines() if "heap profile" in l or "runtime.mbuckets" in l]


def main():
    fx = [d for d in fixtures() if os.path.basename(d) != "sample"]
    if not fx:
        skip("no committed fixture core under cores/")
    if not shutil.which("gdb"):
        skip("gdb (the independent DWARF reader that locates the buckets) is not installed")
    d = fx[0]
    meta = load_json(os.path.join(d, "meta.json"))
    exe = os.path.join(d, meta.get("fixture_exe", "exe"))
    t = Tap()
    tmp = tempfile.mkdtemp(prefix="coroner-mprof-corrupt-")
    try:
        core = os.path.join(tmp, "core")
        with gzip.open(os.path.join(d, "core.gz"), "rb") as s, open(core, "wb") as o:
            shutil.copyfileobj(s, o)
        segs = segments(core)
        script = os.path.join(tmp, "find.py")
        with open(script, "w") as f:
            f.write(GDB_FIND)
        g = subprocess.run(["gdb", "-batch", "-nx", "-ex", f"source {script}", exe, core], capture_output=True,
                           text=True, timeout=300)
        found = {l.split()[0]: l.split()[1:] for l in g.stdout.splitlines() if l.split()}
        if not t.ok("BUCKET" in found and "MBUCKETS" in found, "gdb finds runtime.bucket and runtime.mbuckets",
                    g.stdout[-500:] + g.stderr[-500:]):
            raise SystemExit(t.done())
        _, allnext_off, nstk_off = (int(x) for x in found["BUCKET"])
        head = read_u64(core, file_offset(segs, int(found["MBUCKETS"][0], 16)))
        hoff = file_offset(segs, head)
        t.ok(hoff is not None, "the first bucket is in the core", hex(head))
        code, out, err = run(["allocs", "--json", core, exe])
        t.eq(code, 0, "pristine core: allocs exits 0")
        buckets = json.loads(out)["buckets"] if code == 0 else 0
        bad = os.path.join(tmp, "bad")

        # 1. A cycle: the first bucket's allnext points back to itself.
        shutil.copyfile(core, bad)
        poke(bad, hoff + allnext_off, struct.pack("<Q", head))
        code, out, err = run(["allocs", bad, exe])
        lines = profile_lines(err)
        t.eq(code, 1, "bucket list cycle: allocs exits 1 (partial)")
        t.ok(len(lines) == 1 and "loops back" in lines[0] and hex(head) in lines[0],
             "one line naming runtime.mbuckets and the bucket", err)
        t.ok(b"Showing nodes" in out, "the buckets read before it are shown", out[-300:])

        # 2. A bucket claiming an absurd stack depth: skipped, the rest read.
        shutil.copyfile(core, bad)
        poke(bad, hoff + nstk_off, struct.pack("<Q", 1 << 40))
        code, out, err = run(["allocs", "--json", bad, exe])
        lines = profile_lines(err)
        t.eq(code, 1, "absurd nstk: allocs exits 1")
        t.ok(len(lines) == 1 and "1 unreadable bucket" in lines[0] and hex(head) in lines[0],
             "one line: one bucket skipped, which", err)
        if code == 1:
            t.eq(json.loads(out)["buckets"], buckets - 1, "every other bucket is read")
        code, out, err = run(["pprof", "-o", os.path.join(tmp, "p.pb.gz"), bad, exe])
        t.eq(code, 1, "absurd nstk: pprof writes the rest, exits 1")

        # 3. The head pointer itself pointing nowhere.
        shutil.copyfile(core, bad)
        poke(bad, file_offset(segs, int(found["MBUCKETS"][0], 16)), struct.pack("<Q", 0xdead0000000))
        code, out, err = run(["allocs", bad, exe])
        lines = profile_lines(err)
        t.ok(code == 1 and len(lines) == 1 and "0xdead0000000" in lines[0] and "breaks off" in lines[0],
             "head pointing nowhere: exit 1, one line with the address", f"exit {code}\n{err}")

        # 4. A profile special whose bucket is not in the list.
        if t.ok("SPECIAL" in found, "gdb finds a profile special", g.stdout[-300:]):
            shutil.copyfile(core, bad)
            poke(bad, file_offset(segs, int(found["SPECIAL"][0], 16)), struct.pack("<Q", 0xbad0000))
            code, out, err = run(["top", "--group", "site", bad, exe])
            lines = profile_lines(err)
            t.ok(code == 1 and len(lines) == 1 and "outside runtime.mbuckets" in lines[0],
                 "bad profile special: top --group site exits 1, one line", f"exit {code}\n{err}")
            t.ok(b"ALLOCATION SITE" in out, "the other sites are listed", out[-300:])

        # 5. Garbage over the first bucket: never a crash.
        shutil.copyfile(core, bad)
        poke(bad, hoff, b"\xff" * 512)
        for cmd in (["allocs"], ["pprof", "-o", os.path.join(tmp, "q.pb.gz")], ["top", "--group", "site"]):
            code, out, err = run(cmd + [bad, exe])
            t.ok(code in (0, 1, 2) and code is not None, f"0xff over a bucket: {cmd[0]} ends cleanly",
                 f"exit {code}\n{err[-500:]}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    raise SystemExit(t.done())


if __name__ == "__main__":
    main()
