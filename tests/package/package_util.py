#!/usr/bin/env python3
"""Shared by the package tests (tests/package/*.py): running commands (output and errors
together; tests/support/meshc_test.py does the rest), the out-of-tree example
(examples/out-of-tree) built against a meshc prefix and run under mpirun, and the comparison
of its two layouts' losses (1e-4 relative, as the e2e tests).

As a command, compares two saved runs (used by deb_fresh_root.sh):
  package_util.py compare-losses DP_OUTPUT MP_OUTPUT
"""
import math
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                                "support"))
from meshc_test import (RTOL, SKIP, Failure, parse_losses,  # noqa: E402,F401
                        private_mount_namespace, relative_error, run_checked)

STEPS = 8
# The two executables examples/out-of-tree/CMakeLists.txt makes, both for 2 ranks.
LAYOUTS = ("classifier_dp", "classifier_mp")


def run(cmd, timeout, cwd=None, env=None, what=None):
    """The output (stdout and stderr) of cmd; a timeout or a non-zero exit is a Failure."""
    return run_checked(cmd, timeout, what=what, cwd=cwd, env=env, merge_stderr=True).stdout


def clean_env():
    """The environment without the variables that would point meshc or the linker elsewhere
    (what is tested is that an installation finds its own runtime)."""
    env = dict(os.environ)
    for name in ("MESHC_RUNTIME_DIR", "MESHC_CXX", "LD_LIBRARY_PATH", "CMAKE_PREFIX_PATH"):
        env.pop(name, None)
    return env



def build_out_of_tree(cmake, source, build, prefix, env):
    """Configures and builds examples/out-of-tree (at `source`) against the meshc at `prefix`
    (None: the system's, e.g. /usr) with Ninja; returns the build directory."""
    cmd = [cmake, "-S", source, "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release"]
    if prefix:
        cmd.append("-DCMAKE_PREFIX_PATH=" + prefix)
    run(cmd, 300, env=env, what="configuring the out-of-tree project")
    run([cmake, "--build", build], 900, env=env, what="building the out-of-tree project")
    return build


def run_layout(mpirun, exe, cwd, env):
    """Runs one executable on 2 ranks; returns its output."""
    cmd = [mpirun, "--allow-run-as-root", "--bind-to", "none", "-n", "2", exe,
           "--steps", str(STEPS), "--threads", "1"]
    return run(cmd, 180, cwd=cwd, env=env, what="the run")


def compare_losses(dp_output, mp_output):
    """The two layouts train the same global program: every step's loss must agree within
    RTOL (relative), and all STEPS steps must be there. Returns a printable table."""
    dp = parse_losses(dp_output, LAYOUTS[0])
    mp = parse_losses(mp_output, LAYOUTS[1])
    rows, bad = [], []
    for step in range(STEPS):
        if step not in dp or step not in mp:
            raise Failure("step %d missing: %s has steps %s, %s has %s" %
                          (step, LAYOUTS[0], sorted(dp), LAYOUTS[1], sorted(mp)))
        a, b = dp[step], mp[step]
        err = relative_error(b, a)
        rows.append("step %d  %-12.6f %-12.6f rel %.1e%s" %
                    (step, a, b, err, "  !" if err > RTOL else ""))
        if err > RTOL or not math.isfinite(a):
            bad.append(step)
    table = "        %-12s %-12s\n%s" % (LAYOUTS[0], LAYOUTS[1], "\n".join(rows))
    if bad:
        raise Failure("the two layouts disagree (rtol %g) at steps %s:\n%s" % (RTOL, bad, table))
    return table


def run_and_compare(mpirun, build, cwd, env):
    outputs = [run_layout(mpirun, os.path.join(build, name), cwd, env) for name in LAYOUTS]
    return compare_losses(*outputs)


def main_guard(body):
    """Runs body(); a Failure is one message and exit 1."""
    try:
        body()
    except Failure as e:
        print("FAIL: %s" % e, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "compare-losses":
        sys.exit(__doc__)

    def compare_files():
        with open(sys.argv[2]) as dp, open(sys.argv[3]) as mp:
            print(compare_losses(dp.read(), mp.read()))
    main_guard(compare_files)
