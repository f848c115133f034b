#!/usr/bin/env python3
"""package.out_of_tree: examples/out-of-tree, a project of its own (find_package(meshc) and
meshc_add_model), configured and built against an installed meshc prefix; its two
executables (the same model, data parallel and model parallel, 2 ranks each) run under
mpirun and must report the same losses (1e-4 relative).

usage: out_of_tree.py --cmake BIN --mpirun BIN --source DIR --prefix DIR --workdir DIR
"""
import argparse
import os
import shutil

from package_util import build_out_of_tree, clean_env, main_guard, run_and_compare


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cmake", required=True)
    p.add_argument("--mpirun", required=True)
    p.add_argument("--source", required=True, help="examples/out-of-tree")
    p.add_argument("--prefix", required=True)
    p.add_argument("--workdir", required=True)
    args = p.parse_args()

    shutil.rmtree(args.workdir, ignore_errors=True)
    os.makedirs(args.workdir)
    env = clean_env()
    build = build_out_of_tree(args.cmake, args.source, os.path.join(args.workdir, "build"),
                              args.prefix, env)
    print(run_and_compare(args.mpirun, build, args.workdir, env))
    print("out-of-tree project built against %s; both layouts agree" % args.prefix)


if __name__ == "__main__":
    main_guard(main)
