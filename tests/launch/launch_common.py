"""Shared by the launcher tests (tests/launch/*.py): compile the MLP for the 2x2 hybrid layout,
run commands with a time limit in a session of their own and read the losses a run prints
(both with tests/support/meshc_test.py), set up and tear down what a test runs in, skip with a
reason (exit 77), and end every process a test started.

Every process a test starts carries MESHC_LAUNCH_TOKEN=<unique value> in its environment
(daemons, mpirun, the ranks, orted, slurmstepd all inherit it), so that cleanup ends exactly
those processes, found through /proc/PID/environ, and nothing else on the machine. The test
does so when it ends; a detached reaper (this file run as `launch_common.py --reap PID START
TOKEN`) does so if the test is killed (a ctest timeout sends SIGKILL to the test's process
tree, which misses slurmstepd: slurmd double-forks it).
"""
import argparse
import ctypes
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                                "support"))
from meshc_test import SKIP, Failure, loss_lines, run_checked  # noqa: E402

STATS_LINE = re.compile(r"^stats: collective \d+: \S+ axes=(\S+) bytes=(\d+)$", re.M)
MESH, LAYOUT, RANKS = "b=2,m=2", "batch:b,hidden:m", 4
TOKEN = "MESHC_LAUNCH_TOKEN"


class Skip(Exception):
    pass


def parse_args(description, extra=None):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--meshc", required=True)
    p.add_argument("--generator", required=True, help="the MLP's generator (frontend_mlp_gen)")
    p.add_argument("--mpirun", required=True)
    p.add_argument("--workdir", required=True)
    p.add_argument("--steps", type=int, default=5)
    if extra:
        extra(p)
    return p.parse_args()


def main(body, args):
    """Runs body(args, env): exit 0, 1 on Failure, 77 on Skip (1 when MESHC_LAUNCH_REQUIRE=1,
    as in CI, where every launcher must work), and always ends the processes it started."""
    sys.stdout.reconfigure(line_buffering=True)  # what was done is shown even if killed
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    env[TOKEN] = uuid.uuid4().hex
    start_reaper(env[TOKEN])
    # A ctest timeout sends SIGTERM first on some platforms: clean up then too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    os.makedirs(args.workdir, exist_ok=True)
    try:
        body(args, env)
    except Skip as e:
        if os.environ.get("MESHC_LAUNCH_REQUIRE") == "1":
            print("FAIL: cannot run here, and MESHC_LAUNCH_REQUIRE=1: %s" % e)
            return 1
        print("SKIP: %s" % e)
        return SKIP
    except Failure as e:
        print("FAIL: %s" % e)
        return 1
    finally:
        left = end_token_processes(env[TOKEN])
        if left:
            print("cleanup: ended %d leftover process(es): %s" % (len(left), " ".join(left)))
    print("PASS")
    return 0


def die_with_parent():
    """preexec_fn: the child gets SIGKILL when the test process dies, even by SIGKILL (so a
    daemon or a namespace holder cannot outlive a killed test)."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def run(cmd, env, timeout, check=True, what=None):
    """(exit code, stdout + stderr) of cmd, run in a session of its own (a hung launcher is
    killed with its children); a timeout, and with `check` a non-zero exit, is a Failure."""
    res = run_checked(cmd, timeout, what=what, check=check, env=env, merge_stderr=True,
                      preexec_fn=die_with_parent)
    return res.returncode, res.stdout


class Setup:
    """What a test sets up around its runs (a Slurm cluster, two namespace nodes), used with
    `with`: require() (a Skip where it cannot be made at all), then _start(), undone by stop()
    if starting fails, and stop() on leaving."""

    def __enter__(self):
        self.require()
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()


def compile_mlp(args, env, name="mlp"):
    """The MLP of examples/mlp (its generator, default sizes) compiled for the 2x2 mesh."""
    mlir = os.path.join(args.workdir, name + ".mlir")
    exe = os.path.join(args.workdir, name)
    run([args.generator, "-o", mlir], env, 120, what="the generator")
    run([args.meshc, mlir, "--mesh", MESH, "--layout", LAYOUT, "-o", exe], env, 120,
        what="meshc")
    return exe


def program_flags(args, steps=None):
    # One thread per rank everywhere: oneDNN's results may depend on the thread count.
    return ["--steps", str(steps or args.steps), "--seed", "1", "--threads", "1"]


def one_node_run(args, env, exe, steps=None):
    """The reference: plain mpirun on this machine, 4 ranks."""
    cmd = [args.mpirun, "--oversubscribe", "--bind-to", "none", "-n", str(RANKS), exe]
    return losses(run(cmd + program_flags(args, steps), env, 120, what="mpirun")[1],
                  "mpirun -n %d" % RANKS)


def losses(text, what):
    """[(step, loss as printed)]: the runs must print identical losses."""
    found = loss_lines(text)
    if not found:
        raise Failure("%s printed no 'step N loss X' line:\n%s" % (what, text))
    return found


def check_equal(got, want, what):
    """The printed losses must be identical: same program, same ranks, same data."""
    if got != want:
        rows = ["%-9s %-12s %s" % ("step", "reference", what)]
        for i in range(max(len(got), len(want))):
            g = got[i][1] if i < len(got) else "missing"
            w = want[i][1] if i < len(want) else "missing"
            rows.append("step %-4d %-12s %-12s%s" % (i, w, g, "" if g == w else "  <-"))
        raise Failure("%s: losses differ from the one-node mpirun run:\n%s" %
                      (what, "\n".join(rows)))
    print("%s: %d losses equal to the one-node mpirun run (last: step %d loss %s)" %
          (what, len(got), got[-1][0], got[-1][1]))


def need_programs(*names):
    """Skips unless every program is installed (daemons live in /usr/sbin)."""
    path = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
    missing = [n for n in names if not shutil.which(n, path=path)]
    if missing:
        raise Skip("%s not found (PATH and /usr/sbin)" % ", ".join(missing))


def token_processes(token):
    mark = ("%s=%s" % (TOKEN, token)).encode()
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open("/proc/%s/environ" % pid, "rb") as f:
                if mark in f.read().split(b"\0"):
                    found.append(int(pid))
        except OSError:
            pass
    return found


def end_token_processes(token):
    """SIGTERM, then SIGKILL after 10 s, to every process that carries this test's token;
    returns 'PID(name)' for each one found."""
    found = token_processes(token)
    names = []
    for pid in found:
        try:
            with open("/proc/%d/comm" % pid) as f:
                names.append("%d(%s)" % (pid, f.read().strip()))
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    deadline = time.monotonic() + 10
    while found and time.monotonic() < deadline:
        time.sleep(0.2)
        found = token_processes(token)
    for pid in found:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return names


def start_time(pid):
    """The process's start time (clock ticks since boot): with the pid, names it uniquely."""
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()[19]


def start_reaper(token):
    """Starts the reaper detached (double fork: not in the test's process tree, not killed
    with it) and without the token (the test's own cleanup must not end it)."""
    env = {k: v for k, v in os.environ.items() if k != TOKEN}
    me = os.getpid()
    subprocess.run([sys.executable, os.path.abspath(__file__), "--reap", str(me),
                    start_time(me), token], env=env, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   start_new_session=True, check=True)


def reap(pid, start, token):
    if os.fork():
        os._exit(0)  # the test waits only for this first child
    while True:
        try:
            if start_time(pid) != start:
                break  # the pid now names another process
        except OSError:
            break
        time.sleep(1)
    end_token_processes(token)


if __name__ == "__main__" and len(sys.argv) == 5 and sys.argv[1] == "--reap":
    reap(int(sys.argv[2]), sys.argv[3], sys.argv[4])
