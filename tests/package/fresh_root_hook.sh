#!/bin/sh
# The customize hook of deb_fresh_root.sh (run by mmdebstrap on the host, with the root's
# /proc, /sys and /dev mounted): builds examples/out-of-tree inside the fresh root against the
# installed meshc (/usr) and runs its two executables on 2 ranks from /; their outputs go to OUT.
#   fresh_root_hook.sh ROOT EXAMPLE_DIR OUT
set -eu
root=$1 example=$2 out=$3
echo "== in the fresh root"
cp -r "$example" "$root/root/out-of-tree"
# Open MPI's shared-memory transport needs a /dev/shm; mmdebstrap makes only the folder.
shm=""
if ! mountpoint -q "$root/dev/shm"; then
  mount -t tmpfs -o nosuid,nodev,mode=1777 meshc-shm "$root/dev/shm"
  shm=1
fi
trap '[ -z "$shm" ] || umount "$root/dev/shm"' EXIT
# 8 steps: package_util.STEPS, what compare-losses expects.
chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
  OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 sh -ec '
    dpkg-query -W -f="installed: \${Package} \${Version} (\${Status})\n" meshc
    # What apt installed for its Depends (names only: versions and alternatives dropped).
    dpkg-query -W $(dpkg-query -W -f="\${Depends}" meshc | sed "s/([^)]*)//g; s/|[^,]*//g; s/,/ /g")
    for tool in meshc mpirun c++ cmake; do command -v $tool; done
    cmake -S /root/out-of-tree -B /root/build -G Ninja -DCMAKE_BUILD_TYPE=Release >/root/configure.log ||
      { cat /root/configure.log; exit 1; }
    cmake --build /root/build
    readelf -d /root/build/classifier_dp | grep -E "NEEDED|RUNPATH|RPATH"
    cd /
    for layout in dp mp; do
      mpirun --bind-to none -n 2 /root/build/classifier_$layout --steps 8 --threads 1 \
        >/root/$layout.txt 2>&1 || { cat /root/$layout.txt; exit 1; }
      cat /root/$layout.txt
    done'
cp "$root/root/dp.txt" "$root/root/mp.txt" "$out/"
