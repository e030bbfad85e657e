"""Stripped executables (go build -ldflags="-s -w"): the core of such a
binary, analysed with its unstripped rebuild, must give what the core of an
unstripped original gives, checked from each core's own truth.

The stripped cores are made by
    cores/gen-matrix --ldflags "-s -w" --scenarios shapes --kinds kernel \\
        --out $CORONER_CACHE/stripped
(scripts/test-all does it), from the same source path as the matrix, so the
matrix's executable of the same release is exactly the rebuild a user would
make: the same source, toolchain and flags, without -s -w.

For each stripped core:
- with the stripped executable, `report` fails with one line that says
  what to do (rebuild without -s -w, pass it with --exe);
- with the rebuild, coroner says in one line that it verified the rebuild,
  and the report and goroutine checks of test_report.py and
  test_runtime.py pass against the stripped run's truth, as they do for
  the unstripped matrix core against its own;
- a rebuild of another release is refused, naming what differs;
- where the rebuild's read-only data sits elsewhere (Go 1.27 records the
  build flags in .rodata), the read-only bytes come from the stripped
  binary that ran (the one the core names), once its pclntab is the
  rebuild's byte for byte, and the note says so; without that binary the
  rebuild is refused in one line.
"""
import glob
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

import test_report
import test_runtime
from tap import Tap, cache_root, load_json, run, skip

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corrupt"))
from runtime_structures import segments, file_offset  # noqa: E402


def ro_layout(exe):
    """(name, address, size) of the read-only sections, by readelf."""
    out = subprocess.run(["readelf", "-SW", exe], capture_output=True, text=True).stdout
    ret = []
    for line in out.splitlines():
        f = line.replace("[ ", "[").split()
        if len(f) > 5 and f[1] in (".text", ".rodata", ".gopclntab", ".typelink", ".go.type", ".go.func"):
            ret.append((f[1], f[3], f[5]))
    return ret


def main():
    root = os.path.join(cache_root(), "stripped")
    dirs = sorted(d for d in glob.glob(os.path.join(root, "go*", "shapes"))
                  if os.path.exists(os.path.join(d, "kernel.core")))
    required = os.environ.get("CORONER_REQUIRE_MATRIX") == "1"
    if not dirs and not required:
        skip(f"no stripped cores under {root}: run cores/gen-matrix --ldflags \"-s -w\" --out {root}")
    t = Tap()
    t.ok(bool(dirs), f"stripped cores under {root}")
    nverified = 0
    for d in dirs:
        ver = os.path.basename(os.path.dirname(d))
        label = f"{ver}/shapes stripped"
        core, stripped = os.path.join(d, "kernel.core"), os.path.join(d, "exe")
        truth = load_json(os.path.join(d, "kernel.truth.json"))
        orig = os.path.join(cache_root(), "matrix", ver, "shapes")
        rebuild = os.path.join(orig, "exe")
        if not t.ok(os.path.exists(rebuild) and os.path.exists(os.path.join(orig, "kernel.core")),
                    f"{label}: the matrix has the unstripped build of the same source"):
            continue
        sh = subprocess.run(["readelf", "-SW", stripped], capture_output=True, text=True).stdout
        t.ok(".gopclntab" in sh and ".debug_info" not in sh and ".symtab" not in sh,
             f"{label}: the executable has no DWARF, no symbols (readelf)")

        code, out, err = run(["report", core, stripped])
        lines = [l for l in err.splitlines() if not l.startswith("coroner: warning:")]
        t.ok(code == 2 and len(lines) == 1 and "without -s -w" in lines[0] and "--exe" in lines[0] and
             truth["go_version"] in lines[0],
             f"{label}: with the stripped executable, one line says to rebuild without -s -w and pass --exe",
             f"exit {code}\n{err}")

        # Whether the rebuild has the stripped binary's read-only layout,
        # by readelf: the Go linker may place the recorded build flags so
        # that the read-only data moves (seen with Go 1.27), and then no
        # rebuild can stand in for it.
        same_layout = ro_layout(stripped) == ro_layout(rebuild)
        code, out, err = run(["info", core, rebuild])
        notes = [l for l in err.splitlines() if "is a rebuild" in l]
        t.ok(code == 0 and len(notes) == 1 and "firstmoduledata" in notes[0] and len(err.splitlines()) == 1,
             f"{label}: the rebuild is accepted, in one line naming what was verified", f"exit {code}\n{err}")
        if not same_layout:
            # Go 1.27 records the build flags in .rodata: what follows them
            # sits elsewhere in the rebuild (readelf), so the read-only
            # bytes come from the binary that ran, which the note names.
            shift = {n: int(a, 16) for n, a, _ in ro_layout(stripped)}
            moved = {n: shift[n] - int(a, 16) for n, a, _ in ro_layout(rebuild) if n in shift}
            want = moved.get(".gopclntab")
            t.ok(notes and f"read-only data {want:+d} bytes" in notes[0] and stripped in notes[0],
                 f"{label}: the rebuild's read-only data sits {want:+d} bytes elsewhere (readelf): the note says "
                 "so and names the binary that ran, whose read-only bytes are read", notes[:1])
            # Without the binary that ran (its path in the core changed to
            # one that does not exist), no rebuild can stand in for it.
            gone = os.path.join(tempfile.mkdtemp(prefix="coroner-stripped-"), "core")
            with open(core, "rb") as f:
                data = f.read()
            with open(gone, "wb") as f:
                f.write(data.replace(stripped.encode(), stripped[:-1].encode() + b"\x01"))
            del data
            code, _, err = run(["info", gone, rebuild])
            t.ok(code == 2 and len(err.splitlines()) == 1 and "not a rebuild of the same program" in err and
                 "read-only data moved" in err and "is not here" in err,
                 f"{label}: without the binary that ran, the rebuild is refused in one line saying why",
                 f"exit {code}\n{err}")
            shutil.rmtree(os.path.dirname(gone))
        t.ok("verified as a rebuild" in out, f"{label}: info says the executable is a verified rebuild", out[:800])
        nverified += 1

        # The same checks, from the truth, for the original and the stripped run.
        for c, e, tr, lab in ((os.path.join(orig, "kernel.core"), rebuild, load_json(os.path.join(orig, "kernel.truth.json")),
                               f"{ver}/shapes unstripped original"),
                              (core, rebuild, truth, label + " with its rebuild")):
            test_report.check(t, c, e, tr, lab, "kernel", None)
            test_runtime.check(t, c, e, tr, lab, "kernel", os.path.join(os.path.dirname(c), "kernel.stderr"))

        # A build that is not this program: another release's is refused
        # by its entry point already; the core's moduledata with one
        # pclntab length changed (as by a different source path) must be
        # refused by the moduledata check, naming the field.
        others = [o for o in sorted(glob.glob(os.path.join(cache_root(), "matrix", "go*", "shapes", "exe")))
                  if os.path.dirname(os.path.dirname(o)) != os.path.dirname(orig)]
        if others:
            code, out, err = run(["report", core, others[0]])
            t.ok(code == 2 and "does not match" in err, f"{label}: another release's build is refused",
                 f"exit {code}\n{err}")
        m = re.search(r"firstmoduledata at (0x[0-9a-f]+)", "".join(notes))
        g = subprocess.run(["gdb", "-batch", "-nx", "-ex",
                            "python t=gdb.lookup_type('runtime.moduledata'); "
                            "print('OFF', [x for x in t.fields() if x.name=='filetab'][0].bitpos//8 + 8)", rebuild],
                           capture_output=True, text=True).stdout.split()
        if t.ok(m is not None and "OFF" in g, f"{label}: gdb gives moduledata.filetab's offset"):
            segs = segments(core)
            addr = int(m.group(1), 16) + int(g[g.index("OFF") + 1])
            bad = os.path.join(tempfile.mkdtemp(prefix="coroner-stripped-"), "core")
            shutil.copyfile(core, bad)
            with open(bad, "r+b") as f:
                f.seek(file_offset(segs, addr))
                n = struct.unpack("<Q", f.read(8))[0]
                f.seek(file_offset(segs, addr))
                f.write(struct.pack("<Q", n + 8))
            code, out, err = run(["report", bad, rebuild])
            t.ok(code == 2 and "not a rebuild of the same program" in err and "filetab.len" in err,
                 f"{label}: a moduledata whose filetab is 8 bytes longer: refused, naming filetab.len",
                 f"exit {code}\n{err}")
            shutil.rmtree(os.path.dirname(bad))
    t.ok(nverified > 0, "at least one stripped core is analysed with its rebuild")
    sys.exit(t.done())


if __name__ == "__main__":
    main()
