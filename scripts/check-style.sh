#!/usr/bin/env bash
# Style check: clang-format-19 on every tracked C/C++ file, the one-banner rule on every
# tracked C/C++ file, and clang-tidy-19 on the C++ files changed since a base ref.
#   scripts/check-style.sh [--base REF] [--no-tidy] [-C DIR]
# --base REF: the ref the change is compared with (default: the merge base with main).
# --no-tidy: only clang-format and the banners (clang-tidy needs a configured build).
# -C DIR: check the git work tree at DIR instead of this one (tests/scripts use it).
# clang-tidy reads $MESHC_BUILD_DIR/compile_commands.json (default build/; CMake writes it)
# and the generated .inc headers, so build first. Exit status 1 if anything fails.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

root=$MESHC_ROOT
base=""
tidy=1
while [ $# -gt 0 ]; do
  case "$1" in
  --base) base=${2:?--base needs a ref}; shift 2 ;;
  --no-tidy) tidy=0; shift ;;
  -C) root=${2:?-C needs a directory}; shift 2 ;;
  -h | --help) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "check-style: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
cd "$root"
build=${MESHC_BUILD_DIR:-$root/build}
for tool in clang-format-19 clang-tidy-19; do
  if ! command -v "$tool" >/dev/null; then
    echo "check-style: $tool not found (TEST_PACKAGES in scripts/common.sh)" >&2
    exit 2
  fi
done

# Tracked C/C++ sources (CUDA included: clang-format knows it).
mapfile -t files < <(git ls-files -- '*.c' '*.h' '*.cpp' '*.cu' '*.cuh')
status=0

# 1. clang-format: the tree as .clang-format formats it.
unformatted=()
for f in "${files[@]}"; do
  clang-format-19 --dry-run -Werror "$f" >/dev/null 2>&1 || unformatted+=("$f")
done
if [ ${#unformatted[@]} -gt 0 ]; then
  echo "== clang-format: ${#unformatted[@]} of ${#files[@]} files differ (clang-format-19 -i FILE):"
  printf '  %s\n' "${unformatted[@]}"
  status=1
else
  echo "== clang-format: ${#files[@]} files formatted"
fi

# 2. Banners (the rule is in .clang-format's header): a C++ file starts with `// ` and a
# sentence saying what it is for; a public C header (runtime/include/meshrt/*.h) with `/* `.
badbanner=()
for f in "${files[@]}"; do
  first=$(head -n 1 "$f")
  case "$f" in
  runtime/include/meshrt/*.h) [[ $first == "/* "* ]] || badbanner+=("$f") ;;
  *) [[ $first == "// "* && $first != "//===-"* ]] || badbanner+=("$f") ;;
  esac
done
if [ ${#badbanner[@]} -gt 0 ]; then
  echo "== banners: ${#badbanner[@]} files do not start with the banner comment:"
  printf '  %s\n' "${badbanner[@]}"
  status=1
else
  echo "== banners: ${#files[@]} files start with their banner"
fi

# 3. clang-tidy on the changed C++ translation units that the build compiles.
if [ $tidy -eq 1 ]; then
  if [ ! -f "$build/compile_commands.json" ]; then
    echo "check-style: $build/compile_commands.json missing: configure and build first, or --no-tidy" >&2
    exit 2
  fi
  if [ -z "$base" ]; then
    base=$(git merge-base HEAD main 2>/dev/null || git rev-parse HEAD)
  fi
  mapfile -t changed < <({ git diff --name-only --diff-filter=d "$base" -- '*.cpp'
                           git ls-files --others --exclude-standard -- '*.cpp'; } | sort -u)
  units=()
  for f in "${changed[@]}"; do
    if grep -qF "\"$root/$f\"" "$build/compile_commands.json"; then
      units+=("$f")
    else
      echo "== clang-tidy: skipping $f (not in $build/compile_commands.json)"
    fi
  done
  if [ ${#units[@]} -eq 0 ]; then
    echo "== clang-tidy: no changed C++ files since $base"
  else
    echo "== clang-tidy: ${#units[@]} changed files since $base ($JOBS jobs)"
    log=$(mktemp)
    trap 'rm -f "$log"' EXIT
    # --quiet drops the "N warnings generated" lines; a warning in a checked file fails.
    printf '%s\n' "${units[@]}" |
      xargs -P "$JOBS" -I{} clang-tidy-19 -p "$build" --quiet {} >"$log" 2>&1 || true
    if grep -E ': (warning|error): ' "$log"; then
      echo "== clang-tidy: $(grep -cE ': (warning|error): ' "$log") findings (above)"
      status=1
    else
      echo "== clang-tidy: clean"
    fi
  fi
fi
exit $status
