"""Puts a PyTorch reference on its best BLAS kernel (imported by the benchmarks; not a script).

Debian's python3-torch does its fp32 matmuls through libblas.so.3, the BLAS the alternatives
system points at: the reference BLAS (~20x slower) unless OpenBLAS is installed and chosen.
And Debian's OpenBLAS 0.3.21 may not recognise a newer CPU and fall back to a generic kernel
(`Core: Prescott` with OPENBLAS_VERBOSE=2; 4x slower on AVX-512 Xeons, TOOLCHAIN.md). So
torch_env() probes what a torch process really loads and returns the environment that gives
it OpenBLAS with the CPU's kernel, plus a line saying which, for the benchmark to print:
- libblas.so.3 is the reference BLAS but libopenblas0-pthread is installed: prepend
  OpenBLAS's directory to LD_LIBRARY_PATH (nothing system-wide changes);
- OpenBLAS picked a kernel below the CPU's ISA: OPENBLAS_CORETYPE=SkylakeX (AVX-512) or
  Haswell (AVX2), checked to be taken (OPENBLAS_VERBOSE) and exact on an integer matmul.
"""
import os
import re
import subprocess

OPENBLAS_DIR = "/usr/lib/x86_64-linux-gnu/openblas-pthread"

# OpenBLAS kernels that use AVX-512 / AVX2 (names as OPENBLAS_VERBOSE=2 prints them).
AVX512_CORES = {"SkylakeX", "Cooperlake", "SapphireRapids"}
AVX2_CORES = AVX512_CORES | {"Haswell", "Zen"}

# Run by the torch interpreter: which BLAS is mapped, and is an fp32 matmul exact on small
# integers (every product and sum is exactly representable, so any difference is a bug).
PROBE = r"""
import torch
torch.set_num_threads(2)
g = torch.Generator().manual_seed(0)
a = torch.randint(-8, 9, (192, 256), generator=g).float()
b = torch.randint(-8, 9, (256, 160), generator=g).float()
exact = bool(torch.equal(a @ b, (a.double() @ b.double()).float()))
libs = sorted({l.split()[-1] for l in open("/proc/self/maps") if "blas" in l.split()[-1]})
print("probe exact=%d libs=%s" % (exact, ",".join(libs)))
"""


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def probe(python, env):
    """(libs, core, exact) that a torch process started with `env` gets."""
    env = dict(env, OPENBLAS_VERBOSE="2")
    res = subprocess.run([python, "-c", PROBE], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    m = re.search(r"probe exact=(\d) libs=(\S*)", res.stdout)
    if res.returncode != 0 or not m:
        raise RuntimeError("probing PyTorch's BLAS with %s failed:\n%s" % (python, res.stdout))
    core = re.search(r"Core: (\S+)", res.stdout)
    return m.group(2).split(",") if m.group(2) else [], core.group(1) if core else None, \
        m.group(1) == "1"


def torch_env(python, base_env):
    """(env, description) for PyTorch processes; env is None where only the reference BLAS
    exists (the caller skips PyTorch: its times would compare with a 20x slower matmul)."""
    env = dict(base_env)
    libs, core, exact = probe(python, env)
    how = []
    if core is None and os.path.exists(os.path.join(OPENBLAS_DIR, "libblas.so.3")):
        env["LD_LIBRARY_PATH"] = ":".join(
            p for p in [OPENBLAS_DIR, env.get("LD_LIBRARY_PATH", "")] if p)
        libs, core, exact = probe(python, env)
        how.append("LD_LIBRARY_PATH=%s (libblas.so.3 is the reference BLAS)" % OPENBLAS_DIR)
    if core is None:
        return None, ("PyTorch's BLAS is %s, not OpenBLAS; install libopenblas0-pthread"
                      % (",".join(libs) or "unknown"))
    detected = core
    flags = cpu_flags()
    want = None
    if {"avx512f", "avx512bw", "avx512dq", "avx512vl"} <= flags and core not in AVX512_CORES:
        want = "SkylakeX"
    elif {"avx2", "fma"} <= flags and core not in AVX2_CORES:
        want = "Haswell"
    if want:
        env["OPENBLAS_CORETYPE"] = want
        libs, core, exact = probe(python, env)
        if core != want:
            raise RuntimeError("OPENBLAS_CORETYPE=%s was not taken (OpenBLAS says Core: %s)"
                               % (want, core))
        how.append("OPENBLAS_CORETYPE=%s (OpenBLAS detected %s)" % (want, detected))
    if not exact:
        raise RuntimeError("PyTorch's fp32 matmul on OpenBLAS core %s is not exact on small "
                           "integers: a broken kernel" % core)
    return env, "OpenBLAS core %s%s" % (core, "; " + ", ".join(how) if how else
                                        " (OpenBLAS's own choice)")


def torch_reference(python, base_env, threads):
    """(env, line) for a PyTorch reference run with `threads` threads under `python`: env is
    None where PyTorch cannot be a fair reference (python3-torch missing, only the reference
    BLAS, a broken kernel), and line says why; else line names the BLAS kernel it runs on."""
    if not os.path.exists(python):
        return None, "%s does not exist (Debian's python3-torch runs under /usr/bin/python3); " \
                     "skipped" % python
    try:
        env, how = torch_env(python, base_env)
    except RuntimeError as e:
        if "No module named 'torch'" in str(e):
            return None, "python3-torch is not installed for %s; skipped" % python
        return None, "skipped: %s" % str(e).splitlines()[0]
    if env is None:
        return None, how + "; skipped"
    env = dict(env, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    return env, "%s, %d thread%s, %s" % (python, threads, "s" * (threads != 1), how)
