#!/usr/bin/env bash
# Benchmark: a fleet of 100 targets of 100 objects each, generated from
# gitsync.yaml `clusters:` and one app, over 4 local API servers (25
# namespaces as inventory clusters on each; 61 ConfigMaps, 20
# ServiceAccounts and 19 Services a target). The app's rollout has three
# steps: the canary cluster, then 10%, then the rest.
#   first     sync --all-targets of the whole fleet (10,000 objects created)
#   diff      a one-line change (one ConfigMap value per target) and
#             `diff --all-targets` (exit 1), median of RUNS
#   rollout   `sync --all-targets` of that change through the three steps
#   watch     `watch --all-targets` over the 100 targets: its RSS once every
#             target is synced and it has idled 20 s, and the requests it
#             made to the API servers in the next 30 s that are not watches
#             (from the audit logs)
# Release build; --parallel-targets 8. Goals (issue #31): diff <= 10 s,
# rollout <= 60 s, idle RSS <= 150 MB and no requests but watches while idle.
# Peers are not run here (no server of theirs is installed); README cites
# their published fleet figures. Not a test: run it by hand and copy the
# table into the README. Needs what scripts/local-cluster needs, and a few
# GB of memory for 4 clusters.
#
#   bench/fleet.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}

. bench/lib.sh
bench_build
work=$(mktemp -d)
clusters=(c0 c1 c2 c3)
daemon_pid=
cleanup() {
  if [[ -n "$daemon_pid" ]]; then kill -KILL "$daemon_pid" 2>/dev/null || true; fi
  for c in "${clusters[@]}"; do scripts/local-cluster down "$work/$c" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

kubeconfigs=()
for c in "${clusters[@]}"; do
  scripts/local-cluster up "$work/$c" --context "$c" --nodes 1 --stop-with-pid $$ >/dev/null
  kubeconfigs+=("$work/$c/kubeconfig")
done
export KUBECONFIG
KUBECONFIG=$(IFS=:; echo "${kubeconfigs[*]}")

repo=$work/repo
mkdir -p "$repo/app"
{
  echo "clusters:"
  for i in $(seq 0 99); do
    env=prod
    ((i == 0)) && env=canary
    printf '  - {name: t%02d, context: c%d, labels: {env: %s}, vars: {ns: fleet-%02d}}\n' "$i" $((i % 4)) "$env" "$i"
  done
  cat <<'YAML'
apps:
  - name: web
    path: app
    namespace: ${ns}
    clusters: {}
    rollout:
      steps:
        - {clusters: {matchLabels: {env: canary}}}
        - {percent: 10}
        - {}
YAML
} >"$repo/gitsync.yaml"
gen_app() {
  local release=$1 i
  {
    for i in $(seq 0 60); do
      v=value-$i
      ((i == 0)) && v=$release
      printf -- '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%s\ndata:\n  key: "%s"\n  cluster: "${cluster.name}"\n' "$i" "$v"
    done
    for i in $(seq 0 19); do printf -- '---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa-%s\n' "$i"; done
    for i in $(seq 0 18); do
      printf -- '---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc-%s\nspec:\n  selector: {app: web-%s}\n  ports: [{port: 80}]\n' "$i" "$i"
    done
  } >"$repo/app/app.yaml"
}
# Each target's namespace exists first, as an operator makes it (its
# ApplySet parent and write Lease live there).
for i in $(seq 0 99); do
  printf -- '---\napiVersion: v1\nkind: Namespace\nmetadata: {name: fleet-%02d}\n' "$i" >>"$work/ns-c$((i % 4)).yaml"
done
for c in "${clusters[@]}"; do
  kubectl --kubeconfig "$work/$c/kubeconfig" apply -f "$work/ns-$c.yaml" >/dev/null
done
git_() { git -C "$repo" -c user.name=bench -c user.email=bench@example.com "$@"; }
gen_app release-1
git_ init -q
git_ add -A
git_ commit -qm "release 1"

now_ms() { date +%s%3N; }
gs() { "$bin" --repo "$repo" --no-progress --parallel-targets 8 "$@"; }

t0=$(now_ms)
gs sync --all-targets --timeout 5m >/dev/null
first=$(($(now_ms) - t0))

gen_app release-2
git_ commit -qam "release 2: one line"
diffs=()
for _ in $(seq "$runs"); do
  t0=$(now_ms)
  set +e
  gs diff --all-targets >/dev/null
  rc=$?
  set -e
  [[ $rc == 1 ]] || { echo "diff exited $rc, not 1" >&2; exit 1; }
  diffs+=($(($(now_ms) - t0)))
done
diff_ms=$(printf '%s\n' "${diffs[@]}" | median)

t0=$(now_ms)
gs sync --all-targets --timeout 5m >/dev/null
rollout=$(($(now_ms) - t0))
# Every target now runs release 2.
for c in "${clusters[@]}"; do
  n=$(kubectl --kubeconfig "$work/$c/kubeconfig" get configmap -A --field-selector metadata.name=cm-0 -o jsonpath='{range .items[*]}{.data.key}{"\n"}{end}' | grep -c release-2)
  [[ $n == 25 ]] || { echo "$c: $n of 25 targets at release 2" >&2; exit 1; }
done

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" --repo "$repo" watch --all-targets --interval 60s --listen "127.0.0.1:$port" 2>"$work/watch.log" &
daemon_pid=$!
for _ in $(seq 1200); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
  sleep 0.1
done
curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { echo "watch never ready" >&2; tail "$work/watch.log" >&2; exit 1; }
sleep 20
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$daemon_pid/status")
declare -A before
for c in "${clusters[@]}"; do before[$c]=$(wc -l <"$work/$c/audit.log"); done
sleep 30
idle=0
for c in "${clusters[@]}"; do
  n=$(tail -n +"$((before[$c] + 1))" "$work/$c/audit.log" |
    python3 -c 'import json,sys
n=0
for l in sys.stdin:
    try: e=json.loads(l)
    except Exception: continue
    if e.get("userAgent","").startswith("gitsync") and e.get("verb")!="watch" and e.get("stage")=="ResponseComplete": n+=1
print(n)')
  idle=$((idle + n))
done

echo
echo "| 100 targets × 100 objects, 4 API servers | gitsync |"
echo "|---|---|"
echo "| first sync of the fleet (10,000 objects) | $((first / 1000)).$(((first % 1000) / 100)) s |"
echo "| \`diff --all-targets\` after a one-line change (median of $runs) | $((diff_ms / 1000)).$(((diff_ms % 1000) / 100)) s |"
echo "| rollout of that change, 3 steps (\`sync --all-targets\`) | $((rollout / 1000)).$(((rollout % 1000) / 100)) s |"
echo "| \`watch\` over the 100 targets, idle RSS | $((rss_kb / 1024)) MB |"
echo "| requests other than watches while idle (30 s) | $idle |"
