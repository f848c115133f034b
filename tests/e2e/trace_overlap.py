#!/usr/bin/env python3
"""Non-blocking all_reduces in the `--trace` timeline, checked against the compiled program:
for each mesh and layout, compile (`meshc --emit=partitioned` gives the per-rank IR: which
all_reduces/buckets are `async` and where their `meshc.wait`s are), run under mpirun with
`--trace`, and check every rank's trace, step by step:
  - the compute track has one start call (allreduce_start / allreduce_bucket_start) per async
    collective of the IR and one collective_wait call per meshc.wait, in the IR's order;
  - the communication track has the started collective's span (its number and bytes as the
    start's) beginning after its start call began and ending before its wait call ended (the
    wait returns only once the sum is in);
  - between each start call and its wait call the compute track runs at least one kernel
    (the compiler placed work there);
  - the overlap itself (how much of the started collectives' time in flight the compute track
    spent in kernels) is printed, not asserted: it depends on how the OS schedules the two
    threads on a loaded machine.

usage:
  trace_overlap.py --meshc BIN --mpirun BIN --workdir DIR (--program FILE | --generator CMD
                   [ARG...] --) [--steps N] CASE...
A CASE is "MESH LAYOUT" as for compare_layouts.py. Exits 0 when every case passes.
"""
import json
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_layouts import (COMPILE_TIMEOUT_S, RUN_TIMEOUT_S, Failure,  # noqa: E402
                             case_parser, parse_case_args,
                             case_name, generate_program, parse_cases, parse_mesh, run_checked,
                             split_generator)

STARTS = ("allreduce_start", "allreduce_bucket_start")
# "%5 = meshc.all_reduce %4 {async, ..." / "%7:2 = meshc.all_reduce_bucket %a, %b {async, ..."
ASYNC = re.compile(r"^\s*(%[\w.]+)(?::\d+)? = meshc\.all_reduce(?:_bucket)? .*\{async\b")
WAIT = re.compile(r"^\s*%[\w.]+(?::\d+)? = meshc\.wait (%[\w.]+)")


def program_order(ir, where):
    """The per-rank function's async starts and waits in program order: ["start", "wait"...]
    with the SSA name each belongs to."""
    events = []
    for line in ir.splitlines():
        m = ASYNC.match(line)
        if m:
            events.append(("start", m.group(1)))
            continue
        m = WAIT.match(line)
        if m:
            events.append(("wait", m.group(1).split("#")[0]))
    starts = [name for kind, name in events if kind == "start"]
    waits = [name for kind, name in events if kind == "wait"]
    if not starts:
        raise Failure("%s: the partitioned program has no async all_reduce" % where)
    if sorted(starts) != sorted(waits):
        raise Failure("%s: starts %s and waits %s do not pair up" % (where, starts, waits))
    return events


def check_rank(path, rank, steps, events, where):
    with open(path) as f:
        spans = [e for e in json.load(f)["traceEvents"] if e.get("ph") == "X"]
    tracks = {}
    step_spans = sorted((s for s in spans if s["name"] == "step"), key=lambda s: s["ts"])
    if len(step_spans) != steps:
        raise Failure("%s rank %d: %d step spans, expected %d" % (where, rank, len(step_spans),
                                                                   steps))
    compute_tid = step_spans[0]["tid"]
    overlapped = in_flight = 0.0
    for number, step in enumerate(step_spans):
        lo, hi = step["ts"], step["ts"] + step["dur"]
        inside = sorted((s for s in spans if s["name"] != "step" and lo <= s["ts"] < hi),
                        key=lambda s: s["ts"])
        compute = [s for s in inside if s["tid"] == compute_tid]
        marks = [s for s in compute if s["name"] in STARTS or s["name"] == "collective_wait"]
        kinds = ["start" if s["name"] in STARTS else "wait" for s in marks]
        if kinds != [kind for kind, _ in events]:
            raise Failure("%s rank %d step %d: start/wait calls %s, the program has %s" %
                          (where, rank, number, kinds, [kind for kind, _ in events]))
        started = [s for s in inside if s.get("cat") == "collective" and s["tid"] != compute_tid
                   and s["name"] in ("allreduce", "allreduce_bucket")]
        start_calls = {}
        wait_calls = {}
        for (kind, name), span in zip(events, marks):
            (start_calls if kind == "start" else wait_calls)[name] = span
        names = [name for kind, name in events if kind == "start"]
        # The started collectives run in the order they were started; blocking all_reduces in
        # between are on the same track, so match by start time.
        for name in names:
            s, w = start_calls[name], wait_calls[name]
            runs = [c for c in started if c["ts"] >= s["ts"] and
                    c["ts"] + c["dur"] <= w["ts"] + w["dur"] + 0.5]
            if not runs:
                raise Failure("%s rank %d step %d: no collective span of %s between its start "
                              "(%.1f us) and the end of its wait (%.1f us)" %
                              (where, rank, number, name, s["ts"], w["ts"] + w["dur"]))
            run = runs[0]
            started.remove(run)
            between = [k for k in compute if k not in marks and
                       k["ts"] >= s["ts"] + s["dur"] and k["ts"] + k["dur"] <= w["ts"]]
            if not between:
                raise Failure("%s rank %d step %d: no kernel between the start and the wait of "
                              "%s" % (where, rank, number, name))
            a, b = run["ts"], run["ts"] + run["dur"]
            in_flight += b - a
            for k in compute:
                if k in marks:
                    continue
                overlapped += max(0.0, min(b, k["ts"] + k["dur"]) - max(a, k["ts"]))
    return overlapped, in_flight


def check_case(args, program, index, mesh, layout):
    where = case_name(mesh, layout)
    cmd = [args.meshc, program, "--mesh", mesh, "--layout", layout, "--emit=partitioned"]
    events = program_order(run_checked(cmd, COMPILE_TIMEOUT_S, what="meshc").stdout, where)
    exe = os.path.join(args.workdir, "case%d" % index)
    run_checked([args.meshc, program, "--mesh", mesh, "--layout", layout, "-o", exe],
                COMPILE_TIMEOUT_S, what="meshc")
    ranks = parse_mesh(mesh)
    trace = os.path.join(args.workdir, "case%d.trace.json" % index)
    cmd = [args.mpirun, "--allow-run-as-root", "--bind-to", "none"]
    if ranks > 2:
        cmd.append("--oversubscribe")
    cmd += ["-n", str(ranks), exe, "--steps", str(args.steps), "--threads", "1", "--trace", trace]
    run_checked(cmd, RUN_TIMEOUT_S, what="run")
    overlapped = in_flight = 0.0
    for r in range(ranks):
        o, f = check_rank(os.path.join(args.workdir, "case%d.trace.rank%d.json" % (index, r)), r,
                          args.steps, events, where)
        overlapped += o
        in_flight += f
    print("ok: %s: %d async collectives per step; kernels ran during %.0f%% of their %.0f us "
          "in flight" % (where, sum(1 for k, _ in events if k == "start"),
                         100.0 * overlapped / max(in_flight, 1e-9), in_flight))


def main():
    generator, argv = split_generator(sys.argv[1:])
    p = case_parser(__doc__, 4)
    p.add_argument("cases", nargs="+")
    args = parse_case_args(p, argv, generator)
    try:
        program = generate_program(generator, args.workdir) if generator else args.program
        for index, (mesh, layout, _) in enumerate(parse_cases(args.cases, p.error)):
            check_case(args, program, index, mesh, layout)
    except Failure as e:
        print("FAIL: %s" % e)
        return 1
    print("PASS: the traces show each started collective between its start and its wait, "
          "with kernels in between")
    return 0


if __name__ == "__main__":
    sys.exit(main())
