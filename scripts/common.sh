# Shared by the newcomer scripts: install what is missing (Debian 12), configure and build.
set -euo pipefail

MESHC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${MESHC_BUILD_DIR:-$MESHC_ROOT/build}
JOBS=${MESHC_JOBS:-2}

PACKAGES=(
  build-essential cmake ninja-build pkgconf python3
  llvm-19-dev libmlir-19-dev mlir-19-tools llvm-19-tools
  libopenmpi-dev openmpi-bin libdnnl-dev ocl-icd-opencl-dev libfmt-dev
  googletest libgtest-dev
  libhdf5-openmpi-dev nlohmann-json3-dev zlib1g-dev  # runtime/src/io, tools/meshc-data
  dataset-fashion-mnist    # the README's main job trains on it
)
# Only the tests need these (scripts/test.sh, scripts/test-sanitizers.sh): the main job does not
# install a Slurm cluster's daemons on a newcomer's machine.
TEST_PACKAGES=(
  file mmdebstrap          # cpack -G DEB needs file; tests/package/deb_fresh_root.sh bootstraps a root
  slurm-wlm munge          # tests/launch: a one-node Slurm cluster (srun, sbatch)
  iproute2                 # tests/launch: two network-namespace "nodes" joined by a veth pair
  python3-numpy python3-h5py  # tests/runtime/io, tests/tools: files NumPy and h5py write and read
  clang-19                 # tests/lowering: meshrt.h's prototypes as LLVM declares them
  clang-format-19 clang-tidy-19 libomp-19-dev  # scripts/check-style.sh (clang needs its omp.h)
  git                      # scripts/check-style.sh lists the tracked and the changed files
)

# install_packages [EXTRA_PACKAGE...]: PACKAGES and the extra ones, those that are missing.
install_packages() {
  local missing=()
  for p in "${PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return
  fi
  echo "== installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  timed installed eval '$sudo apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"'
}

build() {
  echo "== configuring and building in $BUILD_DIR ($JOBS jobs)"
  timed built eval 'cmake -S "$MESHC_ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null &&
    cmake --build "$BUILD_DIR" -j "$JOBS"'
}

# Runs "$@", then says how long it took: wall clock, and the CPU time of everything it ran
# (on a shared machine the wall clock alone says little).
timed() {
  local TIMEFORMAT="== $1 in %0R s (CPU: %0U s user, %0S s system)"
  shift
  time "$@"
}

# Open MPI refuses to run as root unless told that this is intended.
if [ "$(id -u)" -eq 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
