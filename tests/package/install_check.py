#!/usr/bin/env python3
"""package.install: `cmake --install BUILD --prefix PREFIX`, then checks what is installed:
the tools (the installed meshc names the installed runtime in --version), libmeshrt with its soname links, the DSL library and headers, the runtime's
headers, the CMake package; and that no installed file mentions the build directory (an
installation must not refer back to the tree it came from).

usage: install_check.py --cmake BIN --build-dir DIR --prefix DIR --libdir REL --soname NAME
                        [--compiler]
The prefix is the fixture (meshc_prefix) of package.out_of_tree and package.relocated.
"""
import argparse
import os
import shutil

from package_util import Failure, main_guard, run


def elf_dynamic(path):
    """`readelf -d` of path: its NEEDED, SONAME, RUNPATH and RPATH entries, as text."""
    out = run(["readelf", "-d", path], 60)
    return [line for line in out.splitlines()
            if any(tag in line for tag in ("(NEEDED)", "(SONAME)", "(RUNPATH)", "(RPATH)"))]


def files_mentioning(root, needle):
    hits = []
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            if os.path.islink(path):
                continue
            with open(path, "rb") as f:
                if needle in f.read():
                    hits.append(os.path.relpath(path, root))
    return hits


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cmake", required=True)
    p.add_argument("--build-dir", required=True)
    p.add_argument("--prefix", required=True)
    p.add_argument("--libdir", required=True)
    p.add_argument("--soname", required=True)
    p.add_argument("--compiler", action="store_true")
    args = p.parse_args()

    shutil.rmtree(args.prefix, ignore_errors=True)
    run([args.cmake, "--install", args.build_dir, "--prefix", args.prefix], 300,
        what="cmake --install")

    lib = os.path.join(args.prefix, args.libdir)
    expected = [
        os.path.join(lib, "libmeshrt.so"),
        os.path.join(lib, args.soname),
        os.path.join(lib, "libmeshc_frontend.a"),
        os.path.join(args.prefix, "include", "meshc", "dsl.h"),
        os.path.join(args.prefix, "include", "meshrt", "meshrt.h"),
        os.path.join(lib, "cmake", "meshc", "meshcConfig.cmake"),
        os.path.join(lib, "cmake", "meshc", "meshcConfigVersion.cmake"),
        os.path.join(lib, "cmake", "meshc", "meshcTargets.cmake"),
        os.path.join(lib, "cmake", "meshc", "MeshcModel.cmake"),
        os.path.join(args.prefix, "bin", "meshc-data"),
    ]
    if args.compiler:
        expected += [os.path.join(args.prefix, "bin", tool) for tool in ("meshc", "meshc-opt")]
    missing = [os.path.relpath(f, args.prefix) for f in expected if not os.path.exists(f)]
    if missing:
        raise Failure("not installed: %s" % ", ".join(missing))

    # The unversioned name is the link-time name only; executables record the soname.
    runtime = os.path.join(lib, "libmeshrt.so")
    if not os.path.islink(runtime):
        raise Failure("%s is not a symlink to the versioned library" % runtime)
    dynamic = elf_dynamic(runtime)
    if not any("Library soname: [%s]" % args.soname in line for line in dynamic):
        raise Failure("libmeshrt.so has no soname %s:\n%s" % (args.soname, "\n".join(dynamic)))

    build = os.path.realpath(args.build_dir).encode()
    hits = files_mentioning(args.prefix, build)
    if hits:
        raise Failure("installed files mention the build directory %s: %s" %
                      (build.decode(), ", ".join(sorted(hits))))
    for tool in ("meshc", "meshc-opt") if args.compiler else ():
        print("%s: %s" % (tool, "; ".join(line.split(")", 1)[1].strip()
                                         for line in elf_dynamic(
                                             os.path.join(args.prefix, "bin", tool))
                                         if "PATH" in line) or "no RUNPATH"))
    if args.compiler:
        # The installed meshc links against the installed runtime, whatever the environment.
        env = {k: v for k, v in os.environ.items() if k != "MESHC_RUNTIME_DIR"}
        version = run([os.path.join(args.prefix, "bin", "meshc"), "--version"], 60, env=env,
                      what="meshc --version")
        wanted = "runtime: %s" % os.path.realpath(lib)
        if wanted not in version.splitlines():
            raise Failure("installed meshc --version does not say '%s':\n%s" % (wanted, version))
    print("installed into %s: %d files checked, soname %s, no file mentions %s" %
          (args.prefix, len(expected), args.soname, build.decode()))


if __name__ == "__main__":
    main_guard(main)
