#!/usr/bin/env bash
# Benchmark: from pushing a pull-request ref to its preview healthy, under
# `gitsync watch --previews --interval 2s`, on a throwaway local cluster,
# release build. The app has 20 objects: a Deployment with one replica
# (its Pod runs on a kwok node, so health waits for a real rollout), a
# Service, 4 ServiceAccounts and 14 ConfigMaps; the repository is a bare
# remote read as file://.
#   open     PRS times (default 10) a new ref refs/pull/N/head is pushed
#            (a commit changing one ConfigMap); the time from the push to
#            the preview namespace's gitsync.io/preview-health annotation
#            saying Healthy for that commit.
#   update   each of those pull requests gets a second commit pushed; the
#            time until its namespace records that commit as Healthy.
#   close    the refs are deleted; the time until each namespace is gone
#            or being deleted.
# Polled with kubectl every 100 ms (its start-up, ~100 ms, is in the
# numbers). Goal: open p50 <= 6 s. No peer does this without a forge API
# (Argo CD's pull-request generator needs GitHub's), so gitsync alone.
# Not a test: run it by hand and copy the table into the README. Needs
# kubectl, git and what scripts/local-cluster needs.
#
#   bench/preview.sh [PRS]
set -euo pipefail
cd "$(dirname "$0")/.."
prs=${1:-10}

. bench/lib.sh
bench_build
bench_cluster

daemon_pid=
preview_cleanup() {
  if [[ -n "$daemon_pid" ]] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -TERM "$daemon_pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$daemon_pid" 2>/dev/null || true
  fi
  bench_cleanup
}
trap preview_cleanup EXIT
trap 'exit 130' INT TERM

repo=$work/repo
bare=$work/remote.git
git_() { git -C "$repo" -c user.name=bench -c user.email=bench@example.com "$@"; }
mkdir -p "$repo/app"
cat >"$repo/gitsync.yaml" <<'YAML'
targets:
  - {name: app, path: app, namespace: bench-base}
previews:
  - name: pr
    refs: "refs/pull/*/head"
    target: app
    namespace: "pr-${preview_number}"
YAML
{
  printf -- '---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: nginx:1.27}]\n'
  printf -- '---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n'
  for i in $(seq 1 4); do printf -- '---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: sa-%s}\n' "$i"; done
  for i in $(seq 1 14); do printf -- '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-%s}\ndata: {value: "base"}\n' "$i"; done
} >"$repo/app/app.yaml"
objects=$(grep -c '^kind:' "$repo/app/app.yaml")
git_ init -q -b main
git_ add -A
git_ commit -q -m "app"
git init -q --bare -b main "$bare"
git_ push -q "$bare" main

"${kubectl[@]}" create namespace bench-base >/dev/null
export GITSYNC_CACHE_DIR=$work/cache
RUST_LOG=gitsync=info NO_COLOR=1 "$bin" watch --repo "file://$bare" --kubeconfig "$kcfg" \
  --target app --previews --interval 2s --listen 127.0.0.1:0 2>"$work/daemon.log" >/dev/null &
daemon_pid=$!
# The base target's first sync, so that the daemon is past its start.
for _ in $(seq 600); do
  grep -q ' synced\|"synced"' "$work/daemon.log" && break
  kill -0 "$daemon_pid" 2>/dev/null || { tail -20 "$work/daemon.log" >&2; exit 1; }
  sleep 0.1
done

# healthy_at NS SHA: once NS records SHA as Healthy.
recorded() {
  "${kubectl[@]}" get namespace "$1" -o 'jsonpath={.metadata.annotations.gitsync\.io/preview-sha} {.metadata.annotations.gitsync\.io/preview-health}' 2>/dev/null || true
}
wait_healthy() {
  for _ in $(seq 1200); do
    [[ "$(recorded "$1")" == "$2 Healthy" ]] && return 0
    sleep 0.1
  done
  echo "error: $1 not healthy at $2 after 120 s" >&2
  tail -20 "$work/daemon.log" >&2
  exit 1
}
wait_closed() {
  for _ in $(seq 1200); do
    local r
    r=$("${kubectl[@]}" get namespace "$1" -o 'jsonpath={.metadata.deletionTimestamp}' 2>/dev/null) || return 0
    [[ -n "$r" ]] && return 0
    sleep 0.1
  done
  echo "error: $1 not closed after 120 s" >&2
  exit 1
}
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

open=()
update=()
close=()
for n in $(seq 1 "$prs"); do
  git_ checkout -q -B "pr$n" main
  sed -i "0,/value: \"base\"/s//value: \"pr-$n\"/" "$repo/app/app.yaml"
  git_ commit -qam "pull request $n"
  sha=$(git_ rev-parse HEAD)
  git_ checkout -q main
  t=$(date +%s%N)
  git_ push -q "$bare" "$sha:refs/pull/$n/head"
  wait_healthy "pr-$n" "$sha"
  open+=("$(ms_since "$t")")
done
for n in $(seq 1 "$prs"); do
  git_ checkout -q "pr$n"
  sed -i "s/value: \"pr-$n\"/value: \"pr-$n-b\"/" "$repo/app/app.yaml"
  git_ commit -qam "pull request $n, again"
  sha=$(git_ rev-parse HEAD)
  git_ checkout -q main
  t=$(date +%s%N)
  git_ push -q -f "$bare" "$sha:refs/pull/$n/head"
  wait_healthy "pr-$n" "$sha"
  update+=("$(ms_since "$t")")
done
for n in $(seq 1 "$prs"); do
  t=$(date +%s%N)
  git_ push -q "$bare" ":refs/pull/$n/head"
  wait_closed "pr-$n"
  close+=("$(ms_since "$t")")
done

stat_row() {
  local what=$1
  shift
  local p50 p95 max
  p50=$(printf '%s\n' "$@" | median)
  p95=$(printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {r = int((NR * 95 + 99) / 100); print a[r]}')
  max=$(printf '%s\n' "$@" | sort -n | tail -1)
  printf '| %s | %s | %s ms | %s ms | %s ms |\n' "$what" "$#" "$p50" "$p95" "$max"
}
echo
echo "previews of a $objects-object app, watch --previews --interval 2s"
echo
echo "| from push to | previews | p50 | p95 | max |"
echo "|---|---|---|---|---|"
stat_row "a new preview healthy" "${open[@]}"
stat_row "an updated preview healthy" "${update[@]}"
stat_row "a closed preview's namespace deleting" "${close[@]}"
kill -TERM "$daemon_pid"
for _ in $(seq 100); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done
wait "$daemon_pid" && echo && echo "daemon exited 0"
