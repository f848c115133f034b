#!/usr/bin/env python3
"""cuda_plugin_test.py — the CUDA backend as a plugin that libmeshrt dlopen()s (one case a run).

  linkage          libmeshrt.so needs no CUDA library, the plugin does; the plugin exports only
                   its entry point and defines none of libmeshrt's global state
  no_cuda_libs     where the CUDA libraries cannot be found (their directories hidden under
                   empty mounts in a private mount namespace), a CPU run gives the same losses
                   as here, and --device cuda is one line naming the plugin and the missing
                   library, exit 1 on every rank
  beside_runtime   libmeshrt.so and the plugin copied to another directory: the copy of the
                   plugin beside the loaded libmeshrt is the one dlopen()ed (the dynamic
                   linker's own report, LD_DEBUG=files); without it, --device cuda names it
  override         MESHRT_CUDA_PLUGIN: another copy is used; a missing file, a library that is
                   no plugin, a plugin of another ABI version or of another meshc version are
                   refused with one line each, and the refused plugin's code never runs

Exit status 0: pass, 1: fail, 77: skipped (the reason is printed).
"""
import argparse
import os
import re
import shlex
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                                "support"))
from meshc_test import (SKIP, Failure, loss_lines, private_mount_namespace,  # noqa: E402
                        run_checked)

TIMEOUT_S = 120
CUDA_LIBS = ("libcudart", "libcublas", "libcudnn", "libnccl")


def run(cmd, env=None):
    """(exit status, stdout, stderr); a timeout (its whole session killed) is a Failure."""
    return run_checked(cmd, TIMEOUT_S, check=False, env=env)


def expect(cond, what, out="", err=""):
    if not cond:
        raise Failure("%s\n--- stdout\n%s--- stderr\n%s" % (what, out, err))


class Programs:
    def __init__(self, args):
        self.args = args
        self.mpirun = [args.mpirun, "--allow-run-as-root", "--oversubscribe", "--bind-to", "none"]

    def ranks(self, program, ranks, flags, env=None, wrap=()):
        """Runs `program flags` on `ranks` ranks under mpirun, each rank through a shell that
        prints its exit status (so that mpirun does not abort the others first). Returns
        (mpirun's status, stdout without those lines, stderr, [exit status per rank])."""
        report = '"$0" "$@"; echo "meshrt-test: rank $OMPI_COMM_WORLD_RANK exit $?"'
        cmd = list(wrap) + self.mpirun + ["-n", str(ranks), "sh", "-c", report, program] + flags
        rc, out, err = run(cmd, env)
        exits = {}
        kept = []
        for line in out.splitlines(keepends=True):
            m = re.match(r"^meshrt-test: rank (\d+) exit (\d+)$", line.strip())
            if m:
                exits[int(m.group(1))] = int(m.group(2))
            else:
                kept.append(line)
        return rc, "".join(kept), err, [exits.get(r) for r in range(ranks)]

    def fails_alike(self, program, ranks, flags, pattern, env=None, wrap=()):
        """Every rank exits 1, and stderr has exactly one error line, which matches `pattern`."""
        rc, out, err, exits = self.ranks(program, ranks, flags, env, wrap)
        expect(exits == [1] * ranks, "expected exit status 1 on every rank, got %s" % exits, out,
               err)
        errors = [l for l in err.splitlines() if l.startswith("error:")]
        expect(len(errors) == 1, "expected one error line, got %d" % len(errors), out, err)
        expect(re.search(pattern, errors[0]), "the error line does not match %r" % pattern, out,
               err)
        print("  refused alike on %d ranks: %s" % (ranks, errors[0]))
        return errors[0]


def env_with(**extra):
    env = dict(os.environ)
    env.pop("MESHRT_CUDA_PLUGIN", None)
    env.update(extra)
    return env


def needed(lib):
    rc, out, err = run(["readelf", "-d", lib])
    expect(rc == 0, "readelf -d %s failed" % lib, out, err)
    return re.findall(r"\(NEEDED\)\s+Shared library: \[(.+)\]", out)


def ldd_cuda(lib, wrap=()):
    """{name prefix: resolved path or None} for the plugin's CUDA libraries."""
    rc, out, err = run(list(wrap) + ["ldd", lib])
    found = {}
    for prefix in CUDA_LIBS:
        m = re.search(r"^\s*(%s\S*) => (.+?)(?: \(0x[0-9a-f]+\))?$" % prefix, out, re.M)
        expect(m, "ldd %s does not list %s" % (lib, prefix), out, err)
        found[prefix] = None if m.group(2) == "not found" else m.group(2)
    return found


# ---- cases

def case_linkage(args, programs):
    libmeshrt = needed(args.runtime_lib)
    print("libmeshrt.so needs: %s" % " ".join(libmeshrt))
    bad = [n for n in libmeshrt if n.startswith(CUDA_LIBS + ("libcuda.", "libcublasLt"))]
    expect(not bad, "libmeshrt.so links CUDA libraries: %s" % bad)
    plugin = needed(args.plugin)
    print("libmeshrt_cuda.so needs: %s" % " ".join(plugin))
    for prefix in CUDA_LIBS:
        expect(any(n.startswith(prefix) for n in plugin), "the plugin does not link %s" % prefix)
    expect(not any(n.startswith("libmeshrt") for n in plugin),
           "the plugin links libmeshrt (it must only be called through its entry table)")
    # Exported: the entry point, and nothing else of ours.
    rc, out, err = run(["nm", "-D", "--defined-only", args.plugin])
    expect(rc == 0, "nm -D failed", out, err)
    exported = re.findall(r"^\S+ [A-Za-z] (\S+)$", out, re.M)
    ours = [s for s in exported if "meshrt" in s]
    expect(ours == ["meshrt_cuda_plugin"], "the plugin exports %s, expected only "
           "meshrt_cuda_plugin" % ours)
    # State: no global variable of libmeshrt (profile and stats totals, ...) has a second copy
    # in the plugin; its own data lives in meshrt::cuda.
    rc, out, err = run(["nm", "-C", "--defined-only", args.plugin])
    expect(rc == 0, "nm failed", out, err)
    data = re.findall(r"^\S+ [BbDdGgSs] (meshrt::.+)$", out, re.M)
    foreign = [s for s in data if not s.startswith("meshrt::cuda::")]
    expect(not foreign, "the plugin defines libmeshrt state of its own: %s" % foreign)
    print("linkage: libmeshrt links no CUDA library; the plugin links %s and exports only its "
          "entry point" % ", ".join(CUDA_LIBS))


def hide_wrapper(unshare, dirs):
    """A command prefix that runs its command in a private mount namespace (`unshare`: its
    arguments) where each of `dirs` is an empty, read-only tmpfs."""
    script = "set -e; " + "".join("mount -t tmpfs -o ro,size=4k meshrt-hidden %s; "
                                  % shlex.quote(d) for d in dirs) + 'exec "$@"'
    return ["unshare"] + unshare + ["sh", "-c", script, "sh"]


def case_no_cuda_libs(args, programs):
    unshare, why = private_mount_namespace()
    if unshare is None:
        print("SKIP: %s" % why)
        return SKIP
    # Hide every directory the plugin's CUDA libraries resolve from, until none resolves.
    hidden = []
    for _ in range(6):
        found = ldd_cuda(args.plugin, hide_wrapper(unshare, hidden))
        dirs = sorted({os.path.dirname(os.path.realpath(p)) for p in found.values() if p})
        if not dirs:
            break
        for d in dirs:
            if os.path.exists(os.path.join(d, "libc.so.6")) or os.path.exists(
                    os.path.join(d, "libmpi.so.40")):
                print("SKIP: the CUDA libraries share %s with the system's libraries, which "
                      "cannot be hidden" % d)
                return SKIP
        hidden += dirs
    else:
        raise Failure("the CUDA libraries still resolve after hiding %s" % hidden)
    hide = hide_wrapper(unshare, hidden)
    print("hidden (empty mounts): %s; ldd of the plugin there: %s not found"
          % (" ".join(hidden) or "(nothing: no CUDA libraries here)", ", ".join(CUDA_LIBS)))

    flags = ["--steps", "4", "--threads", "1"]
    env = env_with()
    rc, ref_out, ref_err, exits = programs.ranks(args.program, args.ranks, flags, env)
    expect(exits == [0] * args.ranks, "the reference run failed: %s" % exits, ref_out, ref_err)
    ref = loss_lines(ref_out)
    expect(len(ref) == 4, "the reference run printed %d losses" % len(ref), ref_out, ref_err)
    rc, out, err, exits = programs.ranks(args.program, args.ranks, flags, env, hide)
    expect(exits == [0] * args.ranks,
           "the CPU run without CUDA libraries failed: exit statuses %s" % exits, out, err)
    got = loss_lines(out)
    expect(got == ref, "losses without CUDA libraries %s differ from %s" % (got, ref), out, err)
    print("CPU run on %d ranks without CUDA libraries: same losses %s"
          % (args.ranks, " ".join(l for _, l in got)))

    plugin = re.escape(os.path.realpath(args.plugin))
    programs.fails_alike(args.program, args.ranks, ["--device", "cuda"],
                         r"^error: --device cuda on rank \d+: cannot load the CUDA plugin %s: "
                         r"lib(cudart|cublas|cudnn|nccl)\S*: cannot open shared object file" % plugin,
                         env, hide)


def relocated(tmp, args, plugin=True):
    """Copies of libmeshrt (and the plugin) in tmp/lib and of the program in tmp/bin, and the
    environment that makes the program load that libmeshrt."""
    lib, bin_ = os.path.join(tmp, "lib"), os.path.join(tmp, "bin")
    os.makedirs(lib, exist_ok=True)
    os.makedirs(bin_, exist_ok=True)
    shutil.copy2(args.runtime_lib, os.path.join(lib, args.runtime_name))
    if plugin:
        shutil.copy2(args.plugin, os.path.join(lib, "libmeshrt_cuda.so"))
    program = os.path.join(bin_, os.path.basename(args.program))
    shutil.copy2(args.program, program)
    env = env_with(LD_LIBRARY_PATH=lib + os.pathsep + os.environ.get("LD_LIBRARY_PATH", ""))
    return os.path.realpath(lib), program, env


def version_lines(program, env):
    rc, out, err = run([program, "--version"], env)
    expect(rc == 0, "--version exited %d" % rc, out, err)
    runtime = re.search(r"^runtime: libmeshrt \S+ at (.+)$", out, re.M)
    cuda = re.search(r"^device cuda: (.+)$", out, re.M)
    expect(runtime and cuda, "--version lacks the runtime or cuda line", out, err)
    return runtime.group(1), cuda.group(1)


def dlopened_by(program, env, flags):
    """Runs the program on one rank (no mpirun) with the dynamic linker's file report; returns
    (exit status, stdout, the non-LD_DEBUG stderr, {dlopen()ed file: the object that opened
    it})."""
    rc, out, err = run([program] + flags, dict(env, LD_DEBUG="files"))
    opened = dict((m.group(1), m.group(2)) for m in re.finditer(
        r"file=(\S+) \[\d+\];\s+dynamically loaded by (\S+)", err))
    rest = "\n".join(l for l in err.splitlines() if not re.match(r"^\s*\d+:\s", l))
    return rc, out, rest, opened


def case_beside_runtime(args, programs):
    with tempfile.TemporaryDirectory(prefix="meshrt-plugin-") as tmp:
        lib, program, env = relocated(tmp, args)
        runtime, cuda = version_lines(program, env)
        expect(runtime == os.path.join(lib, args.runtime_name),
               "--version names runtime %s, the copy is %s/%s"
               % (runtime, lib, args.runtime_name))
        plugin = os.path.join(lib, "libmeshrt_cuda.so")
        expect(cuda == "plugin %s (loaded by --device cuda)" % plugin,
               "--version's cuda line: %r, expected the plugin %s" % (cuda, plugin))
        print("--version: runtime %s, cuda %s" % (runtime, cuda))

        one = dict(env, MESHRT_TEST_MESH="b=1")
        rc, out, err, opened = dlopened_by(program, one, ["--device", "cuda", "--steps", "1"])
        expect(opened.get(plugin) == os.path.join(lib, args.runtime_name),
               "the dynamic linker did not report %s dlopen()ed by the copy of libmeshrt (it "
               "reports %s)" % (plugin, opened), out, err)
        # Loaded: the outcome is the plugin's own (a GPU run, or its CUDA call's error).
        expect(rc == 0 or (re.search(r"^error: --device cuda on rank 0: .*cuda[A-Z]\w+", err,
                                     re.M) and "cannot load" not in err),
               "--device cuda with the plugin beside libmeshrt: exit %d" % rc, out, err)
        print("--device cuda: %s dlopen()ed by %s/%s; %s"
              % (plugin, lib, args.runtime_name,
                 "ran" if rc == 0 else err.strip().splitlines()[-1]))

    with tempfile.TemporaryDirectory(prefix="meshrt-plugin-") as tmp:
        lib, program, env = relocated(tmp, args, plugin=False)
        plugin = os.path.join(lib, "libmeshrt_cuda.so")
        _, cuda = version_lines(program, env)
        expect(cuda.startswith("plugin not found: %s " % plugin),
               "--version's cuda line without the plugin: %r" % cuda)
        programs.fails_alike(program, 2, ["--device", "cuda"],
                             r"^error: --device cuda on rank \d+: cannot load the CUDA plugin "
                             r"%s: cannot open shared object file: No such file or directory$"
                             % re.escape(plugin), dict(env, MESHRT_TEST_MESH="b=2"))


def case_override(args, programs):
    env = env_with(MESHRT_TEST_MESH="b=2")
    prefix = r"^error: --device cuda on rank \d+: cannot load the CUDA plugin %s: "
    with tempfile.TemporaryDirectory(prefix="meshrt-plugin-") as tmp:
        missing = os.path.join(tmp, "nowhere", "libmeshrt_cuda.so")
        programs.fails_alike(args.program, 2, ["--device", "cuda"],
                             prefix % re.escape(missing) + "cannot open shared object file",
                             dict(env, MESHRT_CUDA_PLUGIN=missing))
        programs.fails_alike(args.program, 2, ["--device", "cuda"],
                             prefix % re.escape(args.runtime_lib) +
                             "it does not export meshrt_cuda_plugin, so it is not a meshrt CUDA "
                             "plugin$", dict(env, MESHRT_CUDA_PLUGIN=args.runtime_lib))
        programs.fails_alike(args.program, 2, ["--device", "cuda"],
                             prefix % re.escape(args.fake_plugin_abi) +
                             r"plugin ABI version \d+ .*but this libmeshrt needs version \d+",
                             dict(env, MESHRT_CUDA_PLUGIN=args.fake_plugin_abi))
        programs.fails_alike(args.program, 2, ["--device", "cuda"],
                             prefix % re.escape(args.fake_plugin_version) +
                             r"it was built by meshc 0\.0\.0-other, this libmeshrt by meshc "
                             r"%s" % re.escape(args.version),
                             dict(env, MESHRT_CUDA_PLUGIN=args.fake_plugin_version))

        copy = os.path.join(tmp, "elsewhere", "libmeshrt_cuda.so")
        os.makedirs(os.path.dirname(copy))
        shutil.copy2(args.plugin, copy)
        one = dict(env, MESHRT_TEST_MESH="b=1", MESHRT_CUDA_PLUGIN=copy)
        _, cuda = version_lines(args.program, one)
        expect(cuda == "plugin %s (loaded by --device cuda, from MESHRT_CUDA_PLUGIN)" % copy,
               "--version's cuda line with MESHRT_CUDA_PLUGIN: %r" % cuda)
        rc, out, err, opened = dlopened_by(args.program, one, ["--device", "cuda", "--steps", "1"])
        expect(copy in opened, "MESHRT_CUDA_PLUGIN's copy was not dlopen()ed (%s)" % opened, out,
               err)
        print("MESHRT_CUDA_PLUGIN=%s: dlopen()ed" % copy)


CASES = {"linkage": case_linkage, "no_cuda_libs": case_no_cuda_libs,
         "beside_runtime": case_beside_runtime, "override": case_override}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runtime-lib", required=True, help="the built libmeshrt (its soname file, which programs load)")
    p.add_argument("--plugin", required=True, help="the built libmeshrt_cuda.so")
    p.add_argument("--program", required=True, help="an executable linked against libmeshrt")
    p.add_argument("--ranks", type=int, default=4, help="the program's mesh size")
    p.add_argument("--mpirun", required=True)
    p.add_argument("--fake-plugin-abi", help="a plugin announcing another ABI version")
    p.add_argument("--fake-plugin-version", help="a plugin announcing meshc 0.0.0-other")
    p.add_argument("--version", help="the meshc project version")
    p.add_argument("case", choices=sorted(CASES))
    args = p.parse_args()
    args.runtime_name = os.path.basename(args.runtime_lib)  # the soname: what programs load
    args.runtime_lib = os.path.realpath(args.runtime_lib)
    try:
        code = CASES[args.case](args, Programs(args))
    except Failure as e:
        print("FAIL: %s" % e)
        return 1
    if code == SKIP:
        return SKIP
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
