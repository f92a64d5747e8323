#!/usr/bin/env bash
# Benchmark: from `crane tag` of a new version to the Deployment running
# it, under `gitsync watch --image-interval 5s --interval 5s`, on a
# throwaway local cluster with a real registry (`crane registry serve`,
# scripts/registry-tools), release build, the repository a bare remote
# read as file://. The repository has 50 image policies (web-0..web-49):
# web-0 marks a Deployment's image, the others 49 ConfigMaps' values.
#   one      TAGS times (default 5) a new version of web-0 is tagged; the
#            time until the Deployment's image is it (kubectl polled every
#            100 ms, its start-up included).
#   fifty    a new version of all 50 at once; the time until every
#            ConfigMap and the Deployment show it, and how many commits
#            it took (goal: one).
# Goal: one p50 <= 8 s. Flux's image automation needs its controllers in
# the cluster (not run here), Argo CD's Image Updater too: gitsync alone.
# Not a test: run it by hand and copy the table into the README.
#
#   bench/image.sh [TAGS]
set -euo pipefail
cd "$(dirname "$0")/.."
tags=${1:-5}

. bench/lib.sh
bench_build
bench_cluster

tools=$(scripts/registry-tools)
crane=$tools/crane
daemon_pid=
registry_pid=
image_cleanup() {
  for pid in "$daemon_pid" "$registry_pid"; do
    [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true
  done
  bench_cleanup
}
trap image_cleanup EXIT
trap 'exit 130' INT TERM

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
host=127.0.0.1:$port
"$crane" registry serve --address "$host" >/dev/null 2>&1 &
registry_pid=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
tar cf "$work/layer.tar" --files-from /dev/null
for i in $(seq 0 49); do
  "$crane" append -f "$work/layer.tar" -t "$host/web-$i:1.0.0" >/dev/null 2>&1
done

repo=$work/repo
bare=$work/remote.git
mkdir -p "$repo/app"
{
  printf 'targets:\n  - {name: app, path: app, namespace: bench-img}\nimages:\n'
  for i in $(seq 0 49); do printf '  - {name: web-%s, image: %s/web-%s, semver: "^1"}\n' "$i" "$host" "$i"; done
} >"$repo/gitsync.yaml"
printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n        - name: web\n          image: %s/web-0:1.0.0 # {"$imagepolicy": "web-0"}\n' "$host" >"$repo/app/web.yaml"
for i in $(seq 1 49); do
  printf -- '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-%s}\ndata:\n  image: %s/web-%s:1.0.0 # {"$imagepolicy": "web-%s"}\n' "$i" "$host" "$i" "$i"
done >"$repo/app/configmaps.yaml"
git -C "$repo" init -q -b main
git -C "$repo" add -A
git -C "$repo" -c user.name=bench -c user.email=bench@example.com commit -q -m app
git init -q --bare -b main "$bare"
git -C "$repo" push -q "$bare" main
"${kubectl[@]}" create namespace bench-img >/dev/null

export GITSYNC_CACHE_DIR=$work/cache
RUST_LOG=gitsync=info NO_COLOR=1 "$bin" watch --repo "file://$bare" --kubeconfig "$kcfg" \
  --interval 5s --image-interval 5s --listen 127.0.0.1:0 2>"$work/daemon.log" >/dev/null &
daemon_pid=$!

image() { "${kubectl[@]}" get deployment web -n bench-img -o 'jsonpath={.spec.template.spec.containers[0].image}' 2>/dev/null || true; }
wait_image() {
  for _ in $(seq 1200); do
    [[ "$(image)" == "$1" ]] && return 0
    sleep 0.1
  done
  echo "error: the Deployment never ran $1" >&2
  tail -20 "$work/daemon.log" >&2
  exit 1
}
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
wait_image "$host/web-0:1.0.0"

one=()
for n in $(seq 1 "$tags"); do
  t=$(date +%s%N)
  "$crane" tag "$host/web-0:1.0.0" "1.0.$n" >/dev/null 2>&1
  wait_image "$host/web-0:1.0.$n"
  one+=("$(ms_since "$t")")
done

before=$(git --git-dir "$bare" rev-list --count main)
t=$(date +%s%N)
tagging=()
for i in $(seq 0 49); do
  "$crane" tag "$host/web-$i:1.0.0" 1.9.0 >/dev/null 2>&1 &
  tagging+=($!)
done
wait "${tagging[@]}"
all_ok() {
  [[ "$(image)" == "$host/web-0:1.9.0" ]] || return 1
  local n
  n=$("${kubectl[@]}" get configmaps -n bench-img -o 'jsonpath={range .items[*]}{.data.image}{"\n"}{end}' | grep -c ':1.9.0$' || true)
  ((n == 49))
}
for _ in $(seq 1200); do all_ok && break; sleep 0.1; done
all_ok || { echo "error: not all 50 updated" >&2; exit 1; }
fifty_ms=$(ms_since "$t")
commits=$(($(git --git-dir "$bare" rev-list --count main) - before))

p50=$(printf '%s\n' "${one[@]}" | median)
max=$(printf '%s\n' "${one[@]}" | sort -n | tail -1)
echo
echo "watch --image-interval 5s --interval 5s, 50 policies"
echo
echo "| from \`crane tag\` to | runs | p50 | max | commits |"
echo "|---|---|---|---|---|"
printf '| the Deployment's image set (1 policy) | %s | %s ms | %s ms | 1 each |\n' "$tags" "$p50" "$max"
printf '| all 50 updated (50 policies at once) | 1 | %s ms | %s ms | %s |\n' "$fifty_ms" "$fifty_ms" "$commits"
