#!/usr/bin/env bash
# Benchmark: `gitsync render`, median wall time of several runs, release
# build, of
#   - 10,000 mixed documents (Deployments, Services, ConfigMaps) in 1,000
#     files of 10, and the same documents as one stream in one file;
#   - 100,000 small ConfigMaps in 1,000 files of 100, and as one file.
# Goals on the project's 2-core machine: 10,000 documents in under 0.5 s;
# one stream no more than 1.5x the time of the same documents in many files.
# Not a test: run it by hand and copy the table into the README.
#
#   bench/render.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-7}

source bench/lib.sh
bench_build

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 10,000 mixed documents, 1,000 files of 10.
mkdir -p "$work/mixed-files" "$work/mixed-one"
for f in $(seq -w 0 999); do
  {
    for d in $(seq 0 9); do
      i="$f-$d"
      case $((d % 3)) in
        0) printf -- '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%s\n  namespace: ns-%s\n  labels: {app: bench, tier: "%s"}\ndata:\n  key: value-%s\n  other: |\n    multi\n    line\n' "$i" $((10#$f % 10)) "$d" "$i" ;;
        1) printf -- '---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-%s\n  namespace: ns-%s\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: web-%s}\n  template:\n    metadata:\n      labels: {app: web-%s}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n          resources: {requests: {cpu: 100m, memory: 64Mi}}\n' "$i" $((10#$f % 10)) "$i" "$i" ;;
        2) printf -- '---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc-%s\n  namespace: ns-%s\nspec:\n  selector: {app: web-%s}\n  ports:\n    - port: 80\n      targetPort: 8080\n' "$i" $((10#$f % 10)) "$i" ;;
      esac
    done
  } >"$work/mixed-files/file-$f.yaml"
done
cat "$work"/mixed-files/*.yaml >"$work/mixed-one/all.yaml"

# 100,000 small ConfigMaps (the mixed set would pass the 20 MiB file
# limit), 1,000 files of 100 and one file.
mkdir -p "$work/small-files" "$work/small-one"
awk -v dir="$work/small-files" 'BEGIN {
  for (i = 0; i < 100000; i++) {
    f = sprintf("%s/file-%03d.yaml", dir, int(i / 100))
    printf "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\n  namespace: ns-%d\ndata:\n  key: value-%d\n", i, i % 10, i >f
    if (i % 100 == 99) close(f)
  }
}'
cat "$work"/small-files/*.yaml >"$work/small-one/all.yaml"

time_ms() {
  local s e
  s=$(date +%s%N)
  "$@" >/dev/null
  e=$(date +%s%N)
  echo $(((e - s) / 1000000))
}

# row LABEL REPO [FLAGS...]: one table row; sets $ms.
row() {
  local label=$1 repo=$2 docs rss_kb cpu bytes
  shift 2
  docs=$("$bin" render --repo "$repo" -o json | grep -c '"apiVersion"' || true)
  ms=$(for _ in $(seq "$runs"); do time_ms "$bin" render --repo "$repo" "$@"; done | median)
  # Peak RSS and CPU time of one more run: CPU time says what the run
  # costs even when other work on the machine stretches the wall time.
  read -r rss_kb cpu < <({ /usr/bin/time -f '%M %U %S' "$bin" render --repo "$repo" "$@" >/dev/null; } 2>&1 | tail -1 | awk '{ print $1, int(($2 + $3) * 1000) }')
  bytes=$(cat "$repo"/*.yaml | wc -c)
  echo "| $label | $docs | $(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }') MiB | ${ms} ms | ${cpu} ms | $((rss_kb / 1024)) MB |"
}

echo
echo "| what | documents | input | median of $runs | CPU time | peak RSS |"
echo "|---|---|---|---|---|---|"
row '`gitsync render`, 1,000 files of 10' "$work/mixed-files"
mixed_files=$ms
row '`gitsync render -o json`, 1,000 files of 10' "$work/mixed-files" -o json
row '`gitsync render`, the same in one file' "$work/mixed-one"
mixed_one=$ms
row '`gitsync render`, 1,000 files of 100 small ConfigMaps' "$work/small-files"
small_files=$ms
row '`gitsync render`, the same in one file' "$work/small-one"
small_one=$ms
echo
awk -v a="$mixed_one" -v b="$mixed_files" -v c="$small_one" -v d="$small_files" \
  'BEGIN { printf "one file / many files: %.2fx (10,000 mixed), %.2fx (100,000 small)\n", a / b, c / d }'
