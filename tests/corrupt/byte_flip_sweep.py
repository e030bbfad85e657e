"""Hostile input: single-byte corruptions and truncations of a real core
(and of its executable) must end in a result or a clean error, never a
crash, a hang or an unbounded loop [SQLite corruptC.test].

Each mutation runs `coroner info` with a time limit; pass means: exit code
0, 1 or 2 (no signal), finished within the limit, and, for exit 2, a
one-line error on stderr.
"""
import gzip
import os
import random
import shutil
import subprocess
import tempfile

from tap import Tap, skip, fixtures, load_json, coroner

TIME_LIMIT = 20  # seconds per run; `info` takes well under one


COMMANDS = ["info", "goroutines", "heap", "memstats", "roots", "live", "top", "report", "allocs"]


def run_info(core, exe, command="info"):
    try:
        p = subprocess.run([coroner(), command, core, exe], capture_output=True, text=True,
                           timeout=TIME_LIMIT, errors="replace")
    except subprocess.TimeoutExpired:
        return None, "", "timeout"
    return p.returncode, p.stdout, p.stderr


def judge(t, code, err, desc):
    if code is None:
        return t.ok(False, desc, "hang: no exit within the time limit")
    if code < 0:
        return t.ok(False, desc, f"killed by signal {-code}\n{err}")
    if code not in (0, 1, 2):
        return t.ok(False, desc, f"exit {code}\n{err}")
    if code == 2:
        lines = [l for l in err.splitlines() if l.strip() and "warning:" not in l]
        return t.ok(len(lines) == 1, desc, f"fatal error is not one line:\n{err}")
    return t.ok(True, desc)


def mutate(src, dst, positions, rng):
    shutil.copyfile(src, dst)
    with open(dst, "r+b") as f:
        for pos in positions:
            f.seek(pos)
            b = f.read(1)
            f.seek(pos)
            f.write(bytes([(b[0] ^ (1 << rng.randrange(8))) if b else 0xff]))


def main():
    fx = fixtures()
    if not fx:
        skip("no committed fixture core under cores/")
    d = fx[0]
    meta = load_json(os.path.join(d, "meta.json"))
    exe = os.path.join(d, meta.get("fixture_exe", "exe"))
    rng = random.Random(int(os.environ.get("CORONER_FUZZ_SEED", "20261126")))
    t = Tap()
    tmp = tempfile.mkdtemp(prefix="coroner-corrupt-")
    try:
        core = os.path.join(tmp, "core")
        with gzip.open(os.path.join(d, "core.gz"), "rb") as s, open(core, "wb") as o:
            shutil.copyfileobj(s, o)
        size = os.path.getsize(core)
        with open(core, "rb") as f:
            head = f.read(64)
        phoff = int.from_bytes(head[32:40], "little")
        phnum = int.from_bytes(head[56:58], "little")
        # Notes follow the program headers in kernel and gcore cores; find
        # the PT_NOTE extent to aim flips at the metadata that steers parsing.
        with open(core, "rb") as f:
            f.seek(phoff)
            ph = f.read(56 * phnum)
        note_lo, note_hi = 0, 0
        for i in range(phnum):
            e = ph[56 * i: 56 * (i + 1)]
            if int.from_bytes(e[0:4], "little") == 4:  # PT_NOTE
                note_lo = int.from_bytes(e[8:16], "little")
                note_hi = note_lo + int.from_bytes(e[32:40], "little")
                break
        mutated = os.path.join(tmp, "mutated")
        cases = []
        for i in range(64):  # ELF header bytes, one at a time
            cases.append(("ELF header", [i]))
        for _ in range(150):
            cases.append(("program headers", [phoff + rng.randrange(56 * phnum)]))
        for _ in range(150):
            if note_hi > note_lo:
                cases.append(("notes", [rng.randrange(note_lo, note_hi)]))
        for _ in range(60):
            cases.append(("anywhere x8", [rng.randrange(size) for _ in range(8)]))
        for i, (where, pos) in enumerate(cases):
            mutate(core, mutated, pos, rng)
            command = COMMANDS[i % len(COMMANDS)]
            code, out, err = run_info(mutated, exe, command)
            judge(t, code, err, f"{command}: flip in {where} at {pos[0]:#x}")
        for frac in (0, 1, 63, 64, 65, phoff + 56 * phnum - 1, note_lo + 7, note_hi - 3, size // 3, size - 1):
            shutil.copyfile(core, mutated)
            with open(mutated, "r+b") as f:
                f.truncate(max(0, min(frac, size)))
            code, out, err = run_info(mutated, exe)
            judge(t, code, err, f"core truncated to {frac} bytes")
        # The executable is input too: flip bytes across it (ELF and DWARF).
        exe_size = os.path.getsize(exe)
        bad_exe = os.path.join(tmp, "exe")
        for i in range(80):
            pos = [rng.randrange(exe_size) for _ in range(4)]
            mutate(exe, bad_exe, pos, rng)
            command = COMMANDS[i % len(COMMANDS)]
            code, out, err = run_info(core, bad_exe, command)
            judge(t, code, err, f"{command}: executable flipped at {pos[0]:#x}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    raise SystemExit(t.done())


if __name__ == "__main__":
    main()
