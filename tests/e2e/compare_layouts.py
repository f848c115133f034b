#!/usr/bin/env python3
"""End-to-end check of global semantics: one program, compiled by meshc for several meshes and
layouts, run under mpirun; every step's loss must equal the first (1-rank) run's within a
relative tolerance. With --reference-tool, the 1-rank losses are also compared with the
reference interpreter's (tests/e2e/ReferenceLosses.cpp), which catches kernel bugs that every
layout would share.

usage:
  compare_layouts.py --meshc BIN --mpirun BIN --workdir DIR
                     (--program FILE.mlir | --generator CMD [ARG...] --)
                     [--steps N] [--seed S] [--rtol X] [--reference-tool BIN] [--reference-only]
                     [--meshc-arg FLAG]... [--run-arg FLAG]... [CASE ...]
A CASE is "MESH LAYOUT" ("b=2,m=2 batch:b,hidden:m"; "b=1" = one rank, all replicated),
optionally followed by "=> OP..." (collective ops such as reduce_scatter that the partitioned
program must contain, so that the case keeps covering the path it was written for). The
first case is the reference and must be a 1-rank mesh. Without CASE arguments the cases come
from the program's `// CASE: MESH LAYOUT` comment lines.
Exits 0 when everything agrees, 1 on a mismatch or a failed compile/run (with a table of the
losses), 2 on bad usage.
"""
import argparse
import os
import re
import shlex
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                                "support"))
from meshc_test import (RTOL, Failure, map_cases, parse_losses, relative_error,  # noqa: E402
                        run_checked)

RUN_TIMEOUT_S = 60
COMPILE_TIMEOUT_S = 120


def parse_mesh(mesh):
    ranks = 1
    for part in mesh.split(","):
        name, _, size = part.partition("=")
        if not name or not size.isdigit():
            raise ValueError("bad mesh %r" % mesh)
        ranks *= int(size)
    return ranks


def case_name(mesh, layout):
    return "%s [%s]" % (mesh, layout if layout else "replicated")


def check_collectives(args, program, mesh, layout, expected):
    cmd = [args.meshc, program, "--mesh", mesh, "--layout", layout,
           "--emit=partitioned"] + args.meshc_arg
    out = run_checked(cmd, COMPILE_TIMEOUT_S, what="meshc").stdout
    missing = [op for op in expected if not re.search(r"\bmeshc\.%s\b" % re.escape(op), out)]
    if missing:
        raise Failure("%s: the partitioned program has no %s (no longer covers its path): %s" %
                      (case_name(mesh, layout), ", ".join(missing), shlex.join(cmd)))


def compile_and_run(args, program, index, mesh, layout, expected):
    if expected:
        check_collectives(args, program, mesh, layout, expected)
    exe = os.path.join(args.workdir, "case%d" % index)
    cmd = [args.meshc, program, "--mesh", mesh, "--layout", layout, "-o", exe] + args.meshc_arg
    run_checked(cmd, COMPILE_TIMEOUT_S, what="meshc")
    ranks = parse_mesh(mesh)
    cmd = [args.mpirun, "--allow-run-as-root", "--bind-to", "none"]
    if ranks > 2:
        cmd.append("--oversubscribe")
    cmd += ["-n", str(ranks), exe, "--steps", str(args.steps), "--seed", str(args.seed),
            "--threads", "1"] + args.run_arg
    out = run_checked(cmd, RUN_TIMEOUT_S, what="run").stdout
    return parse_losses(out, shlex.join(cmd))


def table(columns, reference_name, rtol):
    """One row per case, one column per step; a loss off the reference's is marked with '!'
    and followed by its relative error."""
    steps = sorted(set().union(*(losses.keys() for _, losses in columns)))
    ref = dict(columns)[reference_name]
    name_width = max(len(name) for name, _ in columns) + 2
    lines = ["case".ljust(name_width) + "".join(("step %d" % s).rjust(22) for s in steps)]
    bad = 0
    for name, losses in columns:
        cells = []
        for step in steps:
            if step not in losses:
                cells.append("missing".rjust(22))
                bad += 1
                continue
            cell = "%.6f" % losses[step]
            if name != reference_name and step in ref:
                err = relative_error(losses[step], ref[step])
                if not err <= rtol:
                    cell = "!%.6f (%.1e)" % (losses[step], err)
                    bad += 1
            cells.append(cell.rjust(22))
        lines.append(name.ljust(name_width) + "".join(cells))
    return bad, "\n".join(lines)


def cases_from_file(path):
    cases = []
    with open(path) as f:
        for line in f:
            m = re.match(r"^\s*//\s*CASE:\s*(.*?)\s*$", line)
            if m:
                cases.append(m.group(1))
    return cases


def split_generator(argv):
    """Takes `--generator CMD [ARG...] --` out of argv: (CMD [ARG...] or None, the rest). A
    missing '--' is a usage error (exit 2)."""
    if "--generator" not in argv:
        return None, argv
    i = argv.index("--generator")
    if "--" not in argv[i:]:
        print("%s: --generator needs a '--' after its command" % os.path.basename(sys.argv[0]),
              file=sys.stderr)
        sys.exit(2)
    j = argv.index("--", i)
    return argv[i + 1:j], argv[:i] + argv[j + 1:]


def case_parser(doc, steps):
    """The arguments every script that runs MESH LAYOUT cases takes (add the script's own):
    meshc, mpirun, a work directory, the program (or --generator CMD... --) and the steps."""
    p = argparse.ArgumentParser(description=doc.split("\n")[0])
    p.add_argument("--meshc", required=True)
    p.add_argument("--mpirun", required=True)
    p.add_argument("--workdir", required=True)
    p.add_argument("--program")
    p.add_argument("--steps", type=int, default=steps)
    return p


def parse_case_args(p, argv, generator):
    """Parses argv with case_parser's `p`; exactly one of --program and --generator; makes the
    work directory."""
    args = p.parse_args(argv)
    if bool(args.program) == bool(generator):
        p.error("give exactly one of --program and --generator")
    os.makedirs(args.workdir, exist_ok=True)
    return args


def generate_program(generator, workdir):
    """Runs the generator; returns WORKDIR/program.mlir, the program it printed."""
    program = os.path.join(workdir, "program.mlir")
    rc, out, err = run_checked(generator, COMPILE_TIMEOUT_S, check=False)
    if rc != 0:
        raise Failure("generator failed (exit %d): %s\n%s" % (rc, shlex.join(generator), err))
    with open(program, "w") as f:
        f.write(out)
    return program


def parse_cases(cases, error):
    """[(mesh, layout, [op...])] of CASEs "MESH [LAYOUT] [=> OP...]"; error(message) (argparse's
    usage error) on a malformed one."""
    parsed = []
    for case in cases:
        spec, _, ops = case.partition("=>")
        fields = spec.split()
        if len(fields) not in (1, 2):
            error("a case is 'MESH [LAYOUT] [=> OP...]', got %r" % case)
        mesh, layout = fields[0], fields[1] if len(fields) == 2 else ""
        parse_mesh(mesh)
        parsed.append((mesh, layout, ops.split()))
    return parsed


def main():
    generator, argv = split_generator(sys.argv[1:])
    p = case_parser(__doc__, 5)
    p.add_argument("--meshc-arg", action="append", default=[],
                   help="one more flag for meshc's compile of the executables (repeatable)")
    p.add_argument("--run-arg", action="append", default=[],
                   help="one more flag for every run of the executables (repeatable)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--rtol", type=float, default=RTOL)
    p.add_argument("--reference-tool")
    p.add_argument("--reference-only", action="store_true",
                   help="run only the first case (with --reference-tool)")
    p.add_argument("cases", nargs="*")
    args = parse_case_args(p, argv, generator)

    try:
        program = generate_program(generator, args.workdir) if generator else args.program
        cases = args.cases or cases_from_file(program)
        if not cases:
            p.error("no cases (give MESH LAYOUT arguments or // CASE: lines in the program)")
        parsed = parse_cases(cases, p.error)
        if parse_mesh(parsed[0][0]) != 1:
            p.error("the first case is the reference and must run on 1 rank")
        if args.reference_only:
            parsed = parsed[:1]

        columns = []
        if args.reference_tool:
            cmd = [args.reference_tool, program, "--steps", str(args.steps), "--seed",
                   str(args.seed)]
            out = run_checked(cmd, RUN_TIMEOUT_S, what="reference interpreter").stdout
            columns.append(("interpreter", parse_losses(out, shlex.join(cmd))))
        losses = map_cases(compile_and_run, [(args, program, index, mesh, layout, expected)
                                             for index, (mesh, layout, expected) in
                                             enumerate(parsed)])
        columns += [(case_name(mesh, layout), case_losses)
                    for (mesh, layout, _), case_losses in zip(parsed, losses)]
    except Failure as e:
        print("FAIL: %s" % e)
        return 1

    reference = columns[0][0]
    bad, text = table(columns, reference, args.rtol)
    # Every case must report every step the reference reports, and no more.
    steps = set(range(args.steps))
    for name, losses in columns:
        if set(losses) != steps:
            print("FAIL: %s reported steps %s, expected 0..%d" % (name, sorted(losses),
                                                                  args.steps - 1))
            bad += 1
    print("losses of %s (reference: %s; '!' = relative error above %g):" %
          (program, reference, args.rtol))
    print(text)
    if bad:
        print("FAIL: %d loss(es) disagree with the reference" % bad)
        return 1
    print("PASS: %d case(s) agree with %s" % (len(columns) - 1, reference))
    return 0


if __name__ == "__main__":
    sys.exit(main())
