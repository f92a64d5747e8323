#!/usr/bin/env bash
# Benchmark: `gitsync diff` over 4 targets on 4 local clusters (500 objects
# each: 5 Namespaces of 99 objects and the Namespaces, from gen_objects'
# first half) at once (--all-targets, --parallel-targets 4) against the same
# 4 targets one at a time (--target NAME, one process after the other).
# Every target is synced first and then changed (5%), so each diff finds
# changes (exit 1). Release build; median wall time of interleaved runs.
# Not a test: run it by hand and copy the table into the README. Needs
# what scripts/local-cluster needs; 4 clusters want a few GB of memory.
#
#   bench/multi.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}

. bench/lib.sh
bench_build
work=$(mktemp -d)
clusters=(c0 c1 c2 c3)
cleanup() {
  for c in "${clusters[@]}"; do scripts/local-cluster down "$work/$c" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

kubeconfigs=()
for c in "${clusters[@]}"; do
  scripts/local-cluster up "$work/$c" --context "$c" --nodes 1 --stop-with-pid $$ >/dev/null
  kubeconfigs+=("$work/$c/kubeconfig")
done
export KUBECONFIG
KUBECONFIG=$(IFS=:; echo "${kubeconfigs[*]}")

# The repository: one directory of 500 objects per target (gen_objects
# writes 10 Namespaces; the first 5 and their objects are kept).
repo=$work/repo
mkdir -p "$repo"
{
  echo "targets:"
  for c in "${clusters[@]}"; do
    printf '  - name: %s\n    path: %s\n    cluster: {context: %s}\n' "$c" "$c" "$c"
  done
} >"$repo/gitsync.yaml"
write_targets() {
  local c changed=$1
  for c in "${clusters[@]}"; do
    rm -rf "$repo/$c"
    gen_objects "$repo/$c" "$changed" "$c-ns-"
    rm -rf "$repo/$c"/"$c"-ns-[5-9]
    for n in 0 1 2 3 4; do
      printf -- '---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s-ns-%s\n  labels: {app: bench}\n' "$c" "$n"
    done >"$repo/$c/00-namespaces.yaml"
  done
}
write_targets 0
"$bin" sync --repo "$repo" --all-targets --no-wait -q >/dev/null
write_targets 1
objects=$(cat "$repo/c0"/*.yaml "$repo/c0"/*/*.yaml 2>/dev/null | grep -c '^kind:' || true)

run() {
  local name=$1 s e
  shift
  s=$(date +%s%N)
  "$@"
  e=$(date +%s%N)
  echo $(((e - s) / 1000000)) >>"$work/$name.runs"
}
concurrent() { "$bin" diff --repo "$repo" --all-targets --parallel-targets 4 -q >/dev/null || (($? == 1)); }
sequential() {
  local c
  for c in "${clusters[@]}"; do
    "$bin" diff --repo "$repo" --target "$c" -q >/dev/null || (($? == 1))
  done
}
concurrent
sequential # warm-up
for ((i = 0; i < runs; i++)); do
  run concurrent concurrent
  run sequential sequential
done
c=$(median <"$work/concurrent.runs")
s=$(median <"$work/sequential.runs")
echo
echo "diff, 4 clusters x $objects objects, median of $runs runs ($(nproc) CPUs)"
echo
echo "| run | wall time |"
echo "|---|---|"
echo "| \`diff --all-targets\` (4 at once) | ${c} ms |"
echo "| \`diff --target\` one after another | ${s} ms |"
echo "| ratio | $(awk -v a="$s" -v b="$c" 'BEGIN {printf "%.2fx", a / b}') |"
