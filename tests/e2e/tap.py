"""Minimal TAP producer and helpers shared by the end-to-end tests.

Expected values come from outside coroner: the ground truth the scenario
programs wrote about themselves (truth.json), facts the generator took with
independent tools (meta.json: readelf), or binutils run here (addr2line).
"""
import glob
import json
import os
import subprocess
import sys

SKIP = 77  # meson: skipped


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, desc, detail=None):
        self.n += 1
        if cond:
            print(f"ok {self.n} - {desc}")
        else:
            self.failed += 1
            print(f"not ok {self.n} - {desc}")
            if detail:
                for line in str(detail).splitlines():
                    print(f"# {line}")
        sys.stdout.flush()
        return cond

    def eq(self, got, want, desc):
        return self.ok(got == want, desc, f"got:  {got!r}\nwant: {want!r}")

    def done(self):
        print(f"1..{self.n}")
        return 1 if self.failed else 0


def skip(reason):
    # TAP plan with a skip directive, and exit 77 so meson says SKIP.
    print(f"1..0 # SKIP {reason}")
    print(f"skipped: {reason}", file=sys.stderr)
    sys.exit(SKIP)


def coroner():
    return os.environ.get("CORONER") or os.path.join(
        os.environ.get("CORONER_BUILD_ROOT", "build"), "coroner")


def source_root():
    return os.environ.get("CORONER_SOURCE_ROOT", os.getcwd())


def cache_root():
    return os.environ.get("CORONER_CACHE") or os.path.expanduser("~/.cache/coroner")


def run(args, timeout=600):
    """Run coroner; returns (exit code, stdout, stderr)."""
    p = subprocess.run([coroner()] + args, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def load_json(path):
    with open(path) as f:
        return json.load(f)


def load_truth(d, kind):
    """The truth of the process a core was taken from: each core kind comes
    from its own run, so the generator keeps KIND.truth.json."""
    path = os.path.join(d, f"{kind}.truth.json")
    return load_json(path if os.path.exists(path) else os.path.join(d, "truth.json"))


def fixtures():
    """Committed fixtures: directories holding core.gz, truth.json, meta.json."""
    root = source_root()
    out = []
    for d in sorted(glob.glob(os.path.join(root, "cores", "fixtures", "*")) +
                    [os.path.join(root, "cores", "sample")]):
        if os.path.exists(os.path.join(d, "core.gz")):
            out.append(d)
    return out


def go_versions():
    """The supported Go releases: the one list in cores/go-versions."""
    root = os.environ.get("CORONER_SOURCE_ROOT") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(root, "cores", "go-versions")) as f:
        return [line.split("#")[0].strip() for line in f if line.split("#")[0].strip()]


MATRIX_VERSIONS = go_versions()
MATRIX_KINDS = ["kernel", "gcore"]


def matrix_cores():
    """Every (dir, kind) of the generated matrix that exists."""
    root = os.path.join(cache_root(), "matrix")
    out = []
    for v in MATRIX_VERSIONS:
        for d in sorted(glob.glob(os.path.join(root, f"go{v}", "*"))):
            for k in MATRIX_KINDS:
                if os.path.exists(os.path.join(d, f"{k}.core")):
                    out.append((d, k))
    return out


def addr2line(exe, pcs):
    """Function names for pcs, from binutils (an independent symbolizer)."""
    if not pcs:
        return []
    p = subprocess.run(["addr2line", "-f", "-e", exe] + [hex(pc) for pc in pcs],
                       capture_output=True, text=True, timeout=120)
    lines = p.stdout.splitlines()
    # The ELF symbol table names assembly (ABI0) functions "F.abi0"; Go's
    # DWARF and tracebacks call them F.
    return [lines[2 * i].removesuffix(".abi0") for i in range(len(pcs))]


def coroner_json(t, label, args):
    """Run coroner with args (a --json command); its parsed output, or None
    after a failed check that it exited 0."""
    code, out, err = run(args)
    if not t.ok(code == 0, f"{label}: {args[0]} exits 0", f"exit {code}\n{err[-2000:]}"):
        return None
    return json.loads(out)


def run_suite(check, doc=""):
    """The --fixtures / --matrix driver shared by the end-to-end tests:
    check(t, core, exe, truth, label, kind, stderr_path) for every committed
    fixture, or for every core of the generated matrix.  With
    CORONER_REQUIRE_MATRIX=1 (CI) a missing matrix core fails the run."""
    mode = sys.argv[1] if len(sys.argv) > 1 else "--fixtures"
    t = Tap()
    if mode == "--fixtures":
        dirs = fixtures()
        if not dirs:
            skip("no committed fixtures under cores/")
        for d in dirs:
            meta = load_json(os.path.join(d, "meta.json"))
            check(t, os.path.join(d, "core.gz"), os.path.join(d, meta.get("fixture_exe", "exe")),
                  load_json(os.path.join(d, "truth.json")), os.path.basename(d), "kernel",
                  os.path.join(d, "kernel.stderr"))
    else:
        cores = matrix_cores()
        required = os.environ.get("CORONER_REQUIRE_MATRIX") == "1"
        if not cores and not required:
            skip("no matrix cores: run cores/gen-matrix first (CORONER_CACHE or ~/.cache/coroner)")
        have = {(os.path.basename(os.path.dirname(d))[2:], k) for d, k in cores}
        missing = [f"go{v}/{k}" for v in MATRIX_VERSIONS for k in MATRIX_KINDS if (v, k) not in have]
        t.ok(not missing, "the matrix has every Go version x core kind", "missing: " + ", ".join(missing))
        for d, kind in cores:
            label = f"{os.path.basename(os.path.dirname(d))}/{os.path.basename(d)}/{kind}"
            check(t, os.path.join(d, f"{kind}.core"), os.path.join(d, "exe"), load_truth(d, kind), label, kind,
                  os.path.join(d, "kernel.stderr"))
    sys.exit(t.done())
