"""Helpers shared by the Python test scripts (tests/*/*.py): running a command under a time
limit in a session of its own (all of it killed on a timeout), reading the `step N loss X`
lines a compiled program prints, the relative error that loss comparisons use, and running a
script's independent cases two at a time.

A script imports it through a sys.path entry made from its own __file__, so that it works run
by ctest or by hand:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                                    "support"))
"""
import collections
import concurrent.futures
import math
import os
import re
import shlex
import signal
import subprocess
import time

SKIP = 77  # ctest SKIP_RETURN_CODE of the tests that can skip
RTOL = 1e-4  # relative: layouts (and installations) of one program report the same losses
STEP_LINE = re.compile(r"^step (\d+) loss (\S+)")


def _case_jobs(text):
    """MESHC_TEST_CASE_JOBS's value; anything but a whole number >= 1 ends the script."""
    if not text.isdigit() or int(text) < 1:
        raise SystemExit("MESHC_TEST_CASE_JOBS must be a whole number >= 1, not %r" % text)
    return int(text)


# Cases run at once by map_cases: the e2e tests hold 2 of ctest's processors (PROCESSORS 2),
# and a case alone leaves one idle while meshc compiles (about half of a case's time).
CASE_JOBS = _case_jobs(os.environ.get("MESHC_TEST_CASE_JOBS", "2"))


class Failure(Exception):
    """A check failed: the script prints the message and exits 1."""


# returncode is None where the command ran past its time limit and was killed.
Result = collections.namedtuple("Result", "returncode stdout stderr")


def session_members(sid):
    """The live (not zombie) processes of session sid, from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if fields[0] != "Z" and int(fields[3]) == sid:
            found.append(int(entry))
    return found


def kill_session(sid):
    """SIGKILL to every process of session sid, again until none is left (one may fork
    meanwhile; at most 50 rounds). A process group is not enough: Open MPI's mpirun puts
    each rank in a process group of its own, and killing mpirun leaves them running."""
    for _ in range(50):
        members = session_members(sid)
        if not members:
            return
        for pid in members:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.05)


def run(cmd, timeout, env=None, cwd=None, merge_stderr=False, preexec_fn=None, kill=None):
    """Runs cmd in a session of its own, so that a hung mpirun is killed with its ranks: past
    `timeout` s, kill(proc) where given, then SIGKILL to every process of the session. Returns
    Result (stderr is "" with merge_stderr, where it is part of stdout); returncode None and
    the output up to then after a timeout."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
                            text=True, env=env, cwd=cwd, start_new_session=True,
                            preexec_fn=preexec_fn)
    try:
        out, err = proc.communicate(timeout=timeout)
        return Result(proc.returncode, out, err or "")
    except subprocess.TimeoutExpired:
        if kill:
            kill(proc)
        kill_session(proc.pid)  # start_new_session: the session id is cmd's pid
        out, err = proc.communicate()
        return Result(None, out, err or "")


def map_cases(fn, cases):
    """[fn(*case) for case in cases], CASE_JOBS at a time (threads: each case waits on its
    own subprocesses), the results in the cases' order. Every case runs; where some fail, the
    first failing case's exception is raised once all have ended."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=CASE_JOBS) as pool:
        futures = [pool.submit(fn, *case) for case in cases]
        concurrent.futures.wait(futures)
    return [f.result() for f in futures]


def run_checked(cmd, timeout, what=None, check=True, **kwargs):
    """run(), but a timeout, and with `check` a non-zero exit, is a Failure that shows the
    command and its output (`what` names the command there, default cmd[0])."""
    res = run(cmd, timeout, **kwargs)
    if res.returncode is None:
        raise Failure("timed out after %ds: %s\n%s%s" % (timeout, shlex.join(cmd), res.stdout,
                                                         res.stderr))
    if check and res.returncode != 0:
        raise Failure("%s failed (exit %d): %s\n%s%s" % (what or cmd[0], res.returncode,
                                                        shlex.join(cmd), res.stdout,
                                                        res.stderr))
    return res


def transcript(cmd, rc, out, err):
    """A run as the tests print it: the command, its exit status, stdout and stderr."""
    return "$ %s\nexit status: %s\n--- stdout\n%s--- stderr\n%s---" % (shlex.join(cmd), rc,
                                                                        out, err)


def loss_lines(text):
    """[(step, loss as printed)] of text's `step N loss X` lines, in order."""
    return [(int(m.group(1)), m.group(2))
            for m in map(STEP_LINE.match, text.splitlines()) if m]


def parse_losses(text, what):
    """{step: loss} of text's `step N loss X` lines; a Failure where there is none."""
    losses = {step: float(loss) for step, loss in loss_lines(text)}
    if not losses:
        raise Failure("%s printed no 'step N loss X' line:\n%s" % (what, text))
    return losses


def relative_error(got, want):
    """|got - want| / |want|; 0 where they are equal, inf where either is NaN."""
    if got == want:
        return 0.0
    if math.isnan(got) or math.isnan(want):
        return math.inf
    return abs(got - want) / max(abs(want), 1e-30)

def private_mount_namespace():
    """The `unshare` arguments that give a command its own mount namespace whose mounts do not
    propagate back: (args, None), or (None, why not). `--propagation private` remounts / and
    fails where / is not a mount point (in a chroot, e.g. CI's fresh Debian root); there the
    mounts are usable as they are only if none of them is shared (mountinfo has no shared:N)."""
    def works(args):
        rc, out, _ = run_checked(["unshare"] + args + ["true"], 60, check=False,
                                 merge_stderr=True)
        return rc == 0, out.strip()

    args = ["--mount", "--propagation", "private"]
    ok, why = works(args)
    if ok:
        return args, None
    with open("/proc/self/mountinfo") as f:
        shared = [line for line in f if " shared:" in line]
    if shared:
        return None, "cannot make a private mount namespace: %s" % why
    args = ["--mount", "--propagation", "unchanged"]  # every mount is private already
    ok, why2 = works(args)
    return (args, None) if ok else (None, "cannot make a mount namespace: %s; %s" % (why, why2))


def run_case(call):
    """Runs one test case, call(): a Failure is printed as `FAIL: ...` and gives exit status 1,
    success `PASS` and 0 (the scripts' main returns it)."""
    try:
        call()
    except Failure as e:
        print("FAIL: %s" % e)
        return 1
    print("PASS")
    return 0
