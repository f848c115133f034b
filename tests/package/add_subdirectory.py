#!/usr/bin/env python3
"""package.add_subdirectory[.full]: a user's project (tests/package/add_subdirectory/) that
add_subdirectory()s the meshc source tree and calls meshc_add_model(), configured with
MESHC_ENABLE_CUDA=OFF (and the tests, examples and benchmarks off, the subproject defaults).

Building meshc's compiler again takes minutes (~5-10 on 2 cores without ccache), so:
- default: configure, then build the DSL, the model's generator and its .mlir in the parent,
  and one compiler translation unit (meshc.cpp: the source- and binary-dir includes and the
  tablegen'd headers, which every compiler file uses the same way); the .mlir must hold the
  model. Any CMAKE_SOURCE_DIR/CMAKE_BINARY_DIR assumption fails the configure or these builds.
- --full: build the model's executable (all of meshc and libmeshrt inside the parent's build),
  check its RUNPATH is the subproject's runtime directory and run it on 2 ranks under mpirun.
With --launcher (the outer build's ccache), repeated runs reuse the compiled objects.

usage: add_subdirectory.py --cmake BIN --source-dir DIR --workdir DIR [--launcher BIN]
                           [--full --mpirun BIN]
"""
import argparse
import os
import re

from package_util import STEPS, Failure, clean_env, main_guard, parse_losses, run


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cmake", required=True)
    p.add_argument("--source-dir", required=True)
    p.add_argument("--workdir", required=True)
    p.add_argument("--launcher", default="")
    p.add_argument("--full", action="store_true")
    p.add_argument("--mpirun")
    args = p.parse_args()

    env = clean_env()
    build = args.workdir  # kept between runs: Ninja and ccache make a rerun cheap
    parent = os.path.join(args.source_dir, "tests", "package", "add_subdirectory")
    cmd = [args.cmake, "-S", parent, "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
           "-DMESHC_SOURCE_DIR=" + args.source_dir, "-DMESHC_ENABLE_CUDA=OFF"]
    if args.launcher:
        cmd += ["-DCMAKE_CXX_COMPILER_LAUNCHER=" + args.launcher,
                "-DCMAKE_C_COMPILER_LAUNCHER=" + args.launcher]
    run(cmd, 600, env=env, what="configuring the parent project")
    with open(os.path.join(build, "CMakeCache.txt")) as f:
        cache = f.read()
    for option in ("MESHC_BUILD_TESTS", "MESHC_BUILD_EXAMPLES", "MESHC_BUILD_BENCH"):
        if not re.search(r"^%s:BOOL=OFF$" % option, cache, re.M):
            raise Failure("%s is not OFF by default in a parent project" % option)

    mlir = os.path.join(build, "classifier.mlir")
    if args.full:
        if not args.mpirun:
            raise Failure("--full needs --mpirun")
        run([args.cmake, "--build", build, "--target", "classifier_exe"], 3600, env=env,
            what="building meshc and the model in the parent project")
        exe = os.path.join(build, "classifier")
        dynamic = run(["readelf", "-d", exe], 60)
        runtime = os.path.join(os.path.realpath(build), "meshc", "lib")
        if "Library runpath: [%s]" % runtime not in dynamic:
            raise Failure("the model's RUNPATH is not the subproject's runtime %s:\n%s" %
                          (runtime, dynamic))
        out = run([args.mpirun, "--allow-run-as-root", "--bind-to", "none", "-n", "2", exe,
                   "--steps", str(STEPS), "--threads", "1"], 180, cwd=build, env=env,
                  what="the model's run")
        losses = parse_losses(out, "the model built in the parent project")
        if sorted(losses) != list(range(STEPS)):
            raise Failure("expected steps 0..%d, got %s:\n%s" % (STEPS - 1, sorted(losses), out))
        print(out)
    else:
        targets = run(["ninja", "-C", build, "-t", "targets", "all"], 60)
        objects = re.findall(r"^(\S*tools/meshc/CMakeFiles/meshc\.dir/meshc\.cpp\.o):", targets,
                             re.M)
        if len(objects) != 1:
            raise Failure("no (single) object of tools/meshc/meshc.cpp in the parent's build")
        run([args.cmake, "--build", build, "--target", "classifier_mlir", objects[0]], 1800,
            env=env, what="building the DSL, the generator and meshc.cpp in the parent project")
    with open(mlir) as f:
        if "meshc.minimize" not in f.read():
            raise Failure("%s does not hold the model" % mlir)
    print("add_subdirectory(%s): %s" % (args.source_dir, "meshc and the model built and run"
                                        if args.full else
                                        "configured; DSL, generator, .mlir and meshc.cpp built"))


if __name__ == "__main__":
    main_guard(main)
