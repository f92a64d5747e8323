#!/usr/bin/env bash
# Benchmark: `gitsync diff` against `kubectl diff --server-side` on the same
# 1,000 objects (10 Namespaces, then ConfigMaps, Secrets, Services,
# Deployments, ServiceAccounts, Roles and RoleBindings spread evenly over
# them; 91 files of several documents), on a throwaway local cluster, release
# build. The objects are applied first (server-side, field manager gitsync),
# then 50 of them (5%) are changed in the files, so both tools diff against
# an applied state and both find changes (exit 1).
# Runs are interleaved after one untimed warm-up each; median wall time,
# peak RSS the largest of the timed runs (/usr/bin/time %M).
# Goals: gitsync at least 10x faster than kubectl, peak RSS at most 100 MB.
# Not a test: run it by hand and copy the table into the README. Needs
# kubectl and what scripts/local-cluster needs.
#
#   bench/diff.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}

cargo build --release --quiet
bin=$PWD/target/release/gitsync

work=$(mktemp -d)
cleanup() {
  scripts/local-cluster down "$work/cluster" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
scripts/local-cluster up "$work/cluster" --stop-with-pid $$ >/dev/null
kcfg=$work/cluster/kubeconfig
kubectl=(kubectl --kubeconfig "$kcfg" --cache-dir "$work/kube-cache")

# gen CHANGED: write the repository; with CHANGED=1, 5 objects per namespace
# differ (2 ConfigMap values, 2 Deployment replica counts, 1 Service label).
repo=$work/repo
gen() {
  local changed=$1 n f d j k i v r l
  rm -rf "$repo"
  mkdir -p "$repo"
  for n in $(seq 0 9); do
    printf -- '---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-%s\n  labels: {app: bench}\n' "$n"
  done >"$repo/00-namespaces.yaml"
  for n in $(seq 0 9); do
    mkdir -p "$repo/ns-$n"
    for f in $(seq 0 8); do
      {
        for d in $(seq 0 10); do
          j=$((f * 11 + d)) # 0..98 in this namespace
          k=$((j / 7))      # index within the kind
          i="$n-$k"
          case $((j % 7)) in
            0)
              v="value-$i"
              ((changed && k < 2)) && v="changed-$i"
              printf -- '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%s\n  namespace: ns-%s\n  labels: {app: bench}\ndata:\n  key: %s\n  other: |\n    multi\n    line\n' "$i" "$n" "$v"
              ;;
            1) printf -- '---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: secret-%s\n  namespace: ns-%s\n  labels: {app: bench}\ntype: Opaque\ndata:\n  password: %s\n' "$i" "$n" "$(printf 'pw-%s' "$i" | base64)" ;;
            2)
              l=a
              ((changed && k < 1)) && l=b
              printf -- '---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc-%s\n  namespace: ns-%s\n  labels: {app: bench, variant: %s}\nspec:\n  selector: {app: web-%s}\n  ports:\n    - port: 80\n      targetPort: 8080\n' "$i" "$n" "$l" "$i"
              ;;
            3)
              r=0
              ((changed && k < 2)) && r=1
              printf -- '---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-%s\n  namespace: ns-%s\n  labels: {app: bench}\nspec:\n  replicas: %s\n  selector:\n    matchLabels: {app: web-%s}\n  template:\n    metadata:\n      labels: {app: web-%s}\n    spec:\n      serviceAccountName: sa-%s\n      containers:\n        - name: web\n          image: nginx:1.27\n          ports: [{containerPort: 8080}]\n          resources: {requests: {cpu: 100m, memory: 64Mi}}\n' "$i" "$n" "$r" "$i" "$i" "$i"
              ;;
            4) printf -- '---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa-%s\n  namespace: ns-%s\n  labels: {app: bench}\n' "$i" "$n" ;;
            5) printf -- '---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: role-%s\n  namespace: ns-%s\n  labels: {app: bench}\nrules:\n  - apiGroups: [""]\n    resources: [configmaps]\n    verbs: [get, list, watch]\n' "$i" "$n" ;;
            6) printf -- '---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: rb-%s\n  namespace: ns-%s\n  labels: {app: bench}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: role-%s\nsubjects:\n  - kind: ServiceAccount\n    name: sa-%s\n    namespace: ns-%s\n' "$i" "$n" "$i" "$i" "$n" ;;
          esac
        done
      } >"$repo/ns-$n/part-$f.yaml"
    done
  done
}

gen 0
objects=$(cat "$repo"/*.yaml "$repo"/*/*.yaml | grep -c '^kind:' || true)
"${kubectl[@]}" apply --server-side --field-manager=gitsync -R -f "$repo" >/dev/null
# Wait for the deployment controller to finish with every Deployment (it
# adds an annotation): a change landing mid-run would be counted by a tool
# that LISTs first and dry-runs later but not by one that GETs per object.
settled=0
for _ in $(seq 180); do
  pending=$("${kubectl[@]}" get deployments -A -o jsonpath='{range .items[*]}{.metadata.generation}/{.status.observedGeneration}{"\n"}{end}' | awk -F/ '$1 != $2' | wc -l)
  if ((pending == 0)); then
    settled=1
    break
  fi
  sleep 1
done
((settled)) || echo "warning: $pending Deployments still not observed by the controller after 180 s" >&2
gen 1

gitsync_cmd=("$bin" diff --repo "$repo" --kubeconfig "$kcfg")
kubectl_cmd=("${kubectl[@]}" diff --server-side --field-manager=gitsync --force-conflicts -R -f "$repo")

# CPU time (ms) the API server has used so far: on a small machine it is
# what bounds both tools, so it is reported next to the table.
apiserver_pid=$(cat "$work/cluster/kube-apiserver.pid")
hz=$(getconf CLK_TCK)
apiserver_ms() { awk -v hz="$hz" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$apiserver_pid/stat"; }

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
gitsync_changed=$(jq '[.summary.create, .summary.update, .summary.delete] | add' "$work/gitsync-json.out" 2>/dev/null ||
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

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
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
awk -v g="$gitsync_ms" -v k="$kubectl_ms" 'BEGIN {printf "gitsync is %.1fx faster than kubectl (goal: 10x)\n", k / (g > 0 ? g : 1)}'
echo "API server CPU per run (median): gitsync ${gitsync_api} ms, kubectl ${kubectl_api} ms ($(nproc) cores)"
