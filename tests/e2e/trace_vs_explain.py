#!/usr/bin/env python3
"""The executables' `--trace` timeline against the program: for each mesh and layout, compile
with `meshc --explain`, run under mpirun with `--trace`, and check every rank's Chrome trace
against what --explain says the compiled program does in a training step:
  - one file per rank, FILE with .rankN before its extension, pid = rank, valid JSON;
  - one "step" span per step on the compute track, steps in order and not overlapping;
  - inside each step span, the collective spans in order are exactly --explain's collectives:
    op, mesh axes, bytes, number and DSL site; their bytes are also those of the IR type
    --explain prints for the collective (all_reduce/all_gather/all_slice: the buffer's type);
  - no collective span outside a step (the run does no evaluation), every call span inside the
    steps lies within one step span;
  - per track, spans in increasing start time and not overlapping (a step contains its calls).

usage:
  trace_vs_explain.py --meshc BIN --mpirun BIN --workdir DIR
                      (--program FILE.mlir | --generator CMD [ARG...] --) [--steps N] CASE...
A CASE is "MESH LAYOUT [=> OP...]" as for compare_layouts.py. Exits 0 when every case agrees.
"""
import json
import os
import re
import shlex
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_layouts import (COMPILE_TIMEOUT_S, RUN_TIMEOUT_S, Failure,  # noqa: E402
                             case_parser, parse_case_args,
                             case_name, generate_program, parse_cases, parse_mesh, run_checked,
                             split_generator)

# "collective N: KIND axes=A[,B] bytes=BYTES at SITE  [TYPE, ...]", or for an all_reduce bucket
# (meshc-optimize-communication) "... [bucket of N tensors, ...]": its bytes are the members'.
EXPLAIN_LINE = re.compile(
    r"^  collective (\d+): (\w+) axes=(\S+) bytes=(\d+) at (\S+)  "
    r"\[(?:(!meshc\.tensor<[^>]*>)|bucket of \d+ tensors)")
ELEM_BYTES = {"f32": 4, "i32": 4, "f16": 2, "bf16": 2, "f64": 8, "i64": 8, "i8": 1, "i1": 1}
# Collectives whose bytes are the whole type --explain prints (its operand buffer).
BYTES_ARE_TYPE = {"all_reduce", "all_reduce_max", "all_gather", "all_slice"}


def type_bytes(text):
    """Bytes of '!meshc.tensor<batch=8, classes=4, f32>' (a scalar: '!meshc.tensor<f32>')."""
    fields = [f.strip() for f in text[len("!meshc.tensor<"):-1].split(",")]
    count = 1
    for dim in fields[:-1]:
        count *= int(dim.partition("=")[2])
    return count * ELEM_BYTES[fields[-1]]


def explained_collectives(out, what):
    entries = []
    for line in out.splitlines():
        m = EXPLAIN_LINE.match(line)
        if not m:
            continue
        index, kind, axes, size, site, ty = m.groups()
        if int(index) != len(entries):
            raise Failure("%s: collective %s out of order" % (what, index))
        if ty and kind in BYTES_ARE_TYPE and type_bytes(ty) != int(size):
            raise Failure("%s: --explain gives %s bytes for collective %s of type %s" %
                          (what, size, index, ty))
        entries.append({"op": kind, "axes": axes, "bytes": int(size), "collective": int(index),
                        "site": site})
    return entries


def check_tracks(spans, where):
    """Per track: file order = start order, and no two spans overlap except a step containing
    the calls of its step."""
    by_track = {}
    for s in spans:
        by_track.setdefault(s["tid"], []).append(s)
    for tid, track in by_track.items():
        for a, b in zip(track, track[1:]):
            if b["ts"] < a["ts"]:
                raise Failure("%s: track %d: '%s' at %.3f us follows '%s' at %.3f us" %
                              (where, tid, b["name"], b["ts"], a["name"], a["ts"]))
        for kind in ("step", "call"):
            chosen = [s for s in track if (s["name"] == "step") == (kind == "step")]
            for a, b in zip(chosen, chosen[1:]):
                if b["ts"] < a["ts"] + a["dur"]:
                    raise Failure("%s: track %d: '%s' [%.3f, +%.3f] overlaps '%s' at %.3f" %
                                  (where, tid, a["name"], a["ts"], a["dur"], b["name"], b["ts"]))


def check_rank(path, rank, ranks, steps, explained, where):
    if not os.path.exists(path):
        raise Failure("%s: rank %d wrote no %s" % (where, rank, path))
    with open(path) as f:
        doc = json.load(f)
    events = doc["traceEvents"]
    spans = [e for e in events if e.get("ph") == "X"]
    if any(e["pid"] != rank for e in events):
        raise Failure("%s: %s has events of another pid than %d" % (where, path, rank))
    if doc["otherData"]["ranks"] != ranks or doc["otherData"]["dropped_events"] != 0:
        raise Failure("%s: %s: metadata %s" % (where, path, doc["otherData"]))
    tracks = {e["tid"]: e["args"]["name"] for e in events if e.get("name") == "thread_name"}
    compute = [t for t, n in tracks.items() if n == "compute"]
    if len(compute) != 1:
        raise Failure("%s: %s names no compute track: %s" % (where, path, tracks))
    check_tracks(spans, "%s rank %d" % (where, rank))

    step_spans = [s for s in spans if s["name"] == "step"]
    if [s["args"]["index"] for s in step_spans] != list(range(steps)):
        raise Failure("%s rank %d: step spans %s, expected steps 0..%d" %
                      (where, rank, [s["args"]["index"] for s in step_spans], steps - 1))
    if any(s["tid"] != compute[0] for s in step_spans):
        raise Failure("%s rank %d: a step span off the compute track" % (where, rank))
    calls = [s for s in spans if s["name"] != "step" and s.get("cat") in ("kernel", "collective")]
    collectives = [s for s in calls if s.get("cat") == "collective"]
    first_step = step_spans[0]["ts"]
    for step in step_spans:
        lo, hi = step["ts"], step["ts"] + step["dur"]
        inside = [s for s in collectives if lo <= s["ts"] < hi]
        for s in inside:
            if s["ts"] + s["dur"] > hi:
                raise Failure("%s rank %d: collective %s ends after its step %d" %
                              (where, rank, s["args"], step["args"]["index"]))
        got = [s["args"] for s in inside]
        if got != explained:
            raise Failure("%s rank %d step %d: the trace's collectives differ from --explain:\n"
                          "  trace:   %s\n  explain: %s" %
                          (where, rank, step["args"]["index"], got, explained))
    in_steps = sum(1 for s in collectives if any(
        t["ts"] <= s["ts"] < t["ts"] + t["dur"] for t in step_spans))
    if in_steps != len(collectives):
        raise Failure("%s rank %d: %d collective spans outside the steps" %
                      (where, rank, len(collectives) - in_steps))
    for s in calls:
        if s["ts"] >= first_step and not any(
                t["ts"] <= s["ts"] and s["ts"] + s["dur"] <= t["ts"] + t["dur"]
                for t in step_spans):
            raise Failure("%s rank %d: '%s' at %.3f us lies in no step" %
                          (where, rank, s["name"], s["ts"]))
    return len(collectives), len(calls)


def check_case(args, program, index, mesh, layout, expected_ops):
    where = case_name(mesh, layout)
    exe = os.path.join(args.workdir, "case%d" % index)
    cmd = [args.meshc, program, "--mesh", mesh, "--layout", layout, "--explain", "--emit=exe",
           "-o", exe]
    explained = explained_collectives(
        run_checked(cmd, COMPILE_TIMEOUT_S, what="meshc").stdout, shlex.join(cmd))
    missing = [op for op in expected_ops if op not in {c["op"] for c in explained}]
    if missing:
        raise Failure("%s: --explain lists no %s (the case no longer covers its path)" %
                      (where, ", ".join(missing)))
    ranks = parse_mesh(mesh)
    trace = os.path.join(args.workdir, "case%d.trace.json" % index)
    for r in range(ranks):
        path = os.path.join(args.workdir, "case%d.trace.rank%d.json" % (index, r))
        if os.path.exists(path):
            os.remove(path)
    cmd = [args.mpirun, "--allow-run-as-root", "--bind-to", "none"]
    if ranks > 2:
        cmd.append("--oversubscribe")
    cmd += ["-n", str(ranks), exe, "--steps", str(args.steps), "--threads", "1", "--trace", trace]
    run_checked(cmd, RUN_TIMEOUT_S, what="run")
    counts = [check_rank(os.path.join(args.workdir, "case%d.trace.rank%d.json" % (index, r)), r,
                         ranks, args.steps, explained, where) for r in range(ranks)]
    print("ok: %s: %d ranks x %d steps, %d collectives per step as --explain, %d calls on rank 0" %
          (where, ranks, args.steps, len(explained), counts[0][1]))


def main():
    generator, argv = split_generator(sys.argv[1:])
    p = case_parser(__doc__, 3)
    p.add_argument("cases", nargs="+")
    args = parse_case_args(p, argv, generator)
    try:
        program = generate_program(generator, args.workdir) if generator else args.program
        cases = parse_cases(args.cases, p.error)
        for index, (mesh, layout, ops) in enumerate(cases):
            check_case(args, program, index, mesh, layout, ops)
    except Failure as e:
        print("FAIL: %s" % e)
        return 1
    print("PASS: %d case(s), the traces agree with --explain" % len(cases))
    return 0


if __name__ == "__main__":
    sys.exit(main())
