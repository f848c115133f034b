#!/usr/bin/env python3
"""Runtime faults, end to end, on the MLP compiled by meshc for mesh b=2,m=2 (4 ranks): a rank
stopped with SIGSTOP mid-run ends the job through the collective watchdog; ranks started with
different flags (mpirun's MPMD syntax) are refused at start-up; --precision on the CPU does what
it says (bf16 changes the losses a little, tf32 not at all) or is refused clearly.

usage: runtime_faults.py --meshc BIN --mpirun BIN --generator MLP_GEN --workdir DIR
                         [--stall-program BIN] CASE
       runtime_faults.py --list
Every process this script starts is killed (SIGCONT, then SIGKILL) before it exits, whatever
happens: a stopped rank is never left behind. Exit status 77 (ctest's skip) where the machine
cannot run a case, with the reason.
"""
import argparse
import os
import re
import shlex
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                                "support"))
import meshc_test  # noqa: E402
from meshc_test import SKIP, Failure, loss_lines, relative_error, transcript  # noqa: E402

RUN_TIMEOUT_S = 120
MESH, LAYOUT, RANKS = "b=2,m=2", "batch:b,hidden:m", 4
WATCHDOG_TIMEOUT_S = 3
# The watchdog's own slack after the timeout (a poll, the reply window of 2 s, the abort) is a
# few seconds; this bound only tells a slow machine from a job that never ends.
WATCHDOG_GRACE_S = 30


def mpirun_cmd(args, *programs):
    """mpirun with one (ranks, flags) per MPMD program context."""
    cmd = [args.mpirun, "--allow-run-as-root", "--oversubscribe", "--bind-to", "none"]
    for i, (ranks, flags) in enumerate(programs):
        if i:
            cmd.append(":")
        cmd += ["-n", str(ranks), args.exe, "--threads", "1"] + flags
    return cmd


def rank_pids(parent):
    """{rank: pid} of the processes mpirun `parent` started (from /proc: parent pid and
    OMPI_COMM_WORLD_RANK in the environment)."""
    ranks = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid != parent:
                continue
            with open("/proc/%s/environ" % entry, "rb") as f:
                env = f.read().split(b"\0")
        except OSError:
            continue
        for var in env:
            if var.startswith(b"OMPI_COMM_WORLD_RANK="):
                ranks[int(var.split(b"=", 1)[1])] = int(entry)
    return ranks


def alive(pid):
    """True while pid exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def kill_all(proc, pids):
    """SIGCONT then SIGKILL every rank (those given and those mpirun still has) and mpirun's
    process group."""
    for pid in set(pids) | set(rank_pids(proc.pid).values()):
        for sig in (signal.SIGCONT, signal.SIGKILL):
            try:
                os.kill(pid, sig)
            except OSError:
                pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass


def run(cmd, env=None):
    """(exit status or None after a timeout, stdout, stderr); on a timeout every rank, stopped
    or not, is killed (SIGCONT, SIGKILL), and all of mpirun's session."""
    return meshc_test.run(cmd, RUN_TIMEOUT_S, env=env, kill=lambda proc: kill_all(proc, []))


def compile_mlp(args):
    program = os.path.join(args.workdir, "mlp.mlir")
    gen = [args.generator, "--batch", "16", "--d-in", "32", "--hidden", "64", "--hidden2", "64",
           "--classes", "8"]
    rc, out, err = run(gen)
    if rc != 0:
        raise Failure("generator failed: %s\n%s" % (shlex.join(gen), err))
    with open(program, "w") as f:
        f.write(out)
    args.exe = os.path.join(args.workdir, "mlp")
    cmd = [args.meshc, program, "--mesh", MESH, "--layout", LAYOUT, "-o", args.exe]
    rc, out, err = run(cmd)
    if rc != 0:
        raise Failure("meshc failed: %s\n%s" % (shlex.join(cmd), err))
    rc, out, err = run([args.meshc, program, "--mesh", MESH, "--layout", LAYOUT, "--explain"])
    if rc != 0:
        raise Failure("meshc --explain failed:\n%s" % err)
    args.explain = out


def losses(out):
    return [float(loss) for _, loss in loss_lines(out)]


def expect_refusal(args, programs, pattern, status=None):
    """The job exits (not by a signal, within the limit) with one line matching pattern and
    without running a step."""
    cmd = mpirun_cmd(args, *programs)
    rc, out, err = run(cmd)
    print(transcript(cmd, rc, out, err))
    if rc is None:
        raise Failure("the job hangs (killed after %d s)" % RUN_TIMEOUT_S)
    if status is not None and rc != status:
        raise Failure("exit status %s, expected %d" % (rc, status))
    if status is None and not 0 < rc < 128:
        raise Failure("exit status %s, expected a plain failure" % rc)
    matches = [l for l in (out + err).splitlines() if re.search(pattern, l)]
    if len(matches) != 1:
        raise Failure("%d lines match %r, expected one" % (len(matches), pattern))
    if re.search(r"^step \d+ ", out, re.M):
        raise Failure("the job ran steps")


# ---- the collective watchdog ----------------------------------------------------------------

def stop_rank_and_wait(cmd, stopped):
    """Runs cmd (a job of RANKS ranks that logs steps), stops rank `stopped` with SIGSTOP once
    two steps were logged, and waits for the job to end: it must, within the timeout plus
    WATCHDOG_GRACE_S, with a failure status and no rank left alive. Returns the output."""
    print("$ %s" % shlex.join(cmd))
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    pids = {}
    lines = []
    try:
        # Train until rank 0 has logged two steps (every rank is inside the step loop).
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while sum(l.startswith("step ") for l in lines) < 2:
            line = proc.stdout.readline()
            if not line or time.monotonic() > deadline:
                raise Failure("the job did not start training:\n" + "".join(lines))
            lines.append(line)
        pids = rank_pids(proc.pid)
        if sorted(pids) != list(range(RANKS)):
            raise Failure("found the processes of ranks %s, expected 0-%d" % (sorted(pids),
                                                                             RANKS - 1))
        os.kill(pids[stopped], signal.SIGSTOP)
        stopped_at = time.monotonic()
        print("rank %d (pid %d) stopped with SIGSTOP" % (stopped, pids[stopped]))
        try:
            rest, _ = proc.communicate(timeout=WATCHDOG_TIMEOUT_S + WATCHDOG_GRACE_S)
        except subprocess.TimeoutExpired:
            raise Failure("the job is still running %d s after rank %d stopped (timeout %d s)" %
                          (WATCHDOG_TIMEOUT_S + WATCHDOG_GRACE_S, stopped, WATCHDOG_TIMEOUT_S))
        elapsed = time.monotonic() - stopped_at
        lines.append(rest)
        out = "".join(lines)
        print("--- output\n%s---\nexit status %d, %.1f s after the SIGSTOP" %
              (out, proc.returncode, elapsed))
        if proc.returncode == 0 or proc.returncode < 0:
            raise Failure("exit status %d, expected a failure" % proc.returncode)
        time.sleep(1)
        left = [r for r, pid in pids.items() if alive(pid)]
        if left:
            raise Failure("ranks %s are still alive after the job ended" % left)
        return out
    finally:
        kill_all(proc, pids.values())
        proc.wait()


def names_stopped_rank(arrival, stopped):
    """Whether the 'did not arrive: ...' part names the stopped rank as not answering: in the
    reporting rank's group, or (when its group waits for a rank that waits for the stopped
    one) as the cause outside the group."""
    return re.search(r"\brank %d \(not answering: stopped, hung or dead\)|outside its group, "
                     r"not answering \(stopped, hung or dead\): ranks? ([\d, ]*\b)?%d\b"
                     % (stopped, stopped), arrival)


def the_one_line(out, pattern):
    """The match of the one line of `out` that matches `pattern`; a Failure if not exactly one."""
    reports = [m for m in (re.match(pattern, l) for l in out.splitlines()) if m]
    if len(reports) != 1:
        raise Failure("%d lines match %r, expected one" % (len(reports), pattern))
    return reports[0]


def watchdog_stopped_rank(args):
    """Rank 2 is stopped with SIGSTOP while the job trains; the watchdog of a rank waiting for
    it must end the whole job soon after the timeout, with one line that names the collective
    as `meshc --explain` does (number, kind, axis, bytes, DSL line) and rank 2."""
    stopped = 2
    out = stop_rank_and_wait(mpirun_cmd(args, (RANKS, [
        "--steps", "1000000000", "--log-every", "200", "--collective-timeout",
        str(WATCHDOG_TIMEOUT_S)])), stopped)
    pattern = (r"^error: rank (\d+): collective timeout: collective (\d+) \((\w+) over mesh "
                   r"axis (\w+), (\d+) bytes\) at (\S+) in step \d+ has waited [\d.]+ s "
                   r"\(--collective-timeout %d\); did not arrive: (.*); ending the job$" %
                   WATCHDOG_TIMEOUT_S)
    m = the_one_line(out, pattern)
    if not names_stopped_rank(m.group(7), stopped):
        raise Failure("the line does not name rank %d as not answering" % stopped)
    # The collective as meshc --explain lists it: same number, kind, axis, bytes and line.
    want = "collective %s: %s axes=%s bytes=%s at %s " % m.group(2, 3, 4, 5, 6)
    if want not in args.explain:
        raise Failure("meshc --explain has no line starting %r:\n%s" % (want, args.explain))
    print("meshc --explain: %s" % next(l.strip() for l in args.explain.splitlines()
                                     if want in l))


def watchdog_shared_memory_allreduce(args):
    """The same on a program whose only collective is an allreduce of 2^20 floats over 4 ranks
    on one node (the shared-memory allreduce, which waits in barriers between chunks); it is
    called from a hand-written program, so there is no source site."""
    if not args.stall_program:
        raise Failure("this case needs --stall-program")
    stopped = 2
    cmd = [args.mpirun, "--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "-n",
           str(RANKS), args.stall_program, "--threads", "1", "--steps", "1000000000",
           "--log-every", "50", "--collective-timeout", str(WATCHDOG_TIMEOUT_S)]
    out = stop_rank_and_wait(cmd, stopped)
    pattern = (r"^error: rank \d+: collective timeout: a collective \(all_reduce over mesh axis "
               r"b, 4194304 bytes, no source site\) in step \d+ has waited [\d.]+ s "
               r"\(--collective-timeout %d\); did not arrive: (.*); ending the job$" %
               WATCHDOG_TIMEOUT_S)
    if not names_stopped_rank(the_one_line(out, pattern).group(1), stopped):
        raise Failure("the line does not name rank %d as not answering" % stopped)


# ---- flags that must agree --------------------------------------------------------------------

def flags_steps(args):
    expect_refusal(args, [(2, ["--steps", "2"]), (2, ["--steps", "3"])],
                   r"^error: program 'mlp': --steps differs between ranks: 2 on ranks 0-1, 3 on "
                   r"ranks 2-3; start every rank with the same flags$")


def flags_seed(args):
    expect_refusal(args, [(1, ["--seed", "1"]), (3, ["--seed", "2"])],
                   r"^error: program 'mlp': --seed differs between ranks: 1 on rank 0, 2 on "
                   r"ranks 1-3; start every rank with the same flags$")


def flags_precision(args):
    expect_refusal(args, [(3, []), (1, ["--precision", "bf16"])],
                   r"^error: program 'mlp': --precision differs between ranks: fp32 on ranks "
                   r"0-2, bf16 on rank 3; start every rank with the same flags$")


def flags_timeout(args):
    expect_refusal(args, [(2, []), (2, ["--collective-timeout", "60"])],
                   r"^error: program 'mlp': --collective-timeout differs between ranks: 300 on "
                   r"ranks 0-1, 60 on ranks 2-3; start every rank with the same flags$")


def flags_bad_on_one_rank(args):
    expect_refusal(args, [(2, []), (2, ["--steps", "x"])],
                   r"^mlp: rank 2: invalid value 'x' for --steps \(see --help\)$", status=2)


def flags_help_on_one_rank(args):
    expect_refusal(args, [(3, []), (1, ["--help"])], r"^  --collective-timeout S$", status=0)


def flags_log_every_may_differ(args):
    """Flags that only change rank 0's printing need not agree: the job runs."""
    cmd = mpirun_cmd(args, (2, ["--steps", "4", "--log-every", "1"]),
                     (2, ["--steps", "4", "--log-every", "3"]))
    rc, out, err = run(cmd)
    print(transcript(cmd, rc, out, err))
    if rc != 0 or len(losses(out)) != 4:
        raise Failure("the job did not run its 4 steps")


# ---- --precision on the CPU -------------------------------------------------------------------

def run_losses(args, flags, env=None):
    cmd = mpirun_cmd(args, (RANKS, ["--steps", "8"] + flags))
    rc, out, err = run(cmd, env)
    print(transcript(cmd, rc, out, err))
    return rc, out, err


def precision_bf16(args):
    """bf16 matmul inputs: every loss within 2% of fp32's, and not all equal to it."""
    rc, out, err = run_losses(args, ["--precision", "bf16"])
    if rc != 0 and "no bf16 matmul" in err:
        print("SKIP: oneDNN runs no bf16 matmul on this CPU (the refusal is the "
              "precision_bf16_refused case)")
        return SKIP
    if rc != 0 or not re.search(r"^meshc program .*matmul bf16 \(oneDNN \S+\)\)$", out, re.M):
        raise Failure("the bf16 run failed or its first line does not say 'matmul bf16'")
    rc32, out32, _ = run_losses(args, [])
    bf16, fp32 = losses(out), losses(out32)
    if rc32 != 0 or len(bf16) != 8 or len(fp32) != 8:
        raise Failure("expected 8 losses from each run")
    worst = max(relative_error(a, b) for a, b in zip(bf16, fp32))
    print("fp32: %s\nbf16: %s\nlargest relative difference %.2e" % (fp32, bf16, worst))
    if worst > 2e-2:
        raise Failure("bf16 losses are more than 2% away from fp32's")
    if bf16 == fp32:
        raise Failure("bf16 losses equal fp32's bit for bit: --precision bf16 did nothing")
    return 0


def precision_tf32(args):
    """tf32 on the CPU is exact fp32, said on the first line."""
    rc, out, _ = run_losses(args, ["--precision", "tf32"])
    if rc != 0 or not re.search(r"^meshc program .*matmul fp32 \(tf32 is exact fp32 on CPUs\)\)$",
                                out, re.M):
        raise Failure("the tf32 run failed or its first line does not say it is exact fp32")
    rc32, out32, _ = run_losses(args, [])
    if rc32 != 0 or losses(out) != losses(out32) or len(losses(out)) != 8:
        raise Failure("tf32 losses differ from fp32's")


def precision_bf16_refused(args):
    """Where oneDNN has no bf16 matmul (here: its ISA capped at AVX2), one line, every rank out."""
    env = dict(os.environ, ONEDNN_MAX_CPU_ISA="AVX2")
    cmd = mpirun_cmd(args, (RANKS, ["--precision", "bf16"]))
    print("ONEDNN_MAX_CPU_ISA=AVX2")
    rc, out, err = run(cmd, env)
    print(transcript(cmd, rc, out, err))
    pattern = r"^error: --precision bf16 on rank \d+: oneDNN has no bf16 matmul"
    if rc is None or not 0 < rc < 128:
        raise Failure("exit status %s, expected a plain failure" % rc)
    if len([l for l in (out + err).splitlines() if re.search(pattern, l)]) != 1:
        raise Failure("expected one line matching %r" % pattern)


CASES = {f.__name__: f for f in [
    watchdog_stopped_rank, watchdog_shared_memory_allreduce, flags_steps, flags_seed, flags_precision, flags_timeout,
    flags_bad_on_one_rank, flags_help_on_one_rank, flags_log_every_may_differ, precision_bf16,
    precision_tf32, precision_bf16_refused]}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--meshc")
    p.add_argument("--mpirun")
    p.add_argument("--generator", help="the MLP generator (frontend_mlp_gen)")
    p.add_argument("--workdir")
    p.add_argument("--stall-program", help="tests/runtime's meshrt_stall_program")
    p.add_argument("--list", action="store_true", help="print the case names")
    p.add_argument("case", nargs="?")
    args = p.parse_args()
    if args.list:
        print("\n".join(CASES))
        return 0
    if not (args.meshc and args.mpirun and args.generator and args.workdir and args.case):
        p.error("--meshc, --mpirun, --generator, --workdir and a case are required")
    if args.case not in CASES:
        p.error("unknown case %r (see --list)" % args.case)
    args.workdir = os.path.join(args.workdir, args.case)
    os.makedirs(args.workdir, exist_ok=True)
    try:
        compile_mlp(args)
        rc = CASES[args.case](args) or 0
    except Failure as e:
        print("FAIL: %s" % e)
        return 1
    if rc == 0:
        print("PASS")
    return rc


if __name__ == "__main__":
    sys.exit(main())
