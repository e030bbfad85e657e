"""Compressed cores, as systemd-coredump stores them (.zst, .lz4, .xz) and
people make them (.gz): coroner reads each directly and must say the same
as for the plain core, whatever the file is called (the format is known by
its magic bytes).  A stream cut short must give what the format's own
tool (zstd -d, lz4 -d, xz -d) recovers from it, read as a plain truncated
core: the same output, exit 1, and a warning that the stream ends early.

--fixtures: the committed fixture cores, each format, report and info.
--matrix: every matrix core compressed with zstd -1, info and goroutines.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from tap import run_suite, skip

TOOLS = {"zstd": (["zstd", "-1", "-q", "-c"], ["zstd", "-d", "-q", "-c"]),
         "lz4": (["lz4", "-q", "-c"], ["lz4", "-d", "-q", "-c"]),
         "xz": (["xz", "-1", "-T2", "-q", "-c"], ["xz", "-d", "-q", "-c"])}
MODE = sys.argv[1] if len(sys.argv) > 1 else "--fixtures"
FORMATS = ["zstd", "lz4", "xz"] if MODE == "--fixtures" else ["zstd"]
COMMANDS = [["report"], ["info", "--json"]] if MODE == "--fixtures" else [["info", "--json"], ["goroutines", "--json"]]

tmp = tempfile.mkdtemp(prefix="coroner-compressed-")


def run(args):
    from tap import coroner
    p = subprocess.run([coroner()] + args, capture_output=True, timeout=600)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def pipe(cmd, src, dst):
    with open(src, "rb") as i, open(dst, "wb") as o:
        return subprocess.run(cmd, stdin=i, stdout=o, stderr=subprocess.DEVNULL).returncode


def normalized(out, path):
    """Output with the core's path and compression (which differ by
    design) taken out."""
    text = out.decode("utf-8")
    if text.startswith("{"):
        doc = json.loads(text)
        for k in ("core", "compressed", "compression", "truncated"):
            doc.pop(k, None)
        return json.dumps(doc, sort_keys=True)
    return "\n".join(l for l in text.splitlines() if not l.startswith("core:") and path not in l)


def check(t, core, exe, truth, label, kind, stderr_path):
    plain = os.path.join(tmp, "plain")
    if core.endswith(".gz"):
        pipe(["gzip", "-d", "-c"], core, plain)
    else:
        plain = core
    want = {}
    for cmd in COMMANDS:
        code, out, err = run(cmd + [plain, exe])
        want[cmd[0]] = (code, normalized(out, plain))
    for fmt in FORMATS:
        comp, decomp = TOOLS[fmt]
        # No telling name: the format must be known by its magic bytes.
        path = os.path.join(tmp, "core-" + fmt)
        pipe(comp, plain, path)
        for cmd in COMMANDS:
            code, out, err = run(cmd + [path, exe])
            t.ok((code, normalized(out, path)) == want[cmd[0]],
                 f"{label}: {fmt} core, {cmd[0]}: the same as the plain core",
                 f"exit {code} (plain {want[cmd[0]][0]})\n{err[-1500:]}")
            if cmd[0] == "info" and code in (0, 1):
                t.eq(json.loads(out).get("compression"), fmt, f"{label}: {fmt} core: info says {fmt}")
        # Cut at 97% of the compressed stream: what the format's tool
        # recovers is the plain truncated core to compare with.
        cut = os.path.join(tmp, "cut-" + fmt)
        with open(path, "rb") as f:
            data = f.read()
        with open(cut, "wb") as f:
            f.write(data[:len(data) * 97 // 100])
        prefix = os.path.join(tmp, "prefix-" + fmt)
        pipe(decomp, cut, prefix)
        cmd = COMMANDS[-1]
        pcode, pout, perr = run(cmd + [prefix, exe])
        code, out, err = run(cmd + [cut, exe])
        t.ok(code == pcode and code in (1, 2) and "ends early" in err and
             normalized(out, cut) == normalized(pout, prefix),
             f"{label}: {fmt} core cut at 97%: what `{decomp[0]} -d` recovers, read as a truncated core "
             f"(exit {code}), with a warning",
             f"exit {code} (prefix {pcode})\n{err[-800:]}\nprefix:\n{perr[-800:]}")
        os.unlink(path)
        os.unlink(cut)
        os.unlink(prefix)


if __name__ == "__main__":
    missing = [tool[0][0] for tool in TOOLS.values() if not shutil.which(tool[0][0])]
    if missing:
        skip(f"{', '.join(missing)} not installed (scripts/install-deps test installs them)")
    try:
        run_suite(check)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
