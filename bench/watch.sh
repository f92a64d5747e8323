#!/usr/bin/env bash
# Benchmark: `gitsync watch` holding the same 1,000 objects as bench/diff.sh
# and bench/sync.sh (10 Namespaces, then ConfigMaps, Secrets, Services,
# Deployments with replicas: 0, ServiceAccounts, Roles and RoleBindings),
# committed to a git repository the daemon polls as file://DIR every 5 s, on
# a throwaway local cluster, release build. Two measurements, once the first
# sync is done (/readyz ok), the deployment controller has settled and the
# daemon has gone quiet:
#   idle     60 s with nothing changing: the daemon's CPU time
#            (utime+stime, /proc/PID/stat) over the window, its RSS at the
#            end (VmRSS) and its peak RSS so far (VmHWM, the first sync
#            included); the API server's CPU over the window beside it;
#   latency  EDITS times (default 20) one ConfigMap (a different one each
#            time) gets its data.key patched by `kubectl patch`; the time
#            from the patched value to Git's value again, both seen on one
#            `kubectl get --watch` stream of the benchmark's ConfigMaps and
#            stamped by the shell as the lines arrive (resolution: a few ms
#            of event delivery, not kubectl's ~100 ms start-up, which is
#            reported apart); edits ~1 s apart, each after the last revert.
# The daemon then gets SIGTERM and must exit 0. Its log (RUST_LOG=
# gitsync=info) splits each revert into patched -> "drift detected" (watch
# event, 100 ms debounce, plan of the objects the event named) -> "drift
# reverted" (the apply).
# Goals: drift-to-revert p50 <= 2 s, p95 <= 5 s; idle RSS <= 60 MB.
# Not a test: run it by hand and copy the table into the README. Needs
# kubectl, curl, git and what scripts/local-cluster needs.
#
#   bench/watch.sh [EDITS]
#
# With WATCH_LOG=FILE, the daemon's log is copied to FILE at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
edits=${1:-20}

. bench/lib.sh
bench_build
bench_cluster

daemon_pid=
watcher_pid=
# Stop what this script started (the cluster goes with bench_cleanup).
watch_cleanup() {
  [[ -n "$watcher_pid" ]] && kill "$watcher_pid" 2>/dev/null || true
  if [[ -n "$daemon_pid" ]] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -TERM "$daemon_pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$daemon_pid" 2>/dev/null || true
  fi
  if [[ -n "${WATCH_LOG:-}" && -f "$work/daemon.log" ]]; then cp "$work/daemon.log" "$WATCH_LOG"; fi
  bench_cleanup
}
trap watch_cleanup EXIT
trap 'exit 130' INT TERM

# The repository the daemon polls.
repo=$work/repo
gen_objects "$repo" 0
git -C "$repo" init -q
git -C "$repo" add -A
git -C "$repo" -c user.name=bench -c user.email=bench@example.com commit -q -m "1,000 objects"
objects=$(cat "$repo"/*.yaml "$repo"/*/*.yaml | grep -c '^kind:' || true)
configmaps=$(cat "$repo"/*/*.yaml | grep -c '^kind: ConfigMap' || true)

# cpu_ticks PID: utime+stime so far (all threads), in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# status_kb PID FIELD: VmRSS or VmHWM, in kB.
status_kb() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"; }
# api_requests: every request the API server has counted (all clients).
api_requests() {
  "${kubectl[@]}" get --raw /metrics | awk '/^apiserver_request_total[{ ]/ {s += $NF} END {printf "%d\n", s}'
}
# percentile P: nearest rank, of the numbers on stdin, one a line.
percentile() { sort -n | awk -v p="$1" '{a[NR]=$1} END {r = int((NR * p + 99) / 100); if (r < 1) r = 1; print a[r]}'; }
# epoch_of RFC3339: seconds since the epoch, microseconds included.
epoch_of() { date -u -d "$1" +%s.%6N; }

# 1. The daemon, until its first sync is done.
export GITSYNC_CACHE_DIR=$work/cache
RUST_LOG=gitsync=info NO_COLOR=1 "$bin" watch --repo "file://$repo" --kubeconfig "$kcfg" \
  --name bench-watch --interval 5s --listen 127.0.0.1:0 2>"$work/daemon.log" >/dev/null &
daemon_pid=$!
s=$(date +%s%N)
addr=
ready=0
for _ in $(seq 1200); do
  kill -0 "$daemon_pid" 2>/dev/null || { echo "error: gitsync watch exited early:" >&2; tail -20 "$work/daemon.log" >&2; exit 1; }
  [[ -z "$addr" ]] && addr=$(sed -nE 's/.*http server up.*listen=([0-9.]+:[0-9]+).*/\1/p' "$work/daemon.log" | head -1)
  if [[ -n "$addr" && "$(curl -s "http://$addr/readyz" || true)" == ok ]]; then
    ready=1
    break
  fi
  sleep 0.1
done
((ready)) || { echo "error: /readyz not ok after 120 s:" >&2; tail -20 "$work/daemon.log" >&2; exit 1; }
first_sync_ms=$((($(date +%s%N) - s) / 1000000))

# 2. Settled: the deployment controller is done, and the daemon (its health
# round, its watch streams starting) has used under 50 ms of CPU in 2 s.
wait_deployments_settled
for _ in $(seq 30); do
  t0=$(cpu_ticks "$daemon_pid")
  sleep 2
  (($(cpu_ticks "$daemon_pid") - t0 <= hz / 20)) && break
done
sleep 5

# 3. Idle: 60 s with nothing changing.
c0=$(cpu_ticks "$daemon_pid")
a0=$(apiserver_ms)
q0=$(api_requests)
sleep 60
c1=$(cpu_ticks "$daemon_pid")
a1=$(apiserver_ms)
q1=$(api_requests)
idle_rss_kb=$(status_kb "$daemon_pid" VmRSS)
idle_hwm_kb=$(status_kb "$daemon_pid" VmHWM)
idle_anon_kb=$(status_kb "$daemon_pid" RssAnon)
idle_file_kb=$(status_kb "$daemon_pid" RssFile)
idle_threads=$(status_kb "$daemon_pid" Threads)
idle_cpu=$(awk -v t=$((c1 - c0)) -v hz="$hz" 'BEGIN {printf "%.2f", t / hz / 60 * 100}')
idle_cpu_ms=$(((c1 - c0) * 1000 / hz))

# 4. Latency. One watch stream on the benchmark's ConfigMaps, each line
# "namespace/name value", stamped on arrival ($EPOCHREALTIME, no fork).
stamp() { while IFS= read -r line; do echo "$EPOCHREALTIME $line"; done; }
"${kubectl[@]}" get configmaps -A -l app=bench --watch \
  -o jsonpath='{.metadata.namespace}/{.metadata.name} {.data.key}{"\n"}' \
  > >(stamp >"$work/events") 2>"$work/watch.err" &
watcher_pid=$!
# The initial listing (one line per ConfigMap) shows the stream is up.
for _ in $(seq 300); do
  (($(wc -l <"$work/events") >= configmaps)) && break
  sleep 0.1
done
(($(wc -l <"$work/events") >= configmaps)) || { echo "error: kubectl get --watch shows no ConfigMaps:" >&2; cat "$work/watch.err" >&2; exit 1; }
sleep 1

# seen KEY VALUE AFTER: the stamp of the first event line for KEY with
# VALUE stamped after AFTER, if any.
seen() { awk -v k="$1" -v v="$2" -v after="$3" '$2 == k && $3 == v && $1 > after {print $1; exit}' "$work/events"; }

: >"$work/latency"
failed=0
for i in $(seq 0 $((edits - 1))); do
  n=$((i % 10))
  k=$((i / 10 % 15))
  key="ns-$n/cm-$n-$k"
  want="value-$n-$k"
  drift="drift-$i-$(date +%s%N)"
  t_cmd=$EPOCHREALTIME
  "${kubectl[@]}" patch configmap "cm-$n-$k" -n "ns-$n" --type merge \
    -p "{\"data\":{\"key\":\"$drift\"}}" >/dev/null
  t_patched= t_reverted=
  for _ in $(seq 3000); do # 60 s
    [[ -z "$t_patched" ]] && t_patched=$(seen "$key" "$drift" 0)
    [[ -n "$t_patched" ]] && t_reverted=$(seen "$key" "$want" "$t_patched")
    [[ -n "$t_reverted" ]] && break
    sleep 0.02
  done
  if [[ -z "$t_reverted" ]]; then
    echo "warning: edit $i ($key): not reverted within 60 s (patched value seen: ${t_patched:-no})" >&2
    failed=$((failed + 1))
    continue
  fi
  # edit key t_cmd t_patched t_reverted latency_ms from_cmd_ms
  awk -v i="$i" -v key="$key" -v c="$t_cmd" -v p="$t_patched" -v r="$t_reverted" \
    'BEGIN {printf "%d %s %s %s %s %d %d\n", i, key, c, p, r, (r - p) * 1000, (r - c) * 1000}' >>"$work/latency"
  sleep 1
done
kill "$watcher_pid" 2>/dev/null || true
watcher_pid=

hwm_kb=$(status_kb "$daemon_pid" VmHWM)
end_rss_kb=$(status_kb "$daemon_pid" VmRSS)

# 5. SIGTERM: the daemon must exit 0.
kill -TERM "$daemon_pid"
rc=0
for _ in $(seq 400); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$daemon_pid" 2>/dev/null; then
  echo "warning: gitsync watch still running 40 s after SIGTERM" >&2
  rc=timeout
else
  wait "$daemon_pid" || rc=$?
fi
daemon_pid=
[[ "$rc" == 0 ]] || echo "warning: gitsync watch exited $rc after SIGTERM, expected 0" >&2
sed 's/\x1b\[[0-9;]*m//g' "$work/daemon.log" >"$work/daemon.txt"
errors=$(grep -cE ' (ERROR|WARN) ' "$work/daemon.txt" | tr -d ' ' || true)

# Where the time goes, from the daemon's log: patched (seen on the stream)
# -> "drift detected" -> "drift reverted" -> reverted (seen on the stream).
: >"$work/split"
while read -r i key _ p r _; do
  name=${key#*/}
  det=$(grep -E "drift detected.*[ /]$name( |\$)" "$work/daemon.txt" | awk '{print $1}' | while read -r ts; do
    e=$(epoch_of "$ts")
    awk -v e="$e" -v p="$p" 'BEGIN {exit !(e >= p - 0.5)}' && { echo "$e"; break; }
  done || true)
  rev=$(grep -E "drift reverted.*[ /]$name( |\$)" "$work/daemon.txt" | awk '{print $1}' | while read -r ts; do
    e=$(epoch_of "$ts")
    awk -v e="$e" -v p="$p" 'BEGIN {exit !(e >= p - 0.5)}' && { echo "$e"; break; }
  done || true)
  [[ -n "$det" && -n "$rev" ]] || continue
  awk -v p="$p" -v d="$det" -v v="$rev" -v r="$r" \
    'BEGIN {printf "%d %d %d\n", (d - p) * 1000, (v - d) * 1000, (r - v) * 1000}' >>"$work/split"
done <"$work/latency"

lat() { cut -d' ' -f"$1" "$work/latency"; }
mb() { awk -v kb="$1" 'BEGIN {printf "%.1f MB", kb / 1024}'; }
measured=$(wc -l <"$work/latency")
ok() { awk -v v="$1" -v g="$2" 'BEGIN {print (v <= g ? "met" : "missed")}'; }
if ((measured > 0)); then
  p50=$(lat 6 | percentile 50)
  p95=$(lat 6 | percentile 95)
  max=$(lat 6 | sort -n | tail -1)
else
  p50=NA p95=NA max=NA
fi
echo
echo "| measure | value | goal |"
echo "|---|---|---|"
echo "| drift-to-revert p50 ($measured edits) | $p50 ms | ≤ 2000 ms ($(ok "$p50" 2000)) |"
echo "| drift-to-revert p95 | $p95 ms | ≤ 5000 ms ($(ok "$p95" 5000)) |"
echo "| drift-to-revert max | $max ms | – |"
echo "| idle CPU (60 s) | $idle_cpu % ($idle_cpu_ms ms CPU) | – |"
echo "| idle RSS (VmRSS at the end of the idle window) | $(mb "$idle_rss_kb") | ≤ 60 MB ($(ok "$idle_rss_kb" $((60 * 1024)))) |"
echo "| peak RSS (VmHWM, first sync of $objects objects included) | $(mb "$hwm_kb") | – |"
echo
echo "first sync to /readyz: $first_sync_ms ms; after the idle window VmHWM $(mb "$idle_hwm_kb"), of VmRSS: RssAnon $(mb "$idle_anon_kb"), RssFile $(mb "$idle_file_kb") (binary and libraries), $idle_threads threads; VmRSS after the edits $(mb "$end_rss_kb")"
echo "idle window: API server CPU $((a1 - a0)) ms, $((q1 - q0)) API requests counted by the API server (all clients, kube-controller-manager included) ($(nproc) cores)"
if ((measured > 0)); then
  echo "from just before \`kubectl patch\` (its start-up included): p50 $(lat 7 | percentile 50) ms, p95 $(lat 7 | percentile 95) ms"
fi
if [[ -s "$work/split" ]]; then
  sp() { cut -d' ' -f"$1" "$work/split" | median; }
  echo "medians over $(wc -l <"$work/split") edits, from the daemon's log: patched -> drift detected $(sp 1) ms (watch event, 100 ms debounce, plan of the objects named), detected -> reverted $(sp 2) ms (apply), reverted -> seen on the stream $(sp 3) ms"
fi
echo "daemon: exit $rc after SIGTERM, $errors WARN/ERROR log lines (drift detected is a WARN: $edits expected); $failed edits not reverted"
