"""Corrupt Go runtime structures in a copy of a real core and check that
coroner names the structure and its address in a warning, prints the rest,
and exits 1 — never a crash, a hang or an unbounded loop.

Addresses of what to corrupt come from coroner's own JSON (where things
are), never the expected values; the expectations are about behaviour.
"""
import gzip
import json
import os
import shutil
import struct
import subprocess
import tempfile

from tap import Tap, skip, fixtures, load_json, coroner

TIME_LIMIT = 30

# gdb script: print the first in-use mspan with a few objects, the address
# of its nelems field and of its allocBits pointer.
GDB_FIND_SPAN = r"""
import gdb
h = gdb.parse_and_eval("'runtime.mheap_'")
arr = h['allspans']['array']
for i in range(int(h['allspans']['len'])):
    s = arr[i].dereference()
    state = s['state']
    while state.type.strip_typedefs().code == gdb.TYPE_CODE_STRUCT:
        state = state[state.type.fields()[-1].name]
    if int(state) == 1 and int(s['nelems']) > 8 and int(s['allocCount']) > 4:
        print("SPAN", hex(int(arr[i])), hex(int(s['nelems'].address)), hex(int(s['allocBits'].address)))
        break
"""


def run(args):
    try:
        p = subprocess.run([coroner()] + args, capture_output=True, text=True, timeout=TIME_LIMIT,
                           errors="replace")
    except subprocess.TimeoutExpired:
        return None, "", "timeout"
    return p.returncode, p.stdout, p.stderr


def segments(path):
    """PT_LOAD (vaddr, memsz, offset, filesz) of an ELF64 core."""
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


def poke(path, off, data):
    with open(path, "r+b") as f:
        f.seek(off)
        f.write(data)


def main():
    fx = fixtures()
    if not fx:
        skip("no committed fixture core under cores/")
    d = fx[0]
    meta = load_json(os.path.join(d, "meta.json"))
    exe = os.path.join(d, meta.get("fixture_exe", "exe"))
    t = Tap()
    tmp = tempfile.mkdtemp(prefix="coroner-rt-corrupt-")
    try:
        core = os.path.join(tmp, "core")
        with gzip.open(os.path.join(d, "core.gz"), "rb") as s, open(core, "wb") as o:
            shutil.copyfileobj(s, o)
        segs = segments(core)
        code, out, err = run(["goroutines", "--json", core, exe])
        if not t.ok(code == 0, "pristine core: goroutines exits 0", err):
            raise SystemExit(t.done())
        gs = json.loads(out)["goroutines"]
        n = len(gs)
        victim = next(g for g in gs if g["id"] != 1 and len(g["frames"]) > 2)

        # 1. A goroutine whose saved stack pointer is garbage.
        bad = os.path.join(tmp, "bad")
        shutil.copyfile(core, bad)
        sp = int(victim["frames"][0]["sp"], 16)
        # Overwrite the innermost frame's return address with a wild pc.
        ret_slot = int(victim["frames"][0]["fp"], 16) - 8
        off = file_offset(segs, ret_slot)
        t.ok(off is not None, "return address slot is in the core")
        poke(bad, off, struct.pack("<Q", 0x1234567))
        code, out, err = run(["goroutines", "--json", bad, exe])
        t.eq(code, 1, "wild return address: exit 1 (partial)")
        t.ok(f"goroutine {victim['id']}" in err and "0x1234567" in err,
             "the warning names the goroutine and the bad pc", err)
        if code == 1:
            t.eq(len(json.loads(out)["goroutines"]), n, "every goroutine is still listed")

        # 2. An allgs entry pointing at unmapped memory.
        addrs = [int(g["addr"], 16) for g in gs]
        # The allgs array: runtime.allgs (from the symbol table) holds its
        # slice header; the array is what it points at.
        nm = subprocess.run(["nm", exe], capture_output=True, text=True).stdout
        sym = next((int(l.split()[0], 16) for l in nm.splitlines() if l.endswith(" runtime.allgs")), None)
        pos = -1
        if sym is not None and file_offset(segs, sym) is not None:
            with open(core, "rb") as f:
                f.seek(file_offset(segs, sym))
                array, = struct.unpack("<Q", f.read(8))
            pos = file_offset(segs, array) or -1
        t.ok(pos >= 0, "the allgs array is found in the core")
        if pos >= 0:
            shutil.copyfile(core, bad)
            poke(bad, pos + 8, struct.pack("<Q", 0x00000dead0000000))
            code, out, err = run(["goroutines", "--json", bad, exe])
            t.eq(code, 1, "allgs entry pointing nowhere: exit 1 (partial)")
            t.ok("0xdead0000000" in err and "runtime.g" in err, "the warning names the g and its address", err)
            if code == 1:
                t.eq(len(json.loads(out)["goroutines"]), n - 1, "the other goroutines are listed")
            # A corrupt status word and goid in a g: no crash, output goes on.
            shutil.copyfile(core, bad)
            goff = file_offset(segs, addrs[1])
            poke(bad, goff, b"\xff" * 512)
            code, out, err = run(["goroutines", bad, exe])
            t.ok(code in (0, 1) and "goroutines in" in out, "a g full of 0xff bytes: output, no crash",
                 f"exit {code}\n{err}")
            code, out, err = run(["heap", bad, exe])
            t.ok(code in (0, 1) and "ledger:" in out, "heap still walks with a broken g", f"exit {code}\n{err}")
        # 4. A damaged pclntab: zero the function table half of the
        # executable's .gopclntab (kernel cores read it from the executable).
        sh = subprocess.run(["readelf", "-SW", exe], capture_output=True, text=True).stdout
        sec = next((l.split() for l in sh.splitlines() if " .gopclntab " in l), None)
        if t.ok(sec is not None, "the executable has a .gopclntab section", sh[-500:]):
            fields = sec[sec.index(".gopclntab") + 1:]
            off, size = int(fields[2], 16), int(fields[3], 16)
            bad_exe = os.path.join(tmp, "exe-pclntab")
            shutil.copyfile(exe, bad_exe)
            poke(bad_exe, off + size // 2, b"\0" * (size // 2))
            code, out, err = run(["goroutines", core, bad_exe])
            t.ok(code == 1 and "goroutine" in err and "goroutines in" in out,
                 "half the pclntab zeroed: warnings naming goroutines, the list, exit 1", f"exit {code}\n{err[-800:]}")

        # 3. An mspan with an absurd nelems, and one whose allocBits point
        # nowhere: located with gdb (its own DWARF reader), not coroner.
        if shutil.which("gdb"):
            script = os.path.join(tmp, "find_span.py")
            with open(script, "w") as f:
                f.write(GDB_FIND_SPAN)
            p = subprocess.run(["gdb", "-batch", "-nx", "-x", script, exe, core], capture_output=True, text=True,
                               timeout=120)
            found = [l.split() for l in p.stdout.splitlines() if l.startswith("SPAN ")]
            if t.ok(bool(found), "gdb finds an in-use mspan", p.stdout[-500:] + p.stderr[-500:]):
                span, nelems_addr, bits_addr = (int(x, 16) for x in found[0][1:4])
                shutil.copyfile(core, bad)
                poke(bad, file_offset(segs, nelems_addr), b"\xff\xff")
                code, out, err = run(["heap", bad, exe])
                t.eq(code, 1, "mspan with a corrupt nelems: exit 1 (partial)")
                t.ok(f"mspan at {span:#x}" in err and "ledger:" in out,
                     "the warning names the mspan and its address; the histogram and ledger follow", err)
                shutil.copyfile(core, bad)
                poke(bad, file_offset(segs, bits_addr), struct.pack("<Q", 0x00000dead0000000))
                code, out, err = run(["heap", bad, exe])
                t.ok(code == 1 and f"mspan at {span:#x}" in err and "allocBits" in err and "ledger:" in out,
                     "mspan whose allocBits point nowhere: warning naming it, exit 1", f"exit {code}\n{err}")
        else:
            t.ok(True, "mspan corruption # SKIP gdb is not installed")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    raise SystemExit(t.done())


if __name__ == "__main__":
    main()
