#!/usr/bin/env python3
"""version_test.py — an executable's --version against what the build knows.

The program and a copy of the built libmeshrt.so are put in a fresh directory (tmp/bin,
tmp/lib) and the program is started there so that it loads the copy: --version must name that
file (not the build's, nor a path compiled in), the meshc and runtime versions must be CMake's
project version, and the cuda line must say where the plugin is (or that the build has no CUDA).
Run without mpirun, and on 2 ranks under mpirun where only rank 0 prints. --help lists it.

Exit status 0: pass, 1: fail.
"""
import argparse
import os
import re
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                                "support"))
from meshc_test import run  # noqa: E402

TIMEOUT_S = 120


def check_report(out, args, runtime_path, plugin_line):
    """Problems with one --version report."""
    problems = []
    m = re.search(r"^program '(\S+)' compiled by meshc (\S+) for mesh (\S+)$", out, re.M)
    if not m:
        return ["no 'program ... compiled by meshc' line"]
    if m.group(2) != args.version:
        problems.append("compiled by meshc %s, CMake's project version is %s"
                        % (m.group(2), args.version))
    m = re.search(r"^runtime: libmeshrt (\S+) at (.+)$", out, re.M)
    if not m:
        return problems + ["no 'runtime: libmeshrt' line"]
    if m.group(1) != args.version:
        problems.append("runtime version %s, CMake's project version is %s"
                        % (m.group(1), args.version))
    if m.group(2) != runtime_path:
        problems.append("runtime path %s, but the library loaded is %s" % (m.group(2),
                                                                          runtime_path))
    if not re.search(r"^device cpu: built in$", out, re.M):
        problems.append("no 'device cpu' line")
    m = re.search(r"^device cuda: (.+)$", out, re.M)
    if not m or not re.fullmatch(plugin_line, m.group(1)):
        problems.append("cuda line %r does not match %r" % (m and m.group(1), plugin_line))
    return problems


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--program", required=True)
    p.add_argument("--runtime-lib", required=True, help="the built libmeshrt (its soname file, which programs load)")
    p.add_argument("--plugin", help="the built libmeshrt_cuda.so (absent: a build without CUDA)")
    p.add_argument("--version", required=True, help="CMake's project version")
    p.add_argument("--mpirun", required=True)
    args = p.parse_args()
    env = dict(os.environ)
    env.pop("MESHRT_CUDA_PLUGIN", None)
    problems = []

    with tempfile.TemporaryDirectory(prefix="meshrt-version-") as tmp:
        lib, bin_ = os.path.join(tmp, "lib"), os.path.join(tmp, "bin")
        os.makedirs(lib)
        os.makedirs(bin_)
        shutil.copy2(args.runtime_lib, os.path.join(lib, os.path.basename(args.runtime_lib)))
        if args.plugin:
            shutil.copy2(args.plugin, os.path.join(lib, "libmeshrt_cuda.so"))
        program = os.path.join(bin_, os.path.basename(args.program))
        shutil.copy2(args.program, program)
        copy_env = dict(env, LD_LIBRARY_PATH=lib + os.pathsep + env.get("LD_LIBRARY_PATH", ""))
        lib = os.path.realpath(lib)
        plugin_line = (re.escape("plugin %s/libmeshrt_cuda.so (loaded by --device cuda)" % lib)
                       if args.plugin else
                       "not available: this libmeshrt was built without CUDA support")

        rc, out, err = run([program, "--version"], TIMEOUT_S, env=copy_env)
        print(out, end="")
        if rc != 0:
            problems.append("--version without mpirun: exit status %s\n%s" % (rc, err))
        problems += check_report(out, args, os.path.join(lib, os.path.basename(args.runtime_lib)), plugin_line)

    # The program as built, on 2 ranks (whatever its mesh): one report, from rank 0, naming the
    # build's library.
    build_lib = os.path.realpath(args.runtime_lib)
    plugin_line = (re.escape("plugin %s (loaded by --device cuda)" % os.path.realpath(args.plugin))
                   if args.plugin else
                   "not available: this libmeshrt was built without CUDA support")
    mpirun = [args.mpirun, "--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "-n",
              "2", args.program, "--version"]
    rc, out, err = run(mpirun, TIMEOUT_S, env=env)
    if rc != 0:
        problems.append("--version on 2 ranks: exit status %s\n%s" % (rc, err))
    reports = len(re.findall(r"^runtime: ", out, re.M))
    if reports != 1:
        problems.append("--version on 2 ranks printed %d reports, expected 1 (rank 0)" % reports)
    problems += check_report(out, args, build_lib, plugin_line)

    rc, out, err = run([args.program, "--help"], TIMEOUT_S, env=env)
    if rc != 0 or not re.search(r"^  --version ", out, re.M):
        problems.append("--help (exit %s) does not list --version" % rc)

    for problem in problems:
        print("FAIL: %s" % problem)
    if problems:
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
