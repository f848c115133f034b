#!/usr/bin/env python3
"""package.relocated: an installed meshc works after it is moved and with its build tree gone,
and what it links runs from any directory with a RUNPATH to the installed runtime only.

The installed prefix (fixture meshc_prefix) is copied elsewhere (a moved installation); then,
in a private mount namespace where empty tmpfs mounts hide the build tree and the source tree
(as if they were deleted; other tests running meanwhile still see them), the out-of-tree
example is built against the moved prefix with its meshc, `readelf -d` of the executables must
show a RUNPATH of exactly <moved prefix>/<libdir> (no build path, not the old prefix), the
loader must resolve libmeshrt there, and both layouts run under mpirun from / with the same
losses. Skips (77) where a mount namespace cannot be made (not root, no unshare).

usage: relocated.py --cmake BIN --mpirun BIN --source-dir DIR --build-dir DIR --prefix DIR
                    --libdir REL
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

from package_util import (SKIP, Failure, LAYOUTS, build_out_of_tree, clean_env, main_guard,
                          private_mount_namespace, run, run_and_compare)

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def runpaths(path):
    out = run(["readelf", "-d", path], 60)
    return [line.split("[", 1)[1].rstrip("]").strip() for line in out.splitlines()
            if "(RUNPATH)" in line or "(RPATH)" in line]


def inner(args):
    """In the namespace: the source and build trees are hidden."""
    if os.path.exists(os.path.join(args.build_dir, "CMakeCache.txt")):
        raise Failure("the build tree is still visible at %s" % args.build_dir)
    env = clean_env()
    moved_lib = os.path.join(args.moved, args.libdir)
    forbidden = [os.path.realpath(args.build_dir), os.path.realpath(args.source_dir),
                 os.path.realpath(args.prefix)]

    for tool in ("meshc", "meshc-opt", "meshc-data"):
        for entry in runpaths(os.path.join(args.moved, "bin", tool)):
            if any(f in entry for f in forbidden):
                raise Failure("the installed %s has RUNPATH %s" % (tool, entry))

    build = build_out_of_tree(args.cmake, args.example, os.path.join(args.work, "build"),
                              args.moved, env)
    for name in LAYOUTS:
        exe = os.path.join(build, name)
        paths = runpaths(exe)
        if paths != [moved_lib]:
            raise Failure("%s has RUNPATH/RPATH %s, expected exactly [%s]" %
                          (name, paths, moved_lib))
        ldd = run(["ldd", exe], 60, cwd="/", env=env)
        resolved = [line.split("=>")[1].split("(")[0].strip() for line in ldd.splitlines()
                    if line.strip().startswith("libmeshrt.so")]
        if len(resolved) != 1 or os.path.dirname(resolved[0]) != moved_lib:
            raise Failure("%s does not load libmeshrt from %s:\n%s" % (name, moved_lib, ldd))
        print("%s: RUNPATH [%s], libmeshrt -> %s" % (name, paths[0], resolved[0]))
    print(run_and_compare(args.mpirun, build, "/", env))
    print("built and run with the installation moved to %s, the build tree %s hidden" %
          (args.moved, args.build_dir))


def outer(args):
    if os.geteuid() != 0:
        print("SKIP: hiding the build tree needs a private mount namespace (root)")
        sys.exit(SKIP)
    unshare, why = private_mount_namespace()
    if unshare is None:
        print("SKIP: %s" % why)
        sys.exit(SKIP)

    tmp = tempfile.mkdtemp(prefix="meshc-relocated-")
    try:
        real = os.path.realpath(tmp)
        for tree in (args.source_dir, args.build_dir):
            if (real + "/").startswith(os.path.realpath(tree) + "/"):
                raise Failure("the temporary directory %s is inside %s, which the test hides"
                              % (tmp, tree))
        moved = os.path.join(tmp, "elsewhere", "meshc")
        shutil.copytree(args.prefix, moved, symlinks=True)
        example = os.path.join(tmp, "out-of-tree")
        shutil.copytree(os.path.join(args.source_dir, "examples", "out-of-tree"), example)
        # The scripts, laid out as in tests/ (package_util finds ../support/meshc_test.py).
        scripts = os.path.join(tmp, "scripts")
        for name in ("package/relocated.py", "package/package_util.py",
                     "support/meshc_test.py"):
            os.makedirs(os.path.join(scripts, os.path.dirname(name)), exist_ok=True)
            shutil.copy(os.path.join(TESTS, name), os.path.join(scripts, name))
        # The deeper of the two trees first: hiding the outer one first would hide its target.
        hidden = sorted({os.path.realpath(args.build_dir), os.path.realpath(args.source_dir)},
                        key=len, reverse=True)
        hide = "".join('mount -t tmpfs -o size=1m,mode=0755 meshc-hidden "%s"; ' % d
                       for d in hidden)
        cmd = ["unshare"] + unshare + ["--", "sh", "-ec",
               hide + 'exec "$@"', "sh", sys.executable,
               os.path.join(scripts, "package", "relocated.py"),
               "--inner", "--moved", moved, "--example", example, "--work", tmp,
               "--cmake", args.cmake, "--mpirun", args.mpirun, "--source-dir", args.source_dir,
               "--build-dir", args.build_dir, "--prefix", args.prefix, "--libdir", args.libdir]
        proc = subprocess.run(cmd, cwd="/", timeout=1800)
        sys.exit(proc.returncode)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cmake", required=True)
    p.add_argument("--mpirun", required=True)
    p.add_argument("--source-dir", required=True)
    p.add_argument("--build-dir", required=True)
    p.add_argument("--prefix", required=True, help="the installation (fixture)")
    p.add_argument("--libdir", required=True)
    p.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--moved", help=argparse.SUPPRESS)
    p.add_argument("--example", help=argparse.SUPPRESS)
    p.add_argument("--work", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.inner:
        inner(args)
    else:
        outer(args)


if __name__ == "__main__":
    main_guard(main)
