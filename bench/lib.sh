# Shared by the benchmarks (bench/diff.sh, bench/sync.sh, bench/watch.sh,
# bench/render.sh, bench/scale.sh); sourced from the repository root after
# `set -euo pipefail`, not run.
#
#   bench_build            release build (or $GITSYNC_BIN); sets $bin
#   bench_cluster          temporary $work (removed on exit) and a throwaway
#                          local cluster in it (stopped on exit, also when this
#                          shell dies); sets $kcfg, the array kubectl, and
#                          apiserver_ms
#   gen_objects DIR CHANGED [NS_PREFIX]
#                          write the 1,000 benchmark objects into DIR
#   gen_sized DIR N CHANGED [NS_PREFIX]
#                          N objects of 9 kinds, a CRD's among them
#   wait_deployments_settled
#   median                 of the numbers on stdin, one a line

bench_build() {
  # GITSYNC_BIN: a release binary built already (no build here).
  if [[ -n "${GITSYNC_BIN:-}" ]]; then
    bin=$GITSYNC_BIN
    return
  fi
  cargo build --release --quiet
  bin=${CARGO_TARGET_DIR:-$PWD/target}/release/gitsync
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

# gen_sized DIR N CHANGED [NS_PREFIX]: write a repository of N objects and a
# CRD (00-crd.yaml, Widgets of bench.example.com): Namespaces of 100 (one
# Namespace, then ConfigMaps, Secrets via stringData, Services, Deployments
# with replicas: 0, ServiceAccounts, Roles, RoleBindings, Widgets and
# ConfigMaps again, in turn), files of 11 documents; all labelled app=bench
# and variant=a. With CHANGED=1 every 20th object of a Namespace has
# variant=b: 5% of the set. The first ConfigMap of each Namespace is also
# labelled sample=yes (1%), for a benchmark to change in the cluster.
gen_sized() {
  local repo=$1 n=$2 changed=$3 p=${4:-ns-}
  rm -rf "$repo"
  mkdir -p "$repo"
  cat >"$repo/00-crd.yaml" <<'CRD'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.bench.example.com
  labels: {app: bench}
spec:
  group: bench.example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: {type: integer}
                color: {type: string}
CRD
  awk -v n="$n" -v changed="$changed" -v p="$p" -v repo="$repo" '
    function meta(kind, name, ns, j,   v, s) {
      v = (changed && j % 20 == 0) ? "b" : "a"
      s = (j == 0) ? ", sample: \"yes\"" : ""
      return sprintf("metadata:\n  name: %s\n  namespace: %s\n  labels: {app: bench, variant: %s%s}\n", name, ns, v, s)
    }
    BEGIN {
      spaces = int((n + 99) / 100)
      nsfile = repo "/00-namespaces.yaml"
      for (s = 0; s < spaces; s++) {
        printf "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s%d\n  labels: {app: bench}\n", p, s > nsfile
        ns = p s
        system("mkdir -p " repo "/" ns)
        count = (s < spaces - 1) ? 99 : n - 100 * s - 1
        for (j = 0; j < count; j++) {
          f = repo "/" ns "/part-" int(j / 11) ".yaml"
          i = s "-" j
          k = j % 9
          printf "---\n" > f
          if (k == 0 || k == 8)
            printf "apiVersion: v1\nkind: ConfigMap\n%sdata:\n  key: value-%s\n  other: |\n    multi\n    line\n", meta("ConfigMap", "cm-" i, ns, j), i > f
          else if (k == 1)
            printf "apiVersion: v1\nkind: Secret\n%stype: Opaque\nstringData:\n  password: pw-%s\n", meta("Secret", "secret-" i, ns, j), i > f
          else if (k == 2)
            printf "apiVersion: v1\nkind: Service\n%sspec:\n  selector: {app: web-%s}\n  ports:\n    - port: 80\n      targetPort: 8080\n", meta("Service", "svc-" i, ns, j), i > f
          else if (k == 3)
            printf "apiVersion: apps/v1\nkind: Deployment\n%sspec:\n  replicas: 0\n  selector:\n    matchLabels: {app: web-%s}\n  template:\n    metadata:\n      labels: {app: web-%s}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n          resources: {requests: {cpu: 100m, memory: 64Mi}}\n", meta("Deployment", "web-" i, ns, j), i, i > f
          else if (k == 4)
            printf "apiVersion: v1\nkind: ServiceAccount\n%s", meta("ServiceAccount", "sa-" i, ns, j) > f
          else if (k == 5)
            printf "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\n%srules:\n  - apiGroups: [\"\"]\n    resources: [configmaps]\n    verbs: [get, list, watch]\n", meta("Role", "role-" i, ns, j) > f
          else if (k == 6)
            printf "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\n%sroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: role-%s\nsubjects:\n  - kind: ServiceAccount\n    name: sa-%s\n    namespace: %s\n", meta("RoleBinding", "rb-" i, ns, j), i, i, ns > f
          else
            printf "apiVersion: bench.example.com/v1\nkind: Widget\n%sspec:\n  size: %d\n  color: blue\n", meta("Widget", "widget-" i, ns, j), j > f
          if (j % 11 == 10 || j == count - 1) close(f)
        }
      }
    }'
}
