#!/usr/bin/env python3
"""Every fuzz target's seeds (fuzz/make-seeds) and kept findings
(tests/corrupt/fuzz/TARGET/*) run once through the target's code, built
with a plain main() (BUILD/fuzz/replay-TARGET): under the ASan+UBSan build
a finding that comes back is a failure here."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'e2e'))
import tap  # noqa: E402

SRC = os.environ['CORONER_SOURCE_ROOT']
BUILD = os.environ['CORONER_BUILD_ROOT']
TARGETS = ['core', 'image', 'dwarf', 'pclntab', 'runtime']


def main():
    t = tap.Tap()
    seeds = tempfile.mkdtemp(prefix='coroner-seeds-')
    subprocess.run([os.path.join(SRC, 'fuzz', 'make-seeds'), seeds], check=True)
    for target in TARGETS:
        files = []
        for d in (os.path.join(seeds, target), os.path.join(SRC, 'tests', 'corrupt', 'fuzz', target)):
            if os.path.isdir(d):
                files += sorted(os.path.join(d, f) for f in os.listdir(d))
        kept = sum(1 for f in files if '/tests/corrupt/fuzz/' in f)
        r = subprocess.run([os.path.join(BUILD, 'fuzz', 'replay-' + target)] + files,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=600)
        replayed = sum(1 for line in r.stdout.splitlines() if line.startswith('ok '))
        t.ok(r.returncode == 0 and replayed == len(files),
             '%s: %d seeds and %d kept findings replay cleanly' % (target, len(files) - kept, kept),
             r.stderr[-3000:])
    sys.exit(t.done())


if __name__ == '__main__':
    main()
