# Shared by the benchmarks (bench/diff.sh, bench/sync.sh, bench/watch.sh,
# bench/render.sh); sourced from the repository root after
# `set -euo pipefail`, not run.
#
#   bench_build            release build; sets $bin
#   bench_cluster          temporary $work (removed on exit) and a throwaway
#                          local cluster in it (stopped on exit, also when this
#                          shell dies); sets $kcfg, the array kubectl, and
#                          apiserver_ms
#   gen_objects DIR CHANGED [NS_PREFIX]
#                          write the 1,000 benchmark objects into DIR
#   wait_deployments_settled
#   median                 of the numbers on stdin, one a line

bench_build() {
  cargo build --release --quiet
  bin=$PWD/target/release/gitsync
}

bench_cluster() {
  work=$(mktemp -d)
  trap bench_cleanup EXIT
  scripts/local-cluster up "$work/cluster" --stop-with-pid $$ >/dev/null
  kcfg=$work/cluster/kubeconfig
  kubectl=(kubectl --kubeconfig "$kcfg" --cache-dir "$work/kube-cache")
  apiserver_pid=$(cat "$work/cluster/kube-apiserver.pid")
  hz=$(getconf CLK_TCK)
}
bench_cleanup() {
  scripts/local-cluster down "$work/cluster" >/dev/null 2>&1 || true
  rm -rf "$work"
}

# CPU time (ms) the API server has used so far: on a small machine it is
# what bounds both tools, so it is reported next to the table.
apiserver_ms() { awk -v hz="$hz" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$apiserver_pid/stat"; }

# gen_objects DIR CHANGED [NS_PREFIX]: write the repository, 1,000 objects:
# 10 Namespaces NS_PREFIX0..NS_PREFIX9 (default prefix "ns-"), then in each
# 99 ConfigMaps, Secrets, Services, Deployments (replicas: 0: the benchmarks
# measure applying, not rollouts), ServiceAccounts, Roles and RoleBindings,
# 9 files of 11 documents; every object is labelled app=bench. With CHANGED=c
# (0, 1 or 2), 5c objects per namespace differ (2c ConfigMap values, 2c
# Deployment replica counts, c Service labels): 1 is 5% of the set, 2 is 10%.
gen_objects() {
  local repo=$1 changed=$2 p=${3:-ns-} n f d j k i v r l
  rm -rf "$repo"
  mkdir -p "$repo"
  for n in $(seq 0 9); do
    printf -- '---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s%s\n  labels: {app: bench}\n' "$p" "$n"
  done >"$repo/00-namespaces.yaml"
  for n in $(seq 0 9); do
    mkdir -p "$repo/$p$n"
    for f in $(seq 0 8); do
      {
        for d in $(seq 0 10); do
          j=$((f * 11 + d)) # 0..98 in this namespace
          k=$((j / 7))      # index within the kind
          i="$n-$k"
          case $((j % 7)) in
            0)
              v="value-$i"
              ((k < 2 * changed)) && v="changed-$i"
              printf -- '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%s\n  namespace: %s%s\n  labels: {app: bench}\ndata:\n  key: %s\n  other: |\n    multi\n    line\n' "$i" "$p" "$n" "$v"
              ;;
            1) printf -- '---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: secret-%s\n  namespace: %s%s\n  labels: {app: bench}\ntype: Opaque\nstringData:\n  password: pw-%s\n' "$i" "$p" "$n" "$i" ;;
            2)
              l=a
              ((k < changed)) && l=b
              printf -- '---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc-%s\n  namespace: %s%s\n  labels: {app: bench, variant: %s}\nspec:\n  selector: {app: web-%s}\n  ports:\n    - port: 80\n      targetPort: 8080\n' "$i" "$p" "$n" "$l" "$i"
              ;;
            3)
              r=0
              ((k < 2 * changed)) && r=1
              printf -- '---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-%s\n  namespace: %s%s\n  labels: {app: bench}\nspec:\n  replicas: %s\n  selector:\n    matchLabels: {app: web-%s}\n  template:\n    metadata:\n      labels: {app: web-%s}\n    spec:\n      serviceAccountName: sa-%s\n      containers:\n        - name: web\n          image: nginx:1.27\n          ports: [{containerPort: 8080}]\n          resources: {requests: {cpu: 100m, memory: 64Mi}}\n' "$i" "$p" "$n" "$r" "$i" "$i" "$i"
              ;;
            4) printf -- '---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa-%s\n  namespace: %s%s\n  labels: {app: bench}\n' "$i" "$p" "$n" ;;
            5) printf -- '---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: role-%s\n  namespace: %s%s\n  labels: {app: bench}\nrules:\n  - apiGroups: [""]\n    resources: [configmaps]\n    verbs: [get, list, watch]\n' "$i" "$p" "$n" ;;
            6) printf -- '---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: rb-%s\n  namespace: %s%s\n  labels: {app: bench}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: role-%s\nsubjects:\n  - kind: ServiceAccount\n    name: sa-%s\n    namespace: %s%s\n' "$i" "$p" "$n" "$i" "$i" "$p" "$n" ;;
          esac
        done
      } >"$repo/$p$n/part-$f.yaml"
    done
  done
}

# Wait (up to 180 s) for the deployment controller to finish with every
# Deployment (it adds an annotation and status): a change landing mid-run
# would be counted by a tool that LISTs first and dry-runs later but not by
# one that GETs per object.
wait_deployments_settled() {
  local pending=0
  for _ in $(seq 180); do
    pending=$("${kubectl[@]}" get deployments -A -o jsonpath='{range .items[*]}{.metadata.generation}/{.status.observedGeneration}{"\n"}{end}' | awk -F/ '$1 != $2' | wc -l)
    ((pending == 0)) && return 0
    sleep 1
  done
  echo "warning: $pending Deployments still not observed by the controller after 180 s" >&2
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
