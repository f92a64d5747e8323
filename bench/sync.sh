#!/usr/bin/env bash
# Benchmark: `gitsync sync` against `kubectl apply --server-side` on the same
# 1,000 objects as bench/diff.sh (10 Namespaces, then ConfigMaps, Secrets,
# Services, Deployments with replicas: 0, ServiceAccounts, Roles and
# RoleBindings spread evenly over them; 91 files of several documents), on a
# throwaway local cluster, release build. Two phases:
#   create  each run applies the objects into 10 namespaces of its own
#           (ns-g<run>-N for gitsync, ns-k<run>-N for kubectl), so every run
#           really creates 1,000 objects;
#   no-op   the same command again on what that run just applied.
# Then that set's namespaces are deleted (and waited for) before the next
# set is created, so that every set is timed on a cluster of the same size.
# gitsync runs with --no-wait (kubectl apply does not wait either) and its
# own ApplySet per run (--name bench-<run>); one more create with waiting is
# reported for information. Each timed command starts once the deployment
# controller is done with every Deployment. Runs are interleaved after one
# untimed warm-up of each command; median wall time, peak RSS the largest of
# the timed runs (/usr/bin/time %M). Exit codes (0 expected) and the objects
# found in the cluster afterwards are checked.
# Goals: gitsync at least 5x faster than kubectl on create, 10x on no-op.
# Not a test: run it by hand and copy the table into the README. Needs
# kubectl and what scripts/local-cluster needs.
#
#   bench/sync.sh [RUNS]
#
# With SYNC_TRACE=FILE, one more create and no-op of gitsync run at the end
# with RUST_LOG=gitsync=debug; their stderr goes to FILE, each line prefixed
# with the milliseconds since the command started.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}

. bench/lib.sh
bench_build
bench_cluster

# Each run's repositories: same objects, different namespace names.
for r in $(seq 0 "$runs"); do
  gen_objects "$work/g$r" 0 "ns-g$r-"
  gen_objects "$work/k$r" 0 "ns-k$r-"
done
objects=$(cat "$work/g0"/*.yaml "$work/g0"/*/*.yaml | grep -c '^kind:' || true)

# count PREFIX: objects labelled app=bench in the namespaces PREFIX*,
# the namespaces included.
count() {
  local ns in
  ns=$("${kubectl[@]}" get namespaces -l app=bench -o name | grep -c "^namespace/$1" || true)
  in=$("${kubectl[@]}" get cm,secret,svc,deploy,sa,role,rolebinding -A -l app=bench --no-headers \
    -o custom-columns=NS:.metadata.namespace | grep -c "^$1" || true)
  echo $((ns + in))
}

# check NAME PHASE: what the last run of NAME says it did.
check() {
  local name=$1 phase=$2 want got
  case $name in
    gitsync*)
      # "N applied, N deleted, N unchanged, N failed, ..."
      got=$(sed -nE 's/^([0-9]+) applied, ([0-9]+) deleted, ([0-9]+) unchanged, ([0-9]+) failed.*/\1 applied, \3 unchanged, \4 failed/p' "$work/$name.out" | tail -1)
      if [[ $phase == create ]]; then want="$objects applied, 0 unchanged, 0 failed"; else want="0 applied, $objects unchanged, 0 failed"; fi
      ;;
    kubectl*)
      # one "kind/name serverside-applied" line per object, also when unchanged
      got="$(grep -c 'serverside-applied$' "$work/$name.out" || true) applied"
      want="$objects applied"
      ;;
  esac
  [[ "$got" == "$want" ]] || echo "warning: $name $phase: says '$got', expected '$want'" >&2
}

# run NAME PHASE CMD...: one run, once the Deployments are settled; appends
# "ms rss_kb apiserver_cpu_ms" to $work/NAME-PHASE.runs, keeps its stdout in
# $work/NAME.out; warns unless it exits 0 and says it did what PHASE means.
run() {
  local name=$1 phase=$2 s e a0 a1 rc=0
  shift 2
  wait_deployments_settled
  a0=$(apiserver_ms)
  s=$(date +%s%N)
  /usr/bin/time -f '%M' -o "$work/$name.rss" "$@" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
  e=$(date +%s%N)
  a1=$(apiserver_ms)
  if ((rc != 0)); then
    echo "warning: $name $phase exited $rc, expected 0:" >&2
    grep -v '^Command exited' "$work/$name.err" | tail -5 >&2 || true
  fi
  check "$name" "$phase"
  echo "$(((e - s) / 1000000)) $(tail -1 "$work/$name.rss") $((a1 - a0))" >>"$work/$name-$phase.runs"
}

# drop_sets: delete every benchmark namespace and wait until it is gone: the
# local cluster's Service range (10.0.0.0/24) holds one set's 140 Services,
# not two, and a Service the range cannot hold fails with a 500 that gitsync
# retries, which would be timed.
drop_sets() { "${kubectl[@]}" delete namespaces -l app=bench --wait=true --timeout=300s >/dev/null; }

# verify PREFIX: warns unless the cluster holds the whole set there.
verify() {
  local c
  c=$(count "$1")
  [[ "$c" == "$objects" ]] || echo "warning: $c objects in namespaces $1*, expected $objects" >&2
}

# Run 0 is the warm-up (discovery caches, API server), runs 1..RUNS count.
for r in $(seq 0 "$runs"); do
  gitsync_cmd=("$bin" sync --repo "$work/g$r" --kubeconfig "$kcfg" --no-wait --name "bench-$r")
  kubectl_cmd=("${kubectl[@]}" apply --server-side --field-manager=kubectl-bench -R -f "$work/k$r")
  run gitsync create "${gitsync_cmd[@]}"
  run gitsync noop "${gitsync_cmd[@]}"
  verify "ns-g$r-"
  drop_sets
  run kubectl create "${kubectl_cmd[@]}"
  run kubectl noop "${kubectl_cmd[@]}"
  verify "ns-k$r-"
  drop_sets
  if ((r == 0)); then rm -f "$work"/*.runs; fi
done

# For information: one create that waits until healthy (Deployments with no
# replicas are available as soon as the controller has seen them).
gen_objects "$work/gw" 0 "ns-gw-"
wait_deployments_settled
s=$(date +%s%N)
rc=0
/usr/bin/time -f '%M' -o "$work/wait.rss" "$bin" sync --repo "$work/gw" --kubeconfig "$kcfg" --timeout 120s --name bench-wait \
  >"$work/wait.out" 2>"$work/wait.err" || rc=$?
e=$(date +%s%N)
wait_ms=$(((e - s) / 1000000))
wait_kb=$(tail -1 "$work/wait.rss")
((rc == 0)) || { echo "warning: gitsync sync (waiting) exited $rc, expected 0:" >&2; tail -5 "$work/wait.err" >&2; }
verify ns-gw-
drop_sets

if [[ -n "${SYNC_TRACE:-}" ]]; then
  : >"$SYNC_TRACE"
  gen_objects "$work/gt" 0 "ns-gt-"
  for phase in create noop; do
    wait_deployments_settled
    echo "### gitsync sync --no-wait, $phase, RUST_LOG=gitsync=debug" >>"$SYNC_TRACE"
    s=$(date +%s%N)
    RUST_LOG=gitsync=debug "$bin" sync --repo "$work/gt" --kubeconfig "$kcfg" --no-wait --name bench-trace 2>&1 >/dev/null |
      while IFS= read -r line; do echo "$((($(date +%s%N) - s) / 1000000)) $line"; done >>"$SYNC_TRACE" || true
    echo "$((($(date +%s%N) - s) / 1000000)) (end)" >>"$SYNC_TRACE"
  done
fi

col() { cut -d' ' -f"$2" "$work/$1.runs"; }
echo
echo "| phase | tool | objects | median of $runs | peak RSS |"
echo "|---|---|---|---|---|"
for phase in create noop; do
  label=$phase
  [[ $phase == noop ]] && label=no-op
  for tool in gitsync kubectl; do
    case $tool in
      gitsync) what='`gitsync sync --no-wait`' ;;
      kubectl) what='`kubectl apply --server-side`' ;;
    esac
    echo "| $label | $what | $objects | $(col "$tool-$phase" 1 | median) ms | $(($(col "$tool-$phase" 2 | sort -n | tail -1) / 1024)) MB |"
  done
done
echo
for phase in create noop; do
  g=$(col "gitsync-$phase" 1 | median)
  k=$(col "kubectl-$phase" 1 | median)
  goal=5
  [[ $phase == noop ]] && goal=10
  awk -v p="$phase" -v g="$g" -v k="$k" -v goal="$goal" \
    'BEGIN {printf "%s: gitsync is %.1fx faster than kubectl (goal: %dx)\n", p, k / (g > 0 ? g : 1), goal}'
  echo "$phase: API server CPU per run (median): gitsync $(col "gitsync-$phase" 3 | median) ms, kubectl $(col "kubectl-$phase" 3 | median) ms ($(nproc) cores)"
done
echo "create with waiting until healthy (\`gitsync sync\`, 1 run): ${wait_ms} ms, exit $rc, $((wait_kb / 1024)) MB"
