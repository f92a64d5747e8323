#!/usr/bin/env bash
# Benchmark: how gitsync grows with the size of the set, and how it compares
# with Flux's apply engine and kubectl. Release build; every size on a
# throwaway local cluster of its own, so that no size is timed on a cluster
# the previous one filled.
#
# The objects (gen_sized in bench/lib.sh): N of them in Namespaces of 100 (one
# Namespace and 99 ConfigMaps, Secrets via stringData, Services, Deployments
# with replicas: 0, ServiceAccounts, Roles, RoleBindings and Widgets, custom
# resources of a CRD that is in the repository too), files of 11 documents.
# Services are one in nine, which keeps 20,000 objects well inside the local
# cluster's Service range.
#
# Table 1, for each size in SIZES (default "1000 5000 10000 20000"), from a
# git repository of the objects:
#   first sync   `gitsync sync --no-wait` creating everything;
#   no-op sync   the same again;
#   bare LISTs   bench/peers -mode lists: only the LISTs a diff makes (one
#                per type and namespace, paged by 500, 16 at a time), each
#                decoded, after reading the files (the ratio is also given
#                against the LISTs' own time): the floor under a diff;
#   diff 5%      `gitsync diff` with one object in 20 changed in the files
#                (a label), then the files restored;
#   drift        `gitsync drift` after `kubectl label` changed one object in
#                100 in the cluster;
# each with wall time, peak RSS (/usr/bin/time %M), the API requests the API
# server counted meanwhile (apiserver_request_total, every client: the
# controller-manager's share is small once it has settled) and the API
# server's CPU time, and the wall time per 1,000 objects, which should stay
# flat as the set grows.
#
# Table 2 (PEERS_SIZE objects, default 1000; PEERS=0 skips it), on one
# more cluster: gitsync, Flux's engine (bench/peers: fluxcd/pkg/ssa's
# ResourceManager as kustomize-controller drives it) and kubectl
# (`apply --server-side` / `diff --server-side`), each in Namespaces of its
# own, interleaved: sync creating everything, no-op sync, diff with 5%
# changed, sync with 5% changed. The CRD is applied beforehand (kubectl,
# untimed) since the three share it. One run each. Each tool's count of
# changed objects is printed beside it, so that a tool skipping work shows.
#
# Goals (#19): diff 1k with 5% changed >= 15x faster than kubectl and >= 3x
# faster than Flux's engine; 10k: no-op diff <= 3 s, peak RSS <= 250 MB,
# and <= 1.3x the bare LISTs; 20k completes with flat per-object cost.
# Not a test: run it by hand and copy the tables into the README. Needs
# kubectl, git, Go (to build bench/peers) and what scripts/local-cluster
# needs. The watch drift-to-revert latency is bench/watch.sh's.
#
#   SIZES="1000 5000" bench/scale.sh     (SIZES=" ": the peers table only)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${SIZES:-1000 5000 10000 20000}
peers_size=${PEERS_SIZE:-1000}

. bench/lib.sh
bench_build

work=$(mktemp -d)
clusters=()
scale_cleanup() {
  local c
  for c in "${clusters[@]}"; do scripts/local-cluster down "$c" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap scale_cleanup EXIT
trap 'exit 130' INT TERM
hz=$(getconf CLK_TCK)

# The peer: built into target/ unless it is already newer than its sources.
peers=$PWD/target/bench-peers/peers
if [[ ! -x "$peers" || -n "$(find bench/peers -newer "$peers" -type f)" ]]; then
  mkdir -p "$(dirname "$peers")"
  (cd bench/peers && go build -o "$peers" .)
fi

# cluster NAME: a fresh cluster; sets kcfg, kubectl and apiserver_pid.
cluster() {
  scripts/local-cluster up "$work/$1" --stop-with-pid $$ >/dev/null
  clusters+=("$work/$1")
  kcfg=$work/$1/kubeconfig
  kubectl=(kubectl --kubeconfig "$kcfg" --cache-dir "$work/kube-cache-$1")
  apiserver_pid=$(cat "$work/$1/kube-apiserver.pid")
}
api_requests() {
  "${kubectl[@]}" get --raw /metrics | awk '/^apiserver_request_total[{ ]/ {s += $NF} END {printf "%d\n", s}'
}

# measure NAME WANT_RC CMD...: one timed run; sets ms, rss_mb, reqs, api_ms
# and keeps stdout in $work/NAME.out.
measure() {
  local name=$1 want=$2 s e a0 q0 rc=0
  shift 2
  q0=$(api_requests)
  a0=$(apiserver_ms)
  s=$(date +%s%N)
  /usr/bin/time -f '%M' -o "$work/$name.rss" "$@" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
  e=$(date +%s%N)
  api_ms=$(($(apiserver_ms) - a0))
  # The /metrics request itself is one; not the tool's.
  reqs=$(($(api_requests) - q0 - 1))
  ms=$(((e - s) / 1000000))
  rss_mb=$(($(tail -1 "$work/$name.rss") / 1024))
  if [[ "$rc" != "$want" ]]; then
    echo "warning: $name exited $rc, expected $want:" >&2
    grep -v '^Command exited' "$work/$name.err" | head -5 >&2 || true
  fi
}

# gitsync's count of changed objects, from `-o json` or its summary line.
gitsync_sync_counts() { sed -nE 's/^([0-9]+) applied, ([0-9]+) deleted, ([0-9]+) unchanged, ([0-9]+) failed.*/\1 applied, \3 unchanged, \4 failed/p' "$1" | tail -1; }
gitsync_diff_counts() { jq -r '.summary | "\(.create + .adopt) create, \(.update) update, \(.delete) delete"' "$1" 2>/dev/null || echo '?'; }

scale_row() { # phase objects
  awk -v p="$1" -v n="$2" -v ms="$ms" -v rss="$rss_mb" -v q="$reqs" -v a="$api_ms" \
    'BEGIN {printf "| %s | %d | %d ms | %d MB | %d | %d ms | %.0f ms |\n", p, n, ms, rss, q, a, ms * 1000 / n}' >>"$work/scale.table"
}

: >"$work/scale.table"
for n in $sizes; do
  echo "scale: $n objects" >&2
  cluster "c$n"
  repo=$work/repo-$n
  gen_sized "$repo" "$n" 0 "s-"
  git -C "$repo" init -q
  git -C "$repo" add -A
  git -C "$repo" -c user.name=bench -c user.email=bench@example.com commit -q -m "$n objects"
  objects=$(cat "$repo"/*.yaml "$repo"/*/*.yaml | grep -c '^kind:' || true)
  g=("$bin" --kubeconfig "$kcfg")

  measure "sync-$n" 0 "${g[@]}" sync --repo "$repo" --no-wait --timeout 30m
  scale_row "first sync ($(gitsync_sync_counts "$work/sync-$n.out"))" "$objects"
  wait_deployments_settled
  measure "noop-$n" 0 "${g[@]}" sync --repo "$repo" --no-wait --timeout 30m
  scale_row "no-op sync ($(gitsync_sync_counts "$work/noop-$n.out"))" "$objects"
  measure "noopdiff-$n" 0 "${g[@]}" diff --repo "$repo" -o json
  scale_row "no-op diff" "$objects"
  noopdiff_ms=$ms
  # The floor under any diff: the same LISTs, nothing else (bench/peers).
  measure "lists-$n" 0 "$peers" -kubeconfig "$kcfg" -mode lists -concurrency 16 -qps 100000 -burst 100000 "$repo"
  scale_row "bare LISTs ($(cat "$work/lists-$n.out"))" "$objects"
  echo "$n $noopdiff_ms $ms $(awk '{print $NF}' "$work/lists-$n.out")" >>"$work/lists.ratio"

  # Over the work tree (gen_sized starts from an empty directory).
  gen_sized "$work/changed" "$n" 1 "s-"
  cp -a "$work/changed/." "$repo/"
  measure "diff-$n" 1 "${g[@]}" diff --repo "$repo" -o json
  scale_row "diff, 5% changed ($(gitsync_diff_counts "$work/diff-$n.out"))" "$objects"
  git -C "$repo" checkout -q -- .

  # The first ConfigMap of every Namespace (sample=yes): 1% of the set.
  "${kubectl[@]}" label configmaps -A -l sample=yes variant=drifted --overwrite >/dev/null
  measure "drift-$n" 1 "${g[@]}" drift --repo "$repo" -o json
  drifted=$(jq -r '.summary.drifted' "$work/drift-$n.out" 2>/dev/null || echo '?')
  scale_row "drift ($drifted drifted)" "$objects"

  scripts/local-cluster down "$work/c$n" >/dev/null 2>&1 || true
done

if [[ "${PEERS:-1}" != 0 ]]; then
  echo "peers: $peers_size objects" >&2
  cluster peers
  # Each tool's own Namespaces; the CRD alone, applied first.
  for t in g f k; do gen_sized "$work/p$t" "$peers_size" 0 "$t-"; done
  mv "$work/pg/00-crd.yaml" "$work/crd.yaml"
  rm -f "$work/pf/00-crd.yaml" "$work/pk/00-crd.yaml"
  "${kubectl[@]}" apply --server-side -f "$work/crd.yaml" >/dev/null
  "${kubectl[@]}" wait --for condition=established --timeout 60s -f "$work/crd.yaml" >/dev/null
  objects=$(cat "$work/pg"/*.yaml "$work/pg"/*/*.yaml | grep -c '^kind:' || true)
  gitsync_sync=("$bin" --kubeconfig "$kcfg" sync --repo "$work/pg" --no-wait --timeout 30m)
  gitsync_diff=("$bin" --kubeconfig "$kcfg" diff --repo "$work/pg" -o json)
  flux=("$peers" -kubeconfig "$kcfg")
  kubectl_sync=("${kubectl[@]}" apply --server-side --force-conflicts -R -f "$work/pk")
  kubectl_diff=("${kubectl[@]}" diff --server-side --force-conflicts -R -f "$work/pk")

  : >"$work/peers.table"
  peers_row() { # phase tool changes
    printf '| %s | %s | %s | %d ms | %d MB | %d | %d ms |\n' "$1" "$2" "$3" "$ms" "$rss_mb" "$reqs" "$api_ms" >>"$work/peers.table"
    echo "$1 $2 $ms" >>"$work/peers.ms"
  }
  # One phase of all three tools: PHASE then, for each tool, its command's
  # expected exit code.
  phase() {
    local p=$1 sync=$2 rc=$3
    if [[ $sync == sync ]]; then
      measure "$p-g" "$rc" "${gitsync_sync[@]}"
      peers_row "$p" gitsync "$(gitsync_sync_counts "$work/$p-g.out")"
      measure "$p-f" "$rc" "${flux[@]}" -mode apply "$work/pf"
      peers_row "$p" "Flux ssa" "$(cat "$work/$p-f.out")"
      measure "$p-k" "$rc" "${kubectl_sync[@]}"
      peers_row "$p" kubectl "$(grep -c 'serverside-applied' "$work/$p-k.out" || true) applied"
    else
      measure "$p-g" "$rc" "${gitsync_diff[@]}"
      peers_row "$p" gitsync "$(gitsync_diff_counts "$work/$p-g.out")"
      measure "$p-f" "$rc" "${flux[@]}" -mode diff "$work/pf"
      peers_row "$p" "Flux ssa" "$(cat "$work/$p-f.out")"
      measure "$p-k" "$rc" "${kubectl_diff[@]}"
      peers_row "$p" kubectl "$(grep -c '^diff -u -N' "$work/$p-k.out" || true) differ"
    fi
    wait_deployments_settled
  }
  phase "sync, create" sync 0
  phase "sync, no-op" sync 0
  phase "diff, no-op" diff 0
  for t in g f k; do gen_sized "$work/p$t" "$peers_size" 1 "$t-"; done
  rm -f "$work"/p?/00-crd.yaml
  phase "diff, 5% changed" diff 1
  phase "sync, 5% changed" sync 0
fi

if [[ -s "$work/scale.table" ]]; then
  echo
  echo "| phase | objects | wall | peak RSS | API requests | API server CPU | wall per 1,000 |"
  echo "|---|---|---|---|---|---|---|"
  cat "$work/scale.table"
fi
if [[ -s "$work/lists.ratio" ]]; then
  echo
  awk '{printf "no-op diff / bare LISTs at %d objects: %.2fx the whole LIST client, %.2fx its LISTs alone (%d ms; goal <= 1.3x)\n", $1, $2 / $3, $2 / $4, $4}' "$work/lists.ratio"
fi
if [[ -s "$work/peers.table" ]]; then
  echo
  echo "| phase ($objects objects) | tool | changes it reports | wall | peak RSS | API requests | API server CPU |"
  echo "|---|---|---|---|---|---|---|"
  cat "$work/peers.table"
  echo
  for p in "diff, 5% changed" "diff, no-op" "sync, create" "sync, no-op" "sync, 5% changed"; do
    awk -v p="$p" 'index($0, p " ") == 1 {n = split($0, w, " "); ms[w[n - 1] == "ssa" ? "flux" : w[n - 1]] = w[n]}
      END {printf "%s: kubectl/gitsync %.1fx, Flux/gitsync %.1fx\n", p, ms["kubectl"] / ms["gitsync"], ms["flux"] / ms["gitsync"]}' "$work/peers.ms"
  done
fi
echo "($(nproc) cores, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
