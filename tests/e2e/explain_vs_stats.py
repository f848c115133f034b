#!/usr/bin/env python3
"""`meshc --explain` against what the executable does: for each mesh and layout, the collectives
--explain lists (kind, mesh axes, bytes, in program order) must be exactly those the compiled
program performs in one step under mpirun with --stats, every step and every rank alike.

usage:
  explain_vs_stats.py --meshc BIN --mpirun BIN --workdir DIR
                      (--program FILE.mlir | --generator CMD [ARG...] --) [--steps N] [CASE ...]
A CASE is "MESH [LAYOUT] [=> OP...]" as for compare_layouts.py (the OPs must appear among the
explained collectives); without CASE arguments the cases come from the program's `// CASE:`
lines. Each case compiles once with `--explain --emit=exe -o EXE`, which also checks that the
report and the executable come from one invocation. The memory total --explain reads off the
lowered program must be what the run allocates, and its per-kind buffers must not exceed it.
Exits 0 when every case agrees, 1 otherwise.
"""
import os
import re
import shlex
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_layouts import (COMPILE_TIMEOUT_S, RUN_TIMEOUT_S, Failure,  # noqa: E402
                             case_parser, parse_case_args,
                             case_name, cases_from_file, generate_program, map_cases,
                             parse_cases, parse_mesh, run_checked, split_generator)

# The fields both tools print: "collective N: KIND axes=A[,B] bytes=BYTES".
EXPLAIN_LINE = re.compile(r"^  collective (\d+): (\w+) axes=(\S+) bytes=(\d+) at (\S+)")
STATS_LINE = re.compile(r"^stats: collective (\d+): (\w+) axes=(\S+) bytes=(\d+)$")
# Memory: --explain's exact total (read off the lowered program) against what the run allocated.
EXPLAIN_TOTAL = re.compile(r"^  total +(\d+)\b.*what the executable allocates", re.M)
EXPLAIN_SCRATCH = re.compile(r"^  scratch +(-?\d+)\b", re.M)
STATS_MEMORY = re.compile(r"^stats: memory: (\d+) bytes allocated", re.M)


def parse(text, pattern, what):
    entries = []
    for line in text.splitlines():
        m = pattern.match(line)
        if m:
            index, kind, axes, size = int(m.group(1)), m.group(2), m.group(3), int(m.group(4))
            if index != len(entries):
                raise Failure("%s: collective %d out of order:\n%s" % (what, index, text))
            entries.append((kind, axes, size))
    return entries


def check_case(args, program, index, mesh, layout, expected_ops):
    exe = os.path.join(args.workdir, "case%d" % index)
    cmd = [args.meshc, program, "--mesh", mesh, "--layout", layout, "--explain", "--emit=exe",
           "-o", exe] + args.meshc_arg
    out = run_checked(cmd, COMPILE_TIMEOUT_S, what="meshc").stdout
    explained = parse(out, EXPLAIN_LINE, shlex.join(cmd))
    if not out.startswith("meshc --explain:"):
        raise Failure("no report from %s:\n%s" % (shlex.join(cmd), out))
    total, scratch = EXPLAIN_TOTAL.search(out), EXPLAIN_SCRATCH.search(out)
    if not total or not scratch:
        raise Failure("%s: --explain gives no exact total and scratch:\n%s" %
                      (case_name(mesh, layout), out))
    if int(scratch.group(1)) < 0:
        raise Failure("%s: --explain counts more buffers than the lowering allocates:\n%s" %
                      (case_name(mesh, layout), out))
    kinds = {kind for kind, _, _ in explained}
    if re.search(r"^  collective \d+: all_reduce .*\[bucket of \d+ tensors", out, re.M):
        kinds.add("all_reduce_bucket")  # a bucket is one all_reduce line that says so
    if re.search(r"^  collective \d+: all_reduce .*, sgd_update_einsum: ", out, re.M):
        kinds.add("sgd_update_einsum")  # so is a weight update in node-shared storage
    missing = [op for op in expected_ops if op not in kinds]
    if missing:
        raise Failure("%s: --explain lists no %s (the case no longer covers its path)" %
                      (case_name(mesh, layout), ", ".join(missing)))

    ranks = parse_mesh(mesh)
    cmd = [args.mpirun, "--allow-run-as-root", "--bind-to", "none"]
    if ranks > 2:
        cmd.append("--oversubscribe")
    cmd += ["-n", str(ranks), exe, "--steps", str(args.steps), "--threads", "1", "--stats"]
    out = run_checked(cmd, RUN_TIMEOUT_S, what="run").stdout
    performed = parse(out, STATS_LINE, shlex.join(cmd))
    memory = STATS_MEMORY.search(out)
    if not memory or int(memory.group(1)) != int(total.group(1)):
        raise Failure("%s: --explain's total of %s bytes is not what the run allocated:\n%s" %
                      (case_name(mesh, layout), total.group(1), out))
    for check in ("steps: %d, all alike: yes" % args.steps, "ranks: %d, all alike: yes" % ranks):
        if "stats: " + check not in out:
            raise Failure("%s: the run does not report '%s':\n%s" % (case_name(mesh, layout),
                                                                    check, out))
    return explained, performed


def diff_table(explained, performed):
    lines = ["  %-4s %-40s %-40s" % ("#", "--explain", "--stats")]
    for i in range(max(len(explained), len(performed))):
        e = " ".join(map(str, explained[i])) if i < len(explained) else "(none)"
        p = " ".join(map(str, performed[i])) if i < len(performed) else "(none)"
        mark = "" if e == p else "  <-- differs"
        lines.append("  %-4d %-40s %-40s%s" % (i, e, p, mark))
    return "\n".join(lines)


def main():
    generator, argv = split_generator(sys.argv[1:])
    p = case_parser(__doc__, 3)
    p.add_argument("--meshc-arg", action="append", default=[],
                   help="one more flag for meshc (repeatable), e.g. --meshc-arg=--bucket-bytes=64")
    p.add_argument("cases", nargs="*")
    args = parse_case_args(p, argv, generator)

    bad = 0
    try:
        program = generate_program(generator, args.workdir) if generator else args.program
        cases = args.cases or cases_from_file(program)
        if not cases:
            p.error("no cases (give MESH LAYOUT arguments or // CASE: lines in the program)")
        total = 0
        parsed = parse_cases(cases, p.error)
        results = map_cases(check_case, [(args, program, index, mesh, layout, ops)
                                         for index, (mesh, layout, ops) in enumerate(parsed)])
        for (mesh, layout, _), (explained, performed) in zip(parsed, results):
            total += len(explained)
            name = case_name(mesh, layout)
            if explained != performed:
                bad += 1
                print("FAIL: %s: --explain and --stats disagree:\n%s" %
                      (name, diff_table(explained, performed)))
            else:
                kinds = sorted({kind for kind, _, _ in explained})
                print("ok: %s: %d collectives agree (%s)" %
                      (name, len(explained), ", ".join(kinds) if kinds else "none"))
    except Failure as e:
        print("FAIL: %s" % e)
        return 1
    if bad:
        print("FAIL: %d case(s) disagree" % bad)
        return 1
    print("PASS: %d case(s), %d collectives, --explain == --stats" % (len(cases), total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
