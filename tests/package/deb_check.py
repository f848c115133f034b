#!/usr/bin/env python3
"""package.deb: `cpack -G DEB` of the build, then checks the packages it made:
- meshc_<version>_<arch>.deb holds the tools, libmeshrt (soname link included), the DSL library
  and headers and the CMake package under /usr, and no file mentions the build directory;
- its Depends name g++ (meshc links with the system c++) and openmpi-bin (mpirun), and, for
  every library that an ELF file of the package needs directly (readelf NEEDED, resolved by
  ldd as the loader would), the Debian package that owns that library (dpkg -S): a library
  that no Debian package provides (e.g. CUDA's) fails the test, as the package could not be
  installed with apt alone;
- where the build has the CUDA plugin: it is in meshc-cuda_<version>_<arch>.deb (Depends: meshc
  of the same version, no computed Depends), not in the meshc package.
The packages stay in WORKDIR for package.deb_fresh_root (fixture meshc_deb).

usage: deb_check.py --cpack BIN --build-dir DIR --workdir DIR --version V [--cuda-plugin]
"""
import argparse
import os
import re
import shutil

from package_util import Failure, main_guard, run, run_checked


def control(deb, field):
    return run(["dpkg-deb", "-f", deb, field], 60).strip()


def depends_names(depends):
    """Package names of a Depends field (alternatives included, versions dropped)."""
    return {re.split(r"[\s(:]", alt.strip())[0]
            for item in depends.split(",") for alt in item.split("|") if alt.strip()}


def owners(path):
    """The Debian packages that own `path` and, for a link, its target (a link may belong to a
    -dev package and the library to the runtime package): empty where none does."""
    found = []
    for candidate in (path, os.path.realpath(path)):
        rc, out, _ = run_checked(["dpkg", "-S", candidate], 60, check=False)
        if rc == 0:
            found += [p.split(":")[0].strip() for p in out.split(":", 1)[0].split(",")]
    return found


def is_elf(path):
    with open(path, "rb") as f:
        return f.read(4) == b"\x7fELF"


def check_needed(root, depends):
    """Every direct NEEDED library of every ELF file under `root` is in the package itself or
    owned by a Debian package that Depends names."""
    inside = set()
    elves = []
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            inside.add(name)
            if not os.path.islink(path) and is_elf(path):
                elves.append(path)
    report = []
    for path in elves:
        dynamic = run(["readelf", "-d", path], 60)
        needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", dynamic)
        ldd = run_checked(["ldd", path], 60, check=False, merge_stderr=True).stdout
        resolved = dict(re.findall(r"^\s*(\S+) => (.+?)(?: \(0x[0-9a-f]+\))?$", ldd, re.M))
        # The dynamic loader (NEEDED where a library uses its symbols, e.g. __tls_get_addr for
        # thread_local) is listed by ldd by its path alone: "/lib64/ld-linux-x86-64.so.2 (0x...)".
        for loader in re.findall(r"^\s*(/\S+) \(0x[0-9a-f]+\)$", ldd, re.M):
            resolved.setdefault(os.path.basename(loader), loader)
        for lib in needed:
            if lib in inside:
                continue
            where = resolved.get(lib, "not found")
            if where == "not found":
                raise Failure("%s needs %s, which is not found on this machine:\n%s" %
                              (os.path.relpath(path, root), lib, ldd))
            packages = owners(where)
            if not packages:
                raise Failure("%s needs %s (%s), which no Debian package provides: the package "
                              "cannot be installed by apt alone" %
                              (os.path.relpath(path, root), lib, where))
            named = [p for p in packages if p in depends]
            if not named:
                raise Failure("%s needs %s from package %s, which Depends does not name" %
                              (os.path.relpath(path, root), lib, " or ".join(packages)))
            report.append("%s -> %s" % (lib, named[0]))
    return elves, sorted(set(report))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cpack", required=True)
    p.add_argument("--build-dir", required=True)
    p.add_argument("--workdir", required=True)
    p.add_argument("--version", required=True)
    p.add_argument("--cuda-plugin", action="store_true")
    args = p.parse_args()

    shutil.rmtree(args.workdir, ignore_errors=True)
    os.makedirs(args.workdir)
    run([args.cpack, "-G", "DEB", "--config", os.path.join(args.build_dir, "CPackConfig.cmake"),
         "-B", args.workdir], 900, cwd=args.workdir, what="cpack -G DEB")
    arch = run(["dpkg", "--print-architecture"], 60).strip()
    deb = os.path.join(args.workdir, "meshc_%s_%s.deb" % (args.version, arch))
    if not os.path.exists(deb):
        raise Failure("cpack made no %s (made: %s)" % (os.path.basename(deb),
                                                      os.listdir(args.workdir)))

    root = os.path.join(args.workdir, "meshc-root")
    run(["dpkg-deb", "-x", deb, root], 120)
    files = {os.path.relpath(os.path.join(f, n), root)
             for f, _, names in os.walk(root) for n in names}
    wanted = [r"usr/bin/meshc", r"usr/bin/meshc-opt", r"usr/bin/meshc-data", r"usr/lib/(.+/)?libmeshrt\.so",
              r"usr/lib/(.+/)?libmeshrt\.so\.\d+\.\d+", r"usr/lib/(.+/)?libmeshc_frontend\.a",
              r"usr/include/meshc/dsl\.h", r"usr/include/meshrt/meshrt\.h",
              r"usr/lib/(.+/)?cmake/meshc/meshcConfig\.cmake",
              r"usr/lib/(.+/)?cmake/meshc/MeshcModel\.cmake"]
    missing = [w for w in wanted if not any(re.fullmatch(w, f) for f in files)]
    if missing:
        raise Failure("%s lacks %s; it has:\n%s" % (deb, missing, "\n".join(sorted(files))))
    if any("libmeshrt_cuda" in f for f in files):
        raise Failure("the CUDA plugin is in the meshc package; it belongs to meshc-cuda")
    build = os.path.realpath(args.build_dir).encode()
    for f in files:
        path = os.path.join(root, f)
        if not os.path.islink(path):
            with open(path, "rb") as fh:
                if build in fh.read():
                    raise Failure("%s in the package mentions the build directory %s" %
                                  (f, build.decode()))

    depends = control(deb, "Depends")
    names = depends_names(depends)
    for required in ("g++", "openmpi-bin"):
        if required not in names:
            raise Failure("Depends lacks %s: %s" % (required, depends))
    elves, report = check_needed(root, names)
    print("%s: Depends: %s" % (os.path.basename(deb), depends))
    print("%d ELF files; their libraries come from: %s" % (len(elves), ", ".join(report)))

    cuda = os.path.join(args.workdir, "meshc-cuda_%s_%s.deb" % (args.version, arch))
    if args.cuda_plugin:
        if not os.path.exists(cuda):
            raise Failure("the build has the CUDA plugin but cpack made no %s" %
                          os.path.basename(cuda))
        contents = run(["dpkg-deb", "-c", cuda], 60)
        if "libmeshrt_cuda.so" not in contents:
            raise Failure("%s lacks libmeshrt_cuda.so:\n%s" % (cuda, contents))
        cuda_depends = control(cuda, "Depends")
        if cuda_depends != "meshc (= %s)" % args.version:
            raise Failure("%s: Depends is '%s', expected 'meshc (= %s)'" %
                          (os.path.basename(cuda), cuda_depends, args.version))
        print("%s: Depends: %s" % (os.path.basename(cuda), cuda_depends))
    elif os.path.exists(cuda):
        raise Failure("cpack made %s, but the build has no CUDA plugin" % cuda)


if __name__ == "__main__":
    main_guard(main)
