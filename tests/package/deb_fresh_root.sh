#!/usr/bin/env bash
# package.deb_fresh_root: the meshc .deb (made by package.deb) installed with apt on a freshly
# bootstrapped Debian 12 root, so that its Depends are resolved for real from the Debian
# archive, then examples/out-of-tree configured and built inside that root against /usr and its
# two executables run there under mpirun; their losses must agree (package_util.py).
#
#   deb_fresh_root.sh DEB_DIR SOURCE_DIR WORKDIR VERSION
#
# The root is `mmdebstrap --mode=root --variant=minbase` (Priority: required + apt, like the
# Debian container image) from this machine's apt sources and Acquire:: settings, with cmake,
# ninja-build and the .deb as the only extra packages; the build and the runs happen in a
# customize hook (fresh_root_hook.sh), in private mount and PID namespaces, so nothing it mounts
# or starts outlives it. It downloads ~0.5 GB (minbase + meshc's Depends: LLVM/MLIR 19, g++,
# Open MPI, oneDNN) and takes a few minutes. Skips (77, with the reason) where it cannot run:
# not root, no mmdebstrap or unshare, no apt sources, or the Debian mirror is not reachable.
set -euo pipefail
SKIP=77
[ $# -eq 4 ] || { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
deb_dir=$1 src=$2 work=$3 version=$4
here=$(cd "$(dirname "$0")" && pwd)
skip() { echo "SKIP: $*"; exit "$SKIP"; }
fail() { echo "FAIL: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || skip "bootstrapping a Debian root needs root"
command -v mmdebstrap >/dev/null || skip "mmdebstrap is not installed (apt-get install mmdebstrap)"
# Private mount and PID namespaces; where / is not a mount point (a chroot, e.g. CI's fresh
# root) --propagation private fails, and "unchanged" is safe if no mount is shared.
ns=(--mount --pid --fork --propagation private)
if ! unshare "${ns[@]}" true 2>/dev/null; then
  grep -q ' shared:' /proc/self/mountinfo &&
    skip "cannot make private mount and PID namespaces here"
  ns=(--mount --pid --fork --propagation unchanged)
  unshare "${ns[@]}" true 2>/dev/null || skip "cannot make mount and PID namespaces here"
fi
arch=$(dpkg --print-architecture)
deb=$deb_dir/meshc_${version}_${arch}.deb
[ -f "$deb" ] || fail "no $deb (package.deb makes it)"
sources=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] && grep -qE '^[[:space:]]*(deb[[:space:]]|Types:.*\bdeb\b)' "$f" && sources+=("$f")
done
[ ${#sources[@]} -gt 0 ] || skip "this machine has no apt sources to bootstrap Debian from"

rm -rf "$work"
mkdir -p "$work"
# The settings that decide whether the mirrors can be reached (proxies, validity checks).
apt-config dump 2>/dev/null |
  grep -E '^Acquire::(Check-Valid-Until|Check-Date|Max-ValidTime|Retries|ForceIPv4|ForceIPv6|http|https)(::|[ "])' \
    >"$work/acquire.conf" || true
aptopt=()
[ -s "$work/acquire.conf" ] && aptopt=("--aptopt=$work/acquire.conf")

start=$SECONDS
echo "== bootstrapping Debian 12 (minbase) with cmake, ninja-build and $(basename "$deb")"
status=0
TMPDIR=$work unshare "${ns[@]}" --kill-child \
  mmdebstrap --mode=root --variant=minbase --format=null "${aptopt[@]}" \
    --include=cmake,ninja-build --include="$(realpath "$deb")" \
    --hook-dir=/usr/share/mmdebstrap/hooks/file-mirror-automount \
    --customize-hook="\"$here/fresh_root_hook.sh\" \"\$1\" \"$src/examples/out-of-tree\" \"$work\"" \
    bookworm /dev/null "${sources[@]}" >"$work/mmdebstrap.log" 2>&1 || status=$?
echo "== mmdebstrap exited $status after $((SECONDS - start)) s (log: $work/mmdebstrap.log)"
# The hook's own output (the build and the runs), then the verdict.
sed -n '/^== in the fresh root/,$p' "$work/mmdebstrap.log" | grep -v '^I: ' || true
if [ "$status" -ne 0 ]; then
  if ! grep -q '^== in the fresh root' "$work/mmdebstrap.log" &&
     grep -qE 'Failed to fetch|Temporary failure resolving|Could not resolve|Unable to connect' \
       "$work/mmdebstrap.log"; then
    tail -n 15 "$work/mmdebstrap.log"
    skip "the Debian mirror is not reachable from here (see above)"
  fi
  tail -n 40 "$work/mmdebstrap.log"
  fail "bootstrap, apt install of the .deb, or the build/run inside the root failed (above)"
fi
for layout in dp mp; do
  [ -s "$work/$layout.txt" ] || fail "the run of classifier_$layout left no output"
done
python3 "$here/package_util.py" compare-losses "$work/dp.txt" "$work/mp.txt"
echo "the .deb installed on a fresh Debian 12 root; examples/out-of-tree built against /usr" \
     "and ran there with the same losses in both layouts ($((SECONDS - start)) s)"
