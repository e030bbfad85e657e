"""The command line contract: exit codes (0 ok, 1 partial, 2 fatal, 64
usage), one-line errors on stderr naming what and where, help and version."""
import gzip
import os
import shutil
import subprocess
import tempfile

from tap import Tap, run, skip, fixtures, load_json, coroner


def one_line_error(err):
    lines = [l for l in err.splitlines() if l.strip()]
    return len(lines) == 1 and lines[0].startswith("coroner: ")


# Every command with its own options (and a common one), as a user may write
# them: (command, options, leading operand or None).
COMMAND_OPTIONS = [
    ("report", ["--top", "2", "--max-goroutine-groups", "3", "--json"], None),
    ("info", ["--json"], None),
    ("goroutines", ["--all", "--json"], None),
    ("heap", ["--top", "3", "--json"], None),
    ("maps", ["--top", "2", "--json"], None),
    ("map", ["--limit", "2", "--sort", "key", "--json"], "MAP"),
    ("roots", ["--roots", "globals", "--json"], None),
    ("type", ["--json"], "TYPE"),
    ("live", ["--json", "--roots", "stacks"], None),
    ("path", ["-k", "2", "--json"], "MAP"),
    ("top", ["--by", "shallow", "--group", "root", "--top", "3", "--json"], None),
    ("object", ["--json"], "MAP"),
    ("dot", ["--top", "1", "--max-nodes", "50"], None),
    ("memstats", ["--json"], None),
]

# Every numeric or address option, with a value it takes.
NUMERIC_OPTIONS = [
    ("report", "--top", "2"), ("report", "--max-goroutine-groups", "3"), ("heap", "--top", "3"),
    ("maps", "--top", "2"), ("map", "--limit", "2"), ("path", "-k", "2"), ("top", "--top", "3"),
    ("dot", "--top", "1"), ("dot", "--max-nodes", "50"), ("dot", "--from", "MAP"),
]


def options_anywhere(t, fixture, core, exe):
    """Options before, between and after the operands give the same output
    (getopt's permutation); "--" ends the options; numbers and addresses
    with a sign or junk are usage errors (exit 64)."""
    truth = load_json(os.path.join(fixture, "truth.json"))
    live_maps = [m for m in truth["maps"] if m.get("reachable_from")]
    fill = {"MAP": live_maps[0]["addr"], "TYPE": truth["extra"]["bigptrs"]["type"]}
    for name, opts, lead in COMMAND_OPTIONS:
        operands = ([fill[lead]] if lead else []) + [core, exe]
        half = len(opts) // 2
        while half and opts[half - 1].startswith("-") and not opts[half].startswith("-"):
            half -= 1  # keep an option with its value
        forms = {
            "before": [name] + opts + operands,
            "between": [name, operands[0]] + opts[:half] + operands[1:2] + opts[half:] + operands[2:],
            "after": [name] + operands + opts,
            "after --": [name] + opts + ["--"] + operands,
            "--exe first": [name, "--exe", exe] + opts + operands[:-1],
        }
        results = {k: run(v) for k, v in forms.items()}
        base = results["before"]
        t.ok(base[0] in (0, 1) and base[1], f"{name} with options before its operands works",
             f"exit {base[0]}\n{base[2]}")
        for k, r in results.items():
            if k != "before":
                t.ok(r[:2] == base[:2], f"{name}: options {k} the operands give the same output and exit",
                     f"{' '.join(forms[k])}\nexit {r[0]} vs {base[0]}\n{r[2]}")
    # After "--" an argument that looks like an option is an operand: here
    # the executable '--json', which does not exist (exit 2, named).
    code, out, err = run(["info", core, "--", "--json"])
    t.ok(code == 2 and one_line_error(err) and "--json" in err, "after '--' an option is an operand", err)
    code, out, err = run(["info", "--json=yes", core, exe])
    t.eq(code, 64, "a flag given a value is a usage error")
    for name, opt, good in NUMERIC_OPTIONS:
        good = fill.get(good, good)
        lead = [fill["MAP"]] if name in ("map", "path") else []
        code, out, err = run([name, opt, good] + lead + [core, exe])
        t.ok(code in (0, 1), f"{name} {opt} {good} is accepted", f"exit {code}\n{err}")
        for bad in ("-5", "5x", "", " 5", "+5", "0x", "99999999999999999999"):
            code, out, err = run([name] + lead + [core, opt, bad, exe])
            t.ok(code == 64 and one_line_error(err) and opt in err,
                 f"{name} {opt} '{bad}' is a usage error (exit 64, one line)", f"exit {code}\n{err}")
        code, out, err = run([name] + lead + [core, exe, opt])
        t.ok(code == 64 and opt in err, f"{name} {opt} without its value is a usage error", f"exit {code}\n{err}")


def main():
    t = Tap()
    code, out, err = run(["--version"])
    t.ok(code == 0 and out.startswith("coroner "), "--version prints the version", out + err)
    code, out, err = run(["help"])
    t.ok(code == 0 and "info" in out and "exit status" in out, "help lists the commands", out)
    code, out, err = run(["help", "info"])
    t.ok(code == 0 and "coroner info" in out, "help info shows its usage", out)
    code, out, err = run([])
    t.eq(code, 64, "no command is a usage error")
    code, out, err = run(["frobnicate", "x"])
    t.ok(code == 64 and one_line_error(err), "unknown command: exit 64, one line", err)
    code, out, err = run(["info"])
    t.eq(code, 64, "info without CORE is a usage error")
    code, out, err = run(["info", "--bogus", "x"])
    t.eq(code, 64, "unknown option is a usage error")
    code, out, err = run(["heap", "--top", "0", "x"])
    t.eq(code, 64, "heap --top 0 is a usage error")
    code, out, err = run(["heap", "x", "--top"])
    t.eq(code, 64, "heap --top without a number is a usage error")
    code, out, err = run(["info", "/nonexistent/core"])
    t.ok(code == 2 and one_line_error(err) and "/nonexistent/core" in err,
         "missing core: exit 2, one line naming the file", err)

    tmp = tempfile.mkdtemp(prefix="coroner-cli-")
    try:
        text = os.path.join(tmp, "notes.txt")
        with open(text, "w") as f:
            f.write("this is not a core dump\n" * 10)
        code, out, err = run(["info", text, "/bin/true"])
        t.ok(code == 2 and one_line_error(err) and "not an ELF file" in err, "text file: not an ELF file", err)
        code, out, err = run(["info", "/bin/true", "/bin/true"])
        t.ok(code == 2 and one_line_error(err) and "not a core dump" in err, "executable given as core", err)

        fx = fixtures()
        if len(fx) < 2:
            skip("needs two committed fixtures under cores/")
        a, b = fx[0], fx[1]
        meta_a, meta_b = load_json(os.path.join(a, "meta.json")), load_json(os.path.join(b, "meta.json"))
        core_a = os.path.join(a, "core.gz")
        exe_a = os.path.join(a, meta_a.get("exe_name", "exe"))
        exe_b = os.path.join(b, meta_b.get("exe_name", "exe"))

        code, out, err = run(["info", core_a, exe_b])
        t.ok(code == 2 and one_line_error(err) and core_a in err and exe_b in err,
             "mismatched executable: exit 2, one line naming both files", err)
        code, out, err = run(["info", "--force", core_a, exe_b])
        t.ok(code in (1, 2) and "warning" in err and "does not match" in err,
             "--force with a mismatched executable goes on with a warning", f"exit {code}\n{err}")

        # Without EXE, coroner takes the path the core records: an error
        # suggesting --exe if it is absent here, else that executable.
        recorded = meta_a.get("exe")
        code, out, err = run(["info", core_a])
        if recorded and os.path.exists(recorded):
            t.ok(code in (0, 2) and (code == 2 and "does not match" in err or recorded in out),
                 "executable recorded in the core is used when EXE is not given", f"exit {code}\n{err}")
        else:
            t.ok(code == 2 and one_line_error(err) and "--exe" in err,
                 "executable recorded in the core absent here: exit 2 suggesting --exe", err)
        code, out, err = run(["info", "--exe", exe_a, core_a])
        t.eq(code, 0, "--exe PATH works like the positional EXE")
        code, out, err = run(["heap", "--top", "3", core_a, exe_a])
        rows = out.split("\nledger:")[0].splitlines()
        t.ok(code == 0 and len(rows) == 1 + 3 + 2, "heap --top 3: header, 3 groups, the rest, the total", out)

        options_anywhere(t, a, core_a, exe_a)

        # -j N: the same output whatever the number of threads.
        for cmd in (["report", "--json"], ["top", "--json"], ["dot"], ["live"]):
            outs = [run(cmd + ["-j", str(j), core_a, exe_a]) for j in (1, 2, 3)]
            t.ok(all(o == outs[0] for o in outs) and outs[0][0] == 0,
                 f"{cmd[0]} -j 1, -j 2 and -j 3 print the same", f"exit {[o[0] for o in outs]}")
        code, out, err = run(["live", "-j", "0", core_a, exe_a])
        t.ok(code == 64 and one_line_error(err) and "--jobs" in err, "-j 0 is a usage error", err)

        # A heap that would not fit in the memory allowed is refused before
        # the graph is built, saying how much it needs; --force goes on.
        small = dict(os.environ, CORONER_MEMORY_LIMIT="1M")
        p = subprocess.run([coroner(), "live", core_a, exe_a], env=small,
                           capture_output=True, text=True)
        t.ok(p.returncode == 2 and one_line_error(p.stderr) and "needs about" in p.stderr
             and "CORONER_MEMORY_LIMIT leaves 1 MB" in p.stderr and "--force" in p.stderr,
             "a heap over CORONER_MEMORY_LIMIT: exit 2, one line saying what it needs", p.stderr)
        p = subprocess.run([coroner(), "live", "--force", core_a, exe_a], env=small,
                           capture_output=True, text=True)
        t.eq(p.returncode, 0, "over CORONER_MEMORY_LIMIT with --force: analysed anyway")
        p = subprocess.run([coroner(), "live", core_a, exe_a],
                           env=dict(os.environ, CORONER_MEMORY_LIMIT="4G"), capture_output=True, text=True)
        t.eq(p.returncode, 0, "a heap under CORONER_MEMORY_LIMIT is analysed")

        # An unsupported Go version: the same executable with its version
        # string rewritten to go1.18 (same length) is refused, naming the
        # supported range; --force reads it anyway with a warning.
        truth_a = load_json(os.path.join(a, "truth.json"))
        ver = truth_a["go_version"].encode()
        old_ver = b"go1.18" + ver[len(b"go1.NN"):]
        with open(exe_a, "rb") as f:
            blob = f.read()
        if ver in blob and len(old_ver) == len(ver):
            patched = os.path.join(tmp, "exe-go1.18")
            with open(patched, "wb") as f:
                f.write(blob.replace(ver, old_ver))
            code, out, err = run(["info", core_a, patched])
            t.ok(code == 2 and one_line_error(err) and "go1.19 to go1.27" in err,
                 "unsupported Go version: exit 2 naming the supported range", err)
            code, out, err = run(["info", "--force", core_a, patched])
            t.ok(code == 1 and "outside the supported range" in err and old_ver.decode() in out,
                 "unsupported Go version with --force: result and a warning, exit 1", f"exit {code}\n{err}")
        else:
            t.ok(False, "the fixture executable holds its version string", truth_a["go_version"])

        # A truncated core still gives what it has, and says so: exit 1.
        raw = os.path.join(tmp, "core")
        with gzip.open(core_a, "rb") as src, open(raw, "wb") as dst:
            shutil.copyfileobj(src, dst)
        size = os.path.getsize(raw)
        with open(raw, "r+b") as f:
            f.truncate(size // 2)
        code, out, err = run(["info", raw, exe_a])
        t.ok(code == 1 and "truncated" in err and "go version:" in out,
             "truncated core: partial result, exit 1, said on stderr", f"exit {code}\n{err}")

        # A truncated gzip stream too.
        gzc = os.path.join(tmp, "cut.gz")
        with open(core_a, "rb") as src:
            data = src.read()
        with open(gzc, "wb") as dst:
            dst.write(data[: len(data) * 2 // 3])
        code, out, err = run(["info", gzc, exe_a])
        t.ok(code in (1, 2) and (code == 2 and one_line_error(err) or "ends early" in err),
             "cut gzip stream: partial result or one-line error", f"exit {code}\n{err}")

        # A core of a program that is not Go.
        if shutil.which("gcore"):
            p = subprocess.Popen(["sleep", "60"])
            try:
                prefix = os.path.join(tmp, "sleep")
                subprocess.run(["gcore", "-o", prefix, str(p.pid)], capture_output=True, timeout=120)
            finally:
                p.kill()
            path = f"{prefix}.{p.pid}"
            if os.path.exists(path):
                code, out, err = run(["info", path])
                t.ok(code == 2 and one_line_error(err) and "not a Go program" in err,
                     "core of a non-Go program: exit 2, 'not a Go program'", err)
            else:
                t.ok(True, "core of a non-Go program # SKIP gcore could not dump 'sleep' here")
        else:
            t.ok(True, "core of a non-Go program # SKIP gcore (gdb) is not installed")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    raise SystemExit(t.done())


if __name__ == "__main__":
    main()
