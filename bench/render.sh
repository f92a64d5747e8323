#!/usr/bin/env bash
# Benchmark: `gitsync render` of 10,000 documents (1,000 files of 10 mixed
# documents each), median wall time of several runs, release build.
# Goal: under 0.5 s on the project's 2-core machine. Not a test: run it by
# hand and copy the table into the README.
#
#   bench/render.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-7}

cargo build --release --quiet
bin=target/release/gitsync

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/repo"
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
  } >"$work/repo/file-$f.yaml"
done

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_ms() {
  local s e
  s=$(date +%s%N)
  "$@" >/dev/null
  e=$(date +%s%N)
  echo $(((e - s) / 1000000))
}

docs=$("$bin" render --repo "$work/repo" -o json | grep -c '"apiVersion"' || true)
text_ms=$(for _ in $(seq "$runs"); do time_ms "$bin" render --repo "$work/repo"; done | median)
json_ms=$(for _ in $(seq "$runs"); do time_ms "$bin" render --repo "$work/repo" -o json; done | median)
rss_kb=$( { /usr/bin/time -f '%M' "$bin" render --repo "$work/repo" >/dev/null; } 2>&1 | tail -1)

echo
echo "| what | documents | median of $runs | peak RSS |"
echo "|---|---|---|---|"
echo "| \`gitsync render\` (YAML) | $docs | ${text_ms} ms | $((rss_kb / 1024)) MB |"
echo "| \`gitsync render -o json\` | $docs | ${json_ms} ms | |"
