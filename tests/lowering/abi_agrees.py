#!/usr/bin/env python3
"""abi_agrees.py — the lowering calls the runtime only with the signatures meshrt.h declares.

Lowers every program under the given directories to LLVM IR (lit tests through meshc-opt's
partition pipeline and lowering; e2e programs through `meshc --emit=llvm-mlir` once per
`// CASE: MESH LAYOUT` line; inputs that do not lower, such as diagnostic tests, are skipped;
a lit file split by `// -----` lowers only when all its parts do),
collects each `declare @meshrt_*`, and compiles a C file that takes the address of each of those
functions from meshrt.h with clang: clang's declarations are the reference for how meshrt.h's C
types reach LLVM. Fails on a function meshrt.h lacks, on any difference in result or parameter
types, on a function declared two ways, and on an entry of the kernel table (--table) that no
program lowered to, unless --host-only names it (entries generated code never calls).
Exit 77 (skip) when clang is not installed.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

DECLARE = re.compile(r"^declare\s+(.*?)\s*@(meshrt_\w+)\((.*)\)", re.M)
ATTRIBUTES = {"noundef", "signext", "zeroext", "nocapture", "readonly", "writeonly", "noalias",
              "nonnull", "dso_local"}


def signature(result, params):
    """'i32', 'ptr noundef, i64 noundef' -> ('i32', ('ptr', 'i64')) without attributes."""
    def type_of(text):
        words = [w for w in text.split() if w not in ATTRIBUTES and not w.startswith("#")]
        return words[-1] if words else ""
    kept = tuple(type_of(p) for p in params.split(",") if p.strip())
    return (type_of(result), kept)


def declarations(llvm_ir):
    return {m.group(2): signature(m.group(1), m.group(3)) for m in DECLARE.finditer(llvm_ir)}


CASE = re.compile(r"^// CASE: (\S+)(?: (\S+))?", re.M)


def lower(args, path):
    """The LLVM IR of each way the program lowers (none for one that does not)."""
    if "/lit/" in path:
        commands = [[args.meshc_opt, path, "--split-input-file", "--meshc-partition-pipeline",
                     "--meshc-lower-to-llvm"]]
    else:
        with open(path) as f:
            cases = CASE.findall(f.read())
        commands = [[args.meshc, path, "--emit=llvm-mlir", "-o", "-", f"--mesh={mesh}",
                     f"--layout={layout}"] for mesh, layout in cases]
    for cmd in commands:
        lowered = subprocess.run(cmd, capture_output=True, text=True)
        if lowered.returncode != 0 or "llvm.func" not in lowered.stdout:
            continue
        ir = subprocess.run([args.mlir_translate, "--split-input-file", "--mlir-to-llvmir"],
                            input=lowered.stdout, capture_output=True, text=True)
        if ir.returncode != 0:
            sys.exit(f"abi_agrees: mlir-translate failed on {' '.join(cmd)}:\n{ir.stderr}")
        yield ir.stdout


def main():
    parser = argparse.ArgumentParser()
    for flag in ("--meshc-opt", "--meshc", "--mlir-translate", "--clang", "--include"):
        parser.add_argument(flag, required=True)
    parser.add_argument("--table", required=True, help="meshrt_kernels.def")
    parser.add_argument("--host-only", default="", help="comma-separated table entries that "
                        "generated code never calls")
    parser.add_argument("dirs", nargs="+")
    args = parser.parse_args()
    clang = shutil.which(args.clang)
    if not clang:
        print(f"abi_agrees: SKIP: {args.clang} not found (install clang-19)")
        return 77

    lowered = {}  # function -> (signature, first program declaring it)
    programs = 0
    for top in args.dirs:
        for root, _, files in os.walk(top):
            for name in sorted(files):
                if not name.endswith(".mlir"):
                    continue
                path = os.path.join(root, name)
                for ir in lower(args, path):
                    programs += 1
                    for fn, sig in declarations(ir).items():
                        seen = lowered.setdefault(fn, (sig, path))
                        if seen[0] != sig:
                            sys.exit(f"abi_agrees: {fn} declared as {sig} in {path} but as "
                                     f"{seen[0]} in {seen[1]}")

    refs = ", ".join(f"(void *)&{fn}" for fn in sorted(lowered))
    source = f'#include "meshrt/meshrt.h"\nvoid *const meshc_abi_refs[] = {{{refs}}};\n'
    with tempfile.TemporaryDirectory() as tmp:
        c_file = os.path.join(tmp, "refs.c")
        with open(c_file, "w") as f:
            f.write(source)
        compiled = subprocess.run([clang, "-S", "-emit-llvm", "-O0", "-I", args.include, "-o",
                                   "-", c_file], capture_output=True, text=True)
    if compiled.returncode != 0:
        sys.exit("abi_agrees: meshrt.h does not declare what the lowering calls:\n" +
                 compiled.stderr)
    header = declarations(compiled.stdout)

    bad = []
    for fn, (sig, path) in sorted(lowered.items()):
        if header.get(fn) != sig:
            bad.append(f"  {fn}: lowering {sig[0]}({', '.join(sig[1])}) in {path}, meshrt.h "
                       f"{header.get(fn)}")
    if bad:
        sys.exit("abi_agrees: the lowering's declarations differ from meshrt.h:\n" +
                 "\n".join(bad))
    with open(args.table) as f:
        text = f.read()
    table = set(re.findall(r'^MESHRT_KERNEL\(\w+, "\w+", [^,]+, (meshrt_\w+),', text, re.M) +
                re.findall(r"^MESHRT_ENTRY\(\w+, [^,]+, (meshrt_\w+),", text, re.M))
    host_only = set(filter(None, args.host_only.split(",")))
    if not table or not host_only <= table:
        sys.exit(f"abi_agrees: cannot read the table {args.table} or --host-only names "
                 f"{sorted(host_only - table)} not in it")
    untested = sorted(table - host_only - set(lowered))
    if untested:
        sys.exit(f"abi_agrees: no program under {args.dirs} lowers to {', '.join(untested)}: "
                 "add one (or list it in --host-only if generated code never calls it)")
    outside = sorted(set(lowered) - table)
    if outside:
        sys.exit(f"abi_agrees: the lowering calls {', '.join(outside)}, not in {args.table}")
    print(f"abi_agrees: {len(lowered)} runtime functions from {programs} lowered programs agree "
          "with meshrt.h")
    return 0


if __name__ == "__main__":
    sys.exit(main())
