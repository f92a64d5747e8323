#!/usr/bin/env bash
# Benchmark: `gitsync diff` against `kubectl diff --server-side` on the same
# 1,000 objects (10 Namespaces, then ConfigMaps, Secrets, Services,
# Deployments, ServiceAccounts, Roles and RoleBindings spread evenly over
# them; 91 files of several documents; Secrets written with stringData), on a
# throwaway local cluster, release build. The objects are synced first by
# gitsync (so they are members of its ApplySet, as in real use), then 100 of
# them (10%) are changed in the files, so both tools diff against an applied
# state and both find changes (exit 1). kubectl diffs as its own field
# manager, forcing conflicts: it then reports exactly the changed objects.
# Runs are interleaved after one untimed warm-up each; median wall time,
# peak RSS the largest of the timed runs (/usr/bin/time %M).
# Goals: gitsync at least 15x faster than kubectl, peak RSS at most 100 MB.
# Not a test: run it by hand and copy the table into the README. Needs
# kubectl and what scripts/local-cluster needs.
#
#   bench/diff.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}

. bench/lib.sh
bench_build
bench_cluster

repo=$work/repo
gen_objects "$repo" 0
objects=$(cat "$repo"/*.yaml "$repo"/*/*.yaml | grep -c '^kind:' || true)
"$bin" sync --repo "$repo" --kubeconfig "$kcfg" --no-wait -q >/dev/null
wait_deployments_settled
gen_objects "$repo" 2

gitsync_cmd=("$bin" diff --repo "$repo" --kubeconfig "$kcfg")
kubectl_cmd=("${kubectl[@]}" diff --server-side --force-conflicts -R -f "$repo")

# run NAME CMD...: one run; appends "ms rss_kb apiserver_cpu_ms" to
# $work/NAME.runs, keeps its stdout in $work/NAME.out; warns unless it exits
# 1 (changes found).
run() {
  local name=$1 s e a0 a1 rc=0
  shift
  a0=$(apiserver_ms)
  s=$(date +%s%N)
  /usr/bin/time -f '%M' -o "$work/$name.rss" "$@" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
  e=$(date +%s%N)
  a1=$(apiserver_ms)
  if ((rc != 1)); then
    echo "warning: $name exited $rc, expected 1 (changes found):" >&2
    grep -v '^Command exited' "$work/$name.err" | head -5 >&2 || true
  fi
  echo "$(((e - s) / 1000000)) $(tail -1 "$work/$name.rss") $((a1 - a0))" >>"$work/$name.runs"
}

# Warm-up (discovery caches, API server) and the change counts.
run gitsync-json "${gitsync_cmd[@]}" -o json
run kubectl-warm "${kubectl_cmd[@]}"
gitsync_changed=$(jq '[.summary.create, .summary.adopt, .summary.update, .summary.delete] | add' "$work/gitsync-json.out" 2>/dev/null ||
  python3 -c 'import json,sys; s=json.load(sys.stdin)["summary"]; print(s["create"]+s["update"]+s["delete"])' <"$work/gitsync-json.out" 2>/dev/null ||
  echo '?')
kubectl_changed=$(grep -c '^diff -u -N' "$work/kubectl-warm.out" || true)
if [[ "$gitsync_changed" != "$kubectl_changed" ]]; then
  echo "warning: gitsync reports $gitsync_changed changed objects, kubectl $kubectl_changed; only in gitsync (<) or kubectl (>):" >&2
  # Both as kubectl names its files: group.version.Kind[.namespace].name
  jq -r '.changes[] | select(.action != "unchanged")
    | [(.apiVersion | gsub("/"; ".")), .kind, .namespace, .name] | map(select(. != null)) | join(".")' \
    "$work/gitsync-json.out" 2>/dev/null | sort >"$work/gitsync.changed" || true
  grep '^diff -u -N' "$work/kubectl-warm.out" | sed 's#.*/##' | sort >"$work/kubectl.changed" || true
  diff "$work/gitsync.changed" "$work/kubectl.changed" | grep '^[<>]' | head -10 >&2 || true
fi

rm -f "$work"/*.runs
for _ in $(seq "$runs"); do
  run gitsync "${gitsync_cmd[@]}"
  run kubectl "${kubectl_cmd[@]}"
  c=$(grep -c '^diff -u -N' "$work/kubectl.out" || true)
  [[ "$c" == "$kubectl_changed" ]] || echo "warning: kubectl reported $c changed objects this run, $kubectl_changed before" >&2
done

gitsync_ms=$(cut -d' ' -f1 "$work/gitsync.runs" | median)
kubectl_ms=$(cut -d' ' -f1 "$work/kubectl.runs" | median)
gitsync_kb=$(cut -d' ' -f2 "$work/gitsync.runs" | sort -n | tail -1)
kubectl_kb=$(cut -d' ' -f2 "$work/kubectl.runs" | sort -n | tail -1)
gitsync_api=$(cut -d' ' -f3 "$work/gitsync.runs" | median)
kubectl_api=$(cut -d' ' -f3 "$work/kubectl.runs" | median)

echo
echo "| tool | objects | median of $runs | peak RSS |"
echo "|---|---|---|---|"
echo "| \`gitsync diff\` | $objects ($gitsync_changed changed) | ${gitsync_ms} ms | $((gitsync_kb / 1024)) MB |"
echo "| \`kubectl diff --server-side\` | $objects ($kubectl_changed changed) | ${kubectl_ms} ms | $((kubectl_kb / 1024)) MB |"
echo
awk -v g="$gitsync_ms" -v k="$kubectl_ms" 'BEGIN {printf "gitsync is %.1fx faster than kubectl (goal: 15x)\n", k / (g > 0 ? g : 1)}'
echo "API server CPU per run (median): gitsync ${gitsync_api} ms, kubectl ${kubectl_api} ms ($(nproc) cores)"
