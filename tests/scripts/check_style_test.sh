#!/usr/bin/env bash
# scripts/check-style.sh on a scratch git repository with the tree's .clang-format and
# .clang-tidy: it passes on a clean change and fails, naming the file, on each kind of
# violation (format, banner, a clang-tidy finding in a changed file).
#   check_style_test.sh REPO_ROOT     (exit 77: clang-format-19 or clang-tidy-19 missing)
set -euo pipefail
repo=$(cd "${1:?usage: check_style_test.sh REPO_ROOT}" && pwd)
for tool in clang-format-19 clang-tidy-19 git; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
check="$repo/scripts/check-style.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
git init -q -b main .
git config user.email test@example.invalid
git config user.name check-style-test
cp "$repo/.clang-format" "$repo/.clang-tidy" .
cat >good.cpp <<'CPP'
// A file that follows every rule.
static int answer() { return 42; }

int main() { return answer() == 42 ? 0 : 1; }
CPP
git add . && git commit -q -m base
git checkout -q -b change
mkdir build
echo "[{\"directory\": \"$tmp\", \"file\": \"$tmp/named.cpp\", \"command\": \"c++ -std=c++17 -c $tmp/named.cpp\"}]" \
  >build/compile_commands.json
export MESHC_BUILD_DIR=$tmp/build

failures=0
# expect STATUS PATTERN ARGS...: check-style exits with STATUS and its output matches PATTERN.
expect() {
  local want=$1 pattern=$2 out rc=0
  shift 2
  out=$("$check" -C "$tmp" "$@" 2>&1) || rc=$?
  if [ "$rc" -ne "$want" ] || ! grep -qE -- "$pattern" <<<"$out"; then
    echo "FAIL: check-style $* exited $rc (want $want), output should match '$pattern':"
    echo "$out"
    failures=$((failures + 1))
  fi
}

expect 0 '== clang-format: 1 files formatted' --no-tidy
expect 0 'no changed C\+\+ files'

printf '// Badly formatted.\nint  bad( ){return 1;}\n' >bad.cpp
git add bad.cpp
expect 1 '^  bad.cpp$' --no-tidy
git rm -q -f bad.cpp

printf '//===- old.cpp - The old banner ---===//\nstatic int old() { return 1; }\n' >old.cpp
git add old.cpp
expect 1 'banners: 1 files do not start.*' --no-tidy
git rm -q -f old.cpp

printf '// A variable named against the naming rule.\nstatic int Bad_Name = 1;\n\nint main() { return Bad_Name; }\n' >named.cpp
git add named.cpp
expect 1 "named.cpp:2:12: warning: invalid case style for variable 'Bad_Name'"
printf '// A variable named by the naming rule.\nstatic int goodName = 1;\n\nint main() { return goodName; }\n' >named.cpp
expect 0 '== clang-tidy: clean'

if [ $failures -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "check-style: every case as expected"
