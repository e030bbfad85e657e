#!/usr/bin/env python3
"""Truncated cores give partial results (issue 13 §2).

For one kernel and one gcore core (scenario shapes) of every matrix
release, the core is cut at every 5%, at 99% and at its note boundary
(the end of the notes for a kernel core, which writes them first; their
start for gcore, which writes them last), and `coroner report --json` runs
on each prefix.  What each prefix holds is worked out here, independently
of coroner: the core's program headers read by this script, the
executable's writable segments (the runtime's globals), and where the
runtime keeps its span table and goroutine list, asked of gdb on the
whole core.

  - a prefix that holds the globals, mheap_.allspans' array and allgs'
    array is analysed: exit 1, the summary's `missing` says how many bytes
    were cut off (the cut parts of the segments, less what the executable
    serves), how many mspans the cut removed, that the notes are lost
    exactly when the cut is before their end, and every live goroutine
    whose stack was cut; the goroutine count is that of the g's the prefix
    holds.  The note boundary and 99% cuts also run live, maps, top, dot
    and roots (exit 1).
  - any other prefix is a fatal error (exit 2) whose one line names an
    address the cut removed.

Prefixes are made by copying the core once (sparse: only its data
extents) and cutting the copy shorter and shorter with ftruncate.
"""
import bisect
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'e2e'))
import tap  # noqa: E402

PT_LOAD, PT_NOTE, PF_W = 1, 4, 2
G_DEAD = 6  # runtime._Gdead
SCAN = 0x1000  # runtime._Gscan
COMMANDS = ['live', 'maps', 'top', 'dot', 'roots']


def phdrs(path):
    with open(path, 'rb') as f:
        eh = f.read(64)
        phoff, = struct.unpack_from('<Q', eh, 32)
        phnum, = struct.unpack_from('<H', eh, 56)
        f.seek(phoff)
        raw = f.read(56 * phnum)
    out = []
    for i in range(phnum):
        p_type, p_flags, off, vaddr, _, filesz, memsz, _ = struct.unpack_from('<IIQQQQQQ', raw, 56 * i)
        out.append(dict(type=p_type, flags=p_flags, offset=off, vaddr=vaddr, filesz=filesz, memsz=memsz))
    return out


class Core:
    """The whole core: read memory, and say what a prefix keeps."""

    def __init__(self, path):
        self.path = path
        self.ph = phdrs(path)
        self.loads = [p for p in self.ph if p['type'] == PT_LOAD]
        notes = [p for p in self.ph if p['type'] == PT_NOTE]
        self.note_start = min(p['offset'] for p in notes)
        self.note_end = max(p['offset'] + p['filesz'] for p in notes)
        self.size = os.path.getsize(path)
        self.f = open(path, 'rb')

    def read(self, addr, n):
        for p in self.loads:
            if p['vaddr'] <= addr and addr + n <= p['vaddr'] + p['filesz']:
                self.f.seek(p['offset'] + addr - p['vaddr'])
                return self.f.read(n)
        return None

    def u64(self, addr):
        b = self.read(addr, 8)
        return struct.unpack('<Q', b)[0] if b else None

    def cut_ranges(self, cut):
        """[start, end) address ranges the core has and a prefix of cut bytes lacks."""
        out = []
        for p in self.loads:
            if p['offset'] + p['filesz'] > cut:
                keep = max(0, cut - p['offset'])
                out.append((p['vaddr'] + keep, p['vaddr'] + p['filesz']))
        return out


def subtract(ranges, holes):
    out = []
    for a, b in ranges:
        parts = [(a, b)]
        for h0, h1 in holes:
            parts = [q for (x, y) in parts for q in ((x, min(y, h0)), (max(x, h1), y)) if q[0] < q[1]]
        out += parts
    return out


def overlaps(ranges, a, b):
    return any(x < b and a < y for x, y in ranges)


def gdb_facts(exe, core):
    """Where the runtime keeps its span table and goroutine list, and the
    layout of runtime.g, as gdb reads them from the whole core."""
    exprs = ["p/x 'runtime.mheap_'.allspans", "p/x 'runtime.allgs'", "p sizeof('runtime.mspan')",
             "p/x (long)&(('runtime.g'*)0)->goid", "p/x (long)&(('runtime.g'*)0)->atomicstatus",
             "p/x (long)&(('runtime.g'*)0)->stack.hi", "p sizeof('runtime.g')",
             "p/x (long)&(('runtime.mspan'*)0)->startAddr", "p/x (long)&(('runtime.mspan'*)0)->npages"]
    args = ['gdb', '-batch', '-nx', '-ex', 'set language c']
    for e in exprs:
        args += ['-ex', e]
    r = subprocess.run(args + [exe, core], capture_output=True, text=True, timeout=300)
    vals = re.findall(r'^\$\d+ = (.*)$', r.stdout, re.M)
    if len(vals) != len(exprs):
        raise RuntimeError('gdb said: %s' % (r.stdout + r.stderr)[-1500:])

    def slice_of(s):
        m = re.match(r'\{array = (0x[0-9a-f]+), len = (0x[0-9a-f]+)', s)
        return int(m.group(1), 16), int(m.group(2), 16)
    return dict(allspans=slice_of(vals[0]), allgs=slice_of(vals[1]), mspan_size=int(vals[2], 0),
                goid=int(vals[3], 16), status=int(vals[4], 16), stack_hi=int(vals[5], 16),
                g_size=int(vals[6], 0), span_start=int(vals[7], 16), span_npages=int(vals[8], 16))


def sparse_copy(src, dst):
    fi = os.open(src, os.O_RDONLY)
    fo = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    size = os.fstat(fi).st_size
    off = 0
    while off < size:
        try:
            d = os.lseek(fi, off, os.SEEK_DATA)
        except OSError:
            break
        h = os.lseek(fi, d, os.SEEK_HOLE)
        p = d
        while p < h:
            n = os.copy_file_range(fi, fo, h - p, p, p)
            if n <= 0:
                raise OSError('copy_file_range failed')
            p += n
        off = h
    os.ftruncate(fo, size)
    os.close(fi)
    os.close(fo)


def exe_segments(exe):
    loads = [p for p in phdrs(exe) if p['type'] == PT_LOAD]
    rw = [(p['vaddr'], p['vaddr'] + p['memsz']) for p in loads if p['flags'] & PF_W]
    ro = [(p['vaddr'], p['vaddr'] + p['filesz']) for p in loads if not p['flags'] & PF_W]
    return rw, ro


def global_roots(core, exe, spans):
    """(slot, value) of the global roots that point into one of spans
    (sorted [start, end) of the heap's spans) and that a DWARF variable
    names."""
    r = subprocess.run([tap.coroner(), 'roots', '--roots', 'globals', '--json', core, exe], capture_output=True,
                       text=True, timeout=600)
    if r.returncode > 1:
        return set()
    starts = [a for a, _ in spans]

    def in_heap(v):
        i = bisect.bisect_right(starts, v) - 1
        return i >= 0 and v < spans[i][1]
    return {(x['slot'], x['value']) for x in json.loads(r.stdout)
            if in_heap(int(x['value'], 16)) and not x['name'].startswith('global at')}


def check_core(d, kind, tmp):
    """Run every cut of one core; returns a list of (ok, description, detail)."""
    results = []

    def ok(cond, desc, detail=None):
        results.append((bool(cond), desc, detail))
        return cond

    exe, path = os.path.join(d, 'exe'), os.path.join(d, kind + '.core')
    label = '%s/%s' % (os.path.relpath(d, os.path.dirname(os.path.dirname(d))), kind)
    core = Core(path)
    facts = gdb_facts(exe, path)
    globals_rw, exe_ro = exe_segments(exe)
    spans_at, nspans = facts['allspans']
    gs_at, ngs = facts['allgs']
    mspans = [core.u64(spans_at + 8 * i) for i in range(nspans)]
    gs = []
    for i in range(ngs):
        g = core.u64(gs_at + 8 * i)
        st = core.read(g + facts['status'], 4)
        status = struct.unpack('<I', st)[0] & ~SCAN
        if status != G_DEAD:
            gs.append(dict(addr=g, goid=core.u64(g + facts['goid']), lo=core.u64(g), hi=core.u64(g + facts['stack_hi'])))

    spans = []
    for sp in mspans:
        start, npages = core.u64(sp + facts['span_start']), core.u64(sp + facts['span_npages'])
        if start and npages:
            spans.append((start, start + 8192 * npages))
    whole_roots = global_roots(path, exe, sorted(spans))
    boundary = core.note_end if kind == 'kernel' else core.note_start
    cuts = sorted({core.size * k // 20 for k in range(1, 20)} | {core.size * 99 // 100, boundary}, reverse=True)
    copy = os.path.join(tmp, label.replace('/', '-'))
    sparse_copy(path, copy)
    analysed = 0
    for cut in cuts:
        os.truncate(copy, cut)
        what = '%s cut at %d bytes (%.1f%%%s)' % (label, cut, 100.0 * cut / core.size,
                                                  ', the note boundary' if cut == boundary else '')
        gone = subtract(core.cut_ranges(cut), exe_ro)
        need = globals_rw + [(spans_at, spans_at + 8 * nspans), (gs_at, gs_at + 8 * ngs)]
        analysable = not any(overlaps(gone, a, b) for a, b in need)
        r = subprocess.run([tap.coroner(), 'report', '--json', copy, exe], capture_output=True, text=True,
                           timeout=600)
        err_tail = r.stderr.strip().splitlines()[-1:] or ['']
        if r.returncode < 0 or r.returncode > 2:
            ok(False, '%s: exit %d' % (what, r.returncode), r.stderr[-2000:])
            continue
        if not analysable:
            m = re.search(r'at (0x[0-9a-f]+)', err_tail[0])
            addr = int(m.group(1), 16) if m else None
            ok(r.returncode == 2 and addr is not None and overlaps(gone, addr, addr + 1),
               '%s: without the globals, span table or allgs: fatal, naming an address the cut removed' % what,
               'exit %d: %s' % (r.returncode, err_tail[0]))
            continue
        analysed += 1
        if not ok(r.returncode == 1, '%s: analysed, exit 1' % what, 'exit %d: %s' % (r.returncode, r.stderr[-2000:])):
            continue
        summary = json.loads(r.stdout)['summary']
        miss = summary.get('missing') or {}
        want_bytes = sum(b - a for a, b in gone)
        want_spans = sum(1 for s in mspans if overlaps(gone, s, s + facts['mspan_size']))
        readable = [g for g in gs if not overlaps(gone, g['addr'], g['addr'] + facts['g_size'])]
        cut_stacks = sorted(g['goid'] for g in readable if g['hi'] > g['lo'] and overlaps(gone, g['lo'], g['hi']))
        ok(miss.get('bytes') == want_bytes and miss.get('spans') == want_spans and
           miss.get('notes_lost') == (cut < core.note_end) and
           set(cut_stacks) <= set(miss.get('goroutine_stacks', [])),
           '%s: the summary says what is missing (%d bytes, %d spans, notes %s, stacks %s)' %
           (what, want_bytes, want_spans, 'lost' if cut < core.note_end else 'kept', cut_stacks),
           'summary.missing: %s' % json.dumps(miss))
        ok(summary.get('goroutines') == len(readable),
           '%s: %d goroutines, those of allgs the prefix holds' % (what, len(readable)),
           'summary.goroutines: %s' % summary.get('goroutines'))
        if cut == core.size * 99 // 100:
            # The runtime's own pointer masks of data and bss (kept at the
            # end of a kernel core) are the truth for the globals' roots:
            # a cut that loses them scans the globals by their DWARF types,
            # which must find every heap pointer of a DWARF-named global.
            cut_roots = global_roots(copy, exe, sorted(spans))
            lost = [r for r in whole_roots if r not in cut_roots]
            ok(not lost, '%s: every heap pointer of a named global is a root, as in the whole core (%d)' %
               (what, len(whole_roots)), 'lost: %s' % lost[:5])
        if cut == boundary or cut == core.size * 99 // 100:
            for cmd in COMMANDS:
                rc = subprocess.run([tap.coroner(), cmd, copy, exe], capture_output=True, text=True, timeout=600)
                ok(rc.returncode == 1, '%s: %s exits 1' % (what, cmd), 'exit %d: %s' % (rc.returncode, rc.stderr[-1000:]))
    ok(analysed > 0 or kind == 'kernel',
       '%s: some cut keeps what the analysis needs (%d of %d analysed)' % (label, analysed, len(cuts)))
    os.unlink(copy)
    return results


def main():
    t = tap.Tap()
    # amd64 kernel and gcore cores: the expectations come from gdb, which on
    # this host reads amd64 cores only (qemu's arm64 cores are left out).
    cores = [(d, k) for d, k in tap.matrix_cores() if os.path.basename(d) == 'shapes' and k in tap.MATRIX_KINDS]
    if not cores:
        if os.environ.get('CORONER_REQUIRE_MATRIX') == '1':
            t.ok(False, 'the core matrix is missing (cores/gen-matrix)')
            sys.exit(t.done())
        tap.skip('no matrix cores (run cores/gen-matrix)')
    if not shutil.which('gdb'):
        tap.skip('gdb is not installed (scripts/install-deps test)')
    tmp = tempfile.mkdtemp(prefix='coroner-cuts-')
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            for results in pool.map(lambda dk: check_core(dk[0], dk[1], tmp), cores):
                for cond, desc, detail in results:
                    t.ok(cond, desc, detail)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(t.done())


if __name__ == '__main__':
    main()
