// Command localcluster starts and stops a throwaway local Kubernetes cluster
// for gitsync's tests: etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler, and kwok simulating a few nodes (Pods scheduled to them
// become Running and Ready, Pods of Jobs then Succeeded, as kwok's stages
// say; see scripts/kwok/stages.yaml for the image that fails on purpose).
//
// It uses only the Go standard library; the component binaries are built
// from pinned upstream modules by scripts/local-cluster (or come from
// KUBEBUILDER_ASSETS).
//
// Usage:
//
//	localcluster up DIR --bin-dir BINDIR --kwok PATH --kwok-config FILE... [--nodes 3]
//	                    [--stop-with-pid PID] [--timeout 120s] [--context local]
//	                    [--etcd PATH] [--kube-apiserver PATH] [--kube-controller-manager PATH]
//	                    [--kube-scheduler PATH]
//	localcluster down DIR
//	localcluster stop-apiserver DIR
//	localcluster start-apiserver DIR [--timeout 120s]
//
// Everything lives in DIR: certificates and keys (DIR/pki), etcd data
// (DIR/etcd), logs (DIR/logs/<name>.log), pid files (DIR/<name>.pid), the
// admin kubeconfig (DIR/kubeconfig, context "local" unless --context names
// another; its cluster and user are named after the context too, so that the
// kubeconfigs of several clusters merge: KUBECONFIG=a:b) and DIR/cluster.json
// (ports, binaries, and the kube-apiserver argv that start-apiserver reuses).
//
// stop-apiserver / start-apiserver stop and restart only kube-apiserver of a
// running cluster (etcd, the controller manager, the scheduler, kwok and the
// watchdog keep running), on the same port with the same flags, certificates
// and tokens, so the state in etcd and DIR/kubeconfig stay valid.
package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	etcdName   = "etcd"
	apiName    = "kube-apiserver"
	kcmName    = "kube-controller-manager"
	schedName  = "kube-scheduler"
	kwokName   = "kwok"
	reaperName = "reaper"

	// Service ClusterIPs: a /16 holds 65,534 Services (the scale benchmarks
	// need 20,000). The first address is the kubernetes Service's.
	serviceCIDR     = "10.96.0.0/16"
	kubernetesSvcIP = "10.96.0.1"
	// Pod IPs that kwok hands out, and the address of every simulated node.
	podCIDR = "10.244.0.0/16"
	nodeIP  = "10.240.0.1"
	// Simulated nodes carry this annotation; kwok manages exactly those.
	kwokNodeAnnotation = "kwok.x-k8s.io/node"
	kwokNodeValue      = "fake"
	defaultNodes       = 3
	maxNodes           = 1000
)

// defaultContext names the admin kubeconfig's context unless --context does.
const defaultContext = "local"

// stopOrder is the order in which `down` stops the cluster's processes.
// The reaper goes first so that it does not race with us.
var stopOrder = []string{reaperName, kwokName, schedName, kcmName, apiName, etcdName}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "local-cluster: "+format+"\n", args...)
}

func fatalf(format string, args ...any) {
	logf(format, args...)
	os.Exit(1)
}

func usage() {
	fmt.Fprint(os.Stderr, `usage:
  localcluster up DIR --bin-dir BINDIR --kwok PATH --kwok-config FILE... [--nodes N]
                      [--stop-with-pid PID] [--timeout DURATION] [--context NAME]
                      [--etcd PATH] [--kube-apiserver PATH] [--kube-controller-manager PATH]
                      [--kube-scheduler PATH]
  localcluster down DIR
  localcluster stop-apiserver DIR
  localcluster start-apiserver DIR [--timeout DURATION]
`)
	os.Exit(2)
}

// auditPolicy records every write (who, what, which object), and nothing
// else. Deletes with their request body (the DeleteOptions: the
// preconditions sent); creates, updates and patches with the object the
// server answered (its uid), so that the tests can tell which object a
// delete was of. Managed fields are left out, and so are the bodies of
// writes to Secrets (their data stays out of the log).
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
omitManagedFields: true
rules:
  - level: Request
    verbs: ["delete", "deletecollection"]
  - level: Metadata
    verbs: ["create", "update", "patch"]
    resources: [{group: "", resources: ["secrets"]}]
  - level: RequestResponse
    verbs: ["create", "update", "patch"]
  - level: None
`

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	// A caller that stops reading our stderr must not kill us halfway
	// through starting or stopping processes.
	// (Notify rather than Ignore: an ignored signal would be inherited by the
	// processes we start.)
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	cmd, args := os.Args[1], os.Args[2:]
	switch cmd {
	case "up":
		os.Exit(runUp(args))
	case "down":
		if len(args) != 1 {
			usage()
		}
		dir := absDir(args[0])
		if err := down(dir, false); err != nil {
			fatalf("down: %v", err)
		}
	case "stop-apiserver":
		if len(args) != 1 {
			usage()
		}
		if err := stopAPIServer(absDir(args[0])); err != nil {
			fatalf("stop-apiserver: %v", err)
		}
	case "start-apiserver":
		os.Exit(runStartAPIServer(args))
	case "reap": // hidden: reap DIR PID
		if len(args) != 2 {
			usage()
		}
		pid, err := strconv.Atoi(args[1])
		if err != nil {
			fatalf("reap: bad pid %q", args[1])
		}
		runReaper(absDir(args[0]), pid)
	case "-h", "--help", "help":
		usage()
	default:
		logf("unknown command %q", cmd)
		usage()
	}
}

func absDir(d string) string {
	a, err := filepath.Abs(d)
	if err != nil {
		fatalf("%v", err)
	}
	return filepath.Clean(a)
}

// ---------------------------------------------------------------------------
// up

type upOptions struct {
	dir         string
	binDir      string
	bins        map[string]string
	kwokConfigs []string
	nodes       int
	stopPid     int
	context     string
	timeout     time.Duration
	startedAt   time.Time
}

func parseUpArgs(args []string) (*upOptions, error) {
	o := &upOptions{bins: map[string]string{}, timeout: 120 * time.Second, nodes: defaultNodes, context: defaultContext}
	var positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "--") {
			positional = append(positional, a)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if !hasVal {
			if i+1 >= len(args) {
				return nil, fmt.Errorf("flag --%s needs a value", name)
			}
			i++
			val = args[i]
		}
		switch name {
		case "bin-dir":
			o.binDir = val
		case "stop-with-pid":
			pid, err := strconv.Atoi(val)
			if err != nil || pid <= 0 {
				return nil, fmt.Errorf("--stop-with-pid: bad pid %q", val)
			}
			o.stopPid = pid
		case "timeout":
			d, err := time.ParseDuration(val)
			if err != nil {
				return nil, fmt.Errorf("--timeout: %v", err)
			}
			o.timeout = d
		case "nodes":
			n, err := strconv.Atoi(val)
			if err != nil || n < 0 || n > maxNodes {
				return nil, fmt.Errorf("--nodes: want a number from 0 to %d, got %q", maxNodes, val)
			}
			o.nodes = n
		case "context":
			if !validName(val) {
				return nil, fmt.Errorf("--context: %q is not a name (letters, digits, '-', '_', '.')", val)
			}
			o.context = val
		case "kwok-config":
			p, err := filepath.Abs(val)
			if err != nil {
				return nil, err
			}
			if _, err := os.Stat(p); err != nil {
				return nil, fmt.Errorf("--kwok-config: %v", err)
			}
			o.kwokConfigs = append(o.kwokConfigs, p)
		case etcdName, apiName, kcmName, schedName, kwokName:
			o.bins[name] = val
		default:
			return nil, fmt.Errorf("unknown flag --%s", name)
		}
	}
	if len(positional) != 1 {
		return nil, errors.New("up needs exactly one DIR argument")
	}
	o.dir = absDir(positional[0])
	if len(o.kwokConfigs) == 0 {
		return nil, errors.New("no kwok stages: pass --kwok-config FILE (kwok exits without them)")
	}
	for _, n := range []string{etcdName, apiName, kcmName, schedName, kwokName} {
		if o.bins[n] == "" {
			if o.binDir == "" || n == kwokName {
				return nil, fmt.Errorf("no binary for %s: pass --bin-dir (or --%s)", n, n)
			}
			o.bins[n] = filepath.Join(o.binDir, n)
		}
		p, err := filepath.Abs(o.bins[n])
		if err != nil {
			return nil, err
		}
		if st, err := os.Stat(p); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			return nil, fmt.Errorf("%s binary %s is missing or not executable", n, p)
		}
		o.bins[n] = p
	}
	return o, nil
}

type cluster struct {
	o        *upOptions
	dir      string
	pki      string
	logs     string
	etcdPort int
	peerPort int
	apiPort  int
	adminTok string
	kcmTok   string
	schedTok string
	kwokTok  string
	caPEM    []byte
	procs    map[string]*exec.Cmd
	exited   chan string // name of a started process that exited
}

func runUp(args []string) int {
	o, err := parseUpArgs(args)
	if err != nil {
		logf("up: %v", err)
		return 2
	}
	o.startedAt = time.Now()
	if err := os.MkdirAll(filepath.Join(o.dir, "logs"), 0o755); err != nil {
		logf("up: %v", err)
		return 1
	}
	unlock, err := lockDir(o.dir)
	if err != nil {
		logf("up: %v", err)
		return 1
	}
	defer unlock()

	if running := runningComponents(o.dir); len(running) > 0 {
		logf("a cluster is already running in %s (%s); run `local-cluster down %s` first", o.dir, strings.Join(running, ", "), o.dir)
		return 1
	}
	// Stale pid files from a crashed cluster: drop them.
	for _, n := range stopOrder {
		os.Remove(pidFile(o.dir, n))
	}
	if o.stopPid != 0 && !pidAlive(o.stopPid) {
		logf("up: --stop-with-pid %d: no such process", o.stopPid)
		return 1
	}

	c := &cluster{
		o:      o,
		dir:    o.dir,
		pki:    filepath.Join(o.dir, "pki"),
		logs:   filepath.Join(o.dir, "logs"),
		procs:  map[string]*exec.Cmd{},
		exited: make(chan string, len(stopOrder)),
	}

	// Stop on Ctrl-C / SIGTERM while starting.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	go func() {
		if s, ok := <-sigs; ok {
			logf("got %v, stopping", s)
			cancel()
		}
	}()

	failedLog, err := c.start(ctx)
	if err != nil {
		logf("up failed: %v", err)
		if failedLog != "" {
			printTail(filepath.Join(c.logs, failedLog+".log"), 30)
		}
		logf("stopping everything that was started")
		if derr := downLocked(c.dir, false); derr != nil {
			logf("cleanup: %v", derr)
		}
		return 1
	}
	logf("cluster ready in %.1fs (%d nodes Ready): server https://127.0.0.1:%d, kubeconfig %s (context %q)",
		time.Since(o.startedAt).Seconds(), o.nodes, c.apiPort, filepath.Join(c.dir, "kubeconfig"), o.context)
	fmt.Println(filepath.Join(c.dir, "kubeconfig"))
	return 0
}

// start brings the cluster up. On error it returns the name of the component
// whose log explains the failure (may be empty).
func (c *cluster) start(ctx context.Context) (string, error) {
	// Fresh state every time: a stopped cluster's data and keys are discarded.
	for _, sub := range []string{"etcd", "pki"} {
		if err := os.RemoveAll(filepath.Join(c.dir, sub)); err != nil {
			return "", err
		}
	}
	os.Remove(filepath.Join(c.dir, "kubeconfig"))
	if err := os.MkdirAll(c.pki, 0o700); err != nil {
		return "", err
	}
	if err := c.writePKI(); err != nil {
		return "", fmt.Errorf("generating certificates: %w", err)
	}
	ports, err := freePorts(3)
	if err != nil {
		return "", fmt.Errorf("picking free ports: %w", err)
	}
	c.etcdPort, c.peerPort, c.apiPort = ports[0], ports[1], ports[2]

	if c.o.stopPid != 0 {
		self, err := os.Executable()
		if err != nil {
			return "", err
		}
		if err := c.spawn(reaperName, self, "reap", c.dir, strconv.Itoa(c.o.stopPid)); err != nil {
			return reaperName, err
		}
		logf("watchdog started: the cluster stops when pid %d exits", c.o.stopPid)
	}

	// etcd
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", c.etcdPort)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", c.peerPort)
	if err := c.spawn(etcdName, c.o.bins[etcdName],
		"--name=gitsync-local",
		"--data-dir="+filepath.Join(c.dir, "etcd"),
		"--listen-client-urls="+etcdURL,
		"--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL,
		"--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=gitsync-local="+peerURL,
		"--initial-cluster-state=new",
		"--unsafe-no-fsync=true", // throwaway test data: trade durability for speed
		"--log-level=warn",
	); err != nil {
		return etcdName, err
	}
	logf("etcd started on 127.0.0.1:%d (peer %d)", c.etcdPort, c.peerPort)
	plain := &http.Client{Timeout: 2 * time.Second}
	if name, err := c.poll(ctx, etcdName, func() bool {
		body, code, err := get(plain, etcdURL+"/health", "")
		return err == nil && code == 200 && strings.Contains(body, `"health":"true"`)
	}); err != nil {
		return name, fmt.Errorf("etcd did not become healthy: %w", err)
	}

	// kube-apiserver. Its argv is kept in cluster.json for start-apiserver.
	apiArgv := []string{c.o.bins[apiName],
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(c.apiPort),
		"--cert-dir=" + c.pki,
		"--tls-cert-file=" + filepath.Join(c.pki, "apiserver.crt"),
		"--tls-private-key-file=" + filepath.Join(c.pki, "apiserver.key"),
		"--token-auth-file=" + filepath.Join(c.pki, "tokens.csv"),
		"--authorization-mode=Node,RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + filepath.Join(c.pki, "sa.pub"),
		"--service-account-signing-key-file=" + filepath.Join(c.pki, "sa.key"),
		"--service-cluster-ip-range=" + serviceCIDR,
		"--allow-privileged=true",
		// Every write, at Metadata level, into DIR/audit.log: the witness
		// tests read for "gitsync never deleted what it did not apply".
		"--audit-policy-file=" + filepath.Join(c.pki, "audit-policy.yaml"),
		"--audit-log-path=" + filepath.Join(c.dir, "audit.log"),
		"--audit-log-maxbackup=0",
	}
	if err := c.spawn(apiName, apiArgv[0], apiArgv[1:]...); err != nil {
		return apiName, err
	}
	logf("kube-apiserver started on https://127.0.0.1:%d", c.apiPort)

	client := apiClient(c.caPEM)
	base := fmt.Sprintf("https://127.0.0.1:%d", c.apiPort)
	if name, err := c.waitAPIReady(ctx, client, base); err != nil {
		return name, err
	}
	logf("kube-apiserver ready after %.1fs", time.Since(c.o.startedAt).Seconds())

	// kube-controller-manager, kube-scheduler and kwok start together; none
	// needs another to start.
	kubeconfigs := map[string]string{}
	for name, tok := range map[string]string{kcmName: c.kcmTok, schedName: c.schedTok, kwokName: c.kwokTok} {
		kubeconfigs[name] = filepath.Join(c.pki, name+".kubeconfig")
		if err := writeFileAtomic(kubeconfigs[name], c.kubeconfig("system:"+name, tok), 0o600); err != nil {
			return "", err
		}
	}
	if err := c.spawn(kcmName, c.o.bins[kcmName],
		"--kubeconfig="+kubeconfigs[kcmName],
		"--secure-port=0",
		"--leader-elect=false",
		"--use-service-account-credentials=false",
		"--service-account-private-key-file="+filepath.Join(c.pki, "sa.key"),
		"--root-ca-file="+filepath.Join(c.pki, "ca.crt"),
		"--service-cluster-ip-range="+serviceCIDR,
		"--cluster-name=local",
		// Client-side rate limit: the default (20/s) makes thousands of
		// workloads crawl; the API server's own fairness still applies.
		"--kube-api-qps=100",
		"--kube-api-burst=200",
	); err != nil {
		return kcmName, err
	}
	if err := c.spawn(schedName, c.o.bins[schedName],
		"--kubeconfig="+kubeconfigs[schedName],
		"--secure-port=0",
		"--leader-elect=false",
	); err != nil {
		return schedName, err
	}
	kwokArgs := []string{
		"--kubeconfig=" + kubeconfigs[kwokName],
		"--manage-nodes-with-annotation-selector=" + kwokNodeAnnotation + "=" + kwokNodeValue,
		"--cidr=" + podCIDR,
		"--node-ip=" + nodeIP,
		// Node heartbeats as a kubelet's: a Lease renewed well within its
		// 40 s (without one the node lifecycle controller would mark the
		// nodes NotReady, the node-heartbeat-with-lease stage only updates
		// their conditions every 10-20 minutes).
		"--node-lease-duration-seconds=40",
	}
	for _, f := range c.o.kwokConfigs {
		kwokArgs = append(kwokArgs, "--config="+f)
	}
	if err := c.spawn(kwokName, c.o.bins[kwokName], kwokArgs...); err != nil {
		return kwokName, err
	}
	logf("kube-controller-manager, kube-scheduler and kwok started")

	if err := c.createNodes(client, base); err != nil {
		return "", err
	}
	// The service-account controller creating default/default shows that the
	// controller manager is up and its controllers are running (and pods can
	// be created: admission wants that service account). Nodes Ready show
	// that kwok runs its stages.
	if name, err := c.poll(ctx, kcmName, func() bool {
		_, code, err := get(client, base+"/api/v1/namespaces/default/serviceaccounts/default", c.adminTok)
		return err == nil && code == 200
	}); err != nil {
		return name, fmt.Errorf("kube-controller-manager did not create the default service account: %w", err)
	}
	if name, err := c.poll(ctx, kwokName, func() bool {
		return c.readyNodes(client, base) >= c.o.nodes
	}); err != nil {
		return name, fmt.Errorf("the %d simulated nodes did not become Ready (%d are): %w", c.o.nodes, c.readyNodes(client, base), err)
	}

	if err := writeFileAtomic(filepath.Join(c.dir, "kubeconfig"), c.kubeconfig("admin", c.adminTok), 0o600); err != nil {
		return "", err
	}
	info := map[string]any{
		"server":            base,
		"kubeconfig":        filepath.Join(c.dir, "kubeconfig"),
		"etcd":              etcdURL,
		"apiserverPort":     c.apiPort,
		"etcdClientPort":    c.etcdPort,
		"etcdPeerPort":      c.peerPort,
		"stopWithPid":       c.o.stopPid,
		"startedAt":         c.o.startedAt.UTC().Format(time.RFC3339),
		"readySeconds":      time.Since(c.o.startedAt).Seconds(),
		"componentBinaries": c.o.bins,
		"kwokConfigs":       c.o.kwokConfigs,
		"nodes":             c.o.nodes,
		"serviceCIDR":       serviceCIDR,
		"apiserverArgv":     apiArgv,
	}
	js, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return "", err
	}
	if err := writeFileAtomic(filepath.Join(c.dir, "cluster.json"), append(js, '\n'), 0o644); err != nil {
		return "", err
	}
	return "", nil
}

// nodeName is the name of simulated node i.
func nodeName(i int) string { return fmt.Sprintf("kwok-node-%d", i) }

// createNodes creates the simulated nodes: plain Node objects with kwok's
// annotation. kwok then fills in their status (Ready, capacity, addresses)
// and keeps their heartbeat (Lease) going, as a kubelet would.
func (c *cluster) createNodes(client *http.Client, base string) error {
	for i := 0; i < c.o.nodes; i++ {
		name := nodeName(i)
		node := map[string]any{
			"apiVersion": "v1",
			"kind":       "Node",
			"metadata": map[string]any{
				"name":        name,
				"annotations": map[string]string{kwokNodeAnnotation: kwokNodeValue, "node.alpha.kubernetes.io/ttl": "0"},
				"labels": map[string]string{
					"kubernetes.io/hostname": name,
					"kubernetes.io/os":       "linux",
					"kubernetes.io/arch":     "amd64",
					"type":                   "kwok",
				},
			},
		}
		body, err := json.Marshal(node)
		if err != nil {
			return err
		}
		resp, code, err := send(client, http.MethodPost, base+"/api/v1/nodes", c.adminTok, body)
		if err != nil {
			return fmt.Errorf("creating node %s: %w", name, err)
		}
		if code != http.StatusCreated {
			return fmt.Errorf("creating node %s: HTTP %d: %s", name, code, strings.TrimSpace(resp))
		}
	}
	return nil
}

// readyNodes counts the simulated nodes whose Ready condition is True.
func (c *cluster) readyNodes(client *http.Client, base string) int {
	body, code, err := get(client, base+"/api/v1/nodes", c.adminTok)
	if err != nil || code != 200 {
		return 0
	}
	var list struct {
		Items []struct {
			Metadata struct {
				Annotations map[string]string `json:"annotations"`
			} `json:"metadata"`
			Status struct {
				Conditions []struct {
					Type   string `json:"type"`
					Status string `json:"status"`
				} `json:"conditions"`
			} `json:"status"`
		} `json:"items"`
	}
	if json.Unmarshal([]byte(body), &list) != nil {
		return 0
	}
	n := 0
	for _, item := range list.Items {
		if item.Metadata.Annotations[kwokNodeAnnotation] != kwokNodeValue {
			continue
		}
		for _, cond := range item.Status.Conditions {
			if cond.Type == "Ready" && cond.Status == "True" {
				n++
			}
		}
	}
	return n
}

// apiClient returns an HTTPS client that trusts the cluster CA.
func apiClient(caPEM []byte) *http.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	return &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
	}
}

// waitAPIReady polls base/readyz until it answers ok (see poll).
func (c *cluster) waitAPIReady(ctx context.Context, client *http.Client, base string) (string, error) {
	if name, err := c.poll(ctx, apiName, func() bool {
		body, code, err := get(client, base+"/readyz", c.adminTok)
		return err == nil && code == 200 && strings.TrimSpace(body) == "ok"
	}); err != nil {
		return name, fmt.Errorf("kube-apiserver /readyz did not answer ok: %w", err)
	}
	return "", nil
}

// spawn starts a detached process (own session, stdin /dev/null, output to
// DIR/logs/NAME.log) and records its pid in DIR/NAME.pid.
func (c *cluster) spawn(name, bin string, args ...string) error {
	logPath := filepath.Join(c.logs, name+".log")
	lf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer lf.Close()
	fmt.Fprintf(lf, "==== %s starting %s %s\n", time.Now().UTC().Format(time.RFC3339), bin, strings.Join(args, " "))
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return err
	}
	defer devnull.Close()
	cmd := exec.Command(bin, args...)
	cmd.Dir = c.dir
	if name == kwokName {
		// kwok also loads ~/.kwok/kwok.yaml if it exists: a home of its own
		// keeps a user's kwok configuration out of the test cluster.
		home := filepath.Join(c.dir, "kwok-home")
		if err := os.MkdirAll(home, 0o755); err != nil {
			return err
		}
		cmd.Env = append(os.Environ(), "HOME="+home)
	}
	cmd.Stdin = devnull
	cmd.Stdout = lf
	cmd.Stderr = lf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", name, err)
	}
	c.procs[name] = cmd
	go func() {
		cmd.Wait()
		c.exited <- name
	}()
	return writeFileAtomic(pidFile(c.dir, name), []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644)
}

// poll calls ready every 250ms until it returns true, a started process
// exits, or ctx ends. It returns the name of the log to show on failure.
func (c *cluster) poll(ctx context.Context, stage string, ready func() bool) (string, error) {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		if ready() {
			return "", nil
		}
		select {
		case name := <-c.exited:
			st := c.procs[name].ProcessState
			return name, fmt.Errorf("%s exited (%v)", name, st)
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return stage, fmt.Errorf("timed out after %v", c.o.timeout)
			}
			return "", errors.New("interrupted")
		case <-t.C:
		}
	}
}

func get(client *http.Client, url, token string) (string, int, error) {
	return send(client, http.MethodGet, url, token, nil)
}

// send makes one request with an optional JSON body; it returns the
// response body (up to 1 MiB) and status code.
func send(client *http.Client, method, url, token string, body []byte) (string, int, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return "", 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return string(b), resp.StatusCode, err
}

func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// ---------------------------------------------------------------------------
// certificates, keys, tokens, kubeconfigs

func (c *cluster) writePKI() error {
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          randSerial(),
		Subject:               pkix.Name{CommonName: "gitsync-local-cluster-ca"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return err
	}

	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: randSerial(),
		Subject:      pkix.Name{CommonName: "kube-apiserver"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
			"kubernetes.default.svc.cluster.local"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.IPv6loopback, net.ParseIP(kubernetesSvcIP)},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		return err
	}

	saKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	saPub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return err
	}

	c.caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	c.adminTok = randToken()
	c.kcmTok = randToken()
	c.schedTok = randToken()
	c.kwokTok = randToken()
	// The controller manager runs every controller with its own identity
	// (--use-service-account-credentials=false); the bootstrap role
	// system:kube-controller-manager only covers the per-controller service
	// account mode, so give it system:masters or namespace deletion and
	// garbage collection could not delete anything. The scheduler and kwok
	// (which writes the status of every node and pod) get the same, which
	// also keeps them out of the API server's request throttling.
	tokens := fmt.Sprintf("%s,admin,admin-uid,\"system:masters\"\n"+
		"%s,system:kube-controller-manager,kube-controller-manager-uid,\"system:masters\"\n"+
		"%s,system:kube-scheduler,kube-scheduler-uid,\"system:masters\"\n"+
		"%s,system:kwok,kwok-uid,\"system:masters\"\n",
		c.adminTok, c.kcmTok, c.schedTok, c.kwokTok)

	files := []struct {
		name string
		data []byte
		mode os.FileMode
	}{
		{"ca.crt", c.caPEM, 0o644},
		{"ca.key", pemKey(caKey), 0o600},
		{"apiserver.crt", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srvDER}), 0o644},
		{"apiserver.key", pemKey(srvKey), 0o600},
		{"sa.key", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(saKey)}), 0o600},
		{"sa.pub", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: saPub}), 0o644},
		{"tokens.csv", []byte(tokens), 0o600},
		{"audit-policy.yaml", []byte(auditPolicy), 0o644},
	}
	for _, f := range files {
		if err := writeFileAtomic(filepath.Join(c.pki, f.name), f.data, f.mode); err != nil {
			return err
		}
	}
	return nil
}

func pemKey(k *ecdsa.PrivateKey) []byte {
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
}

func randSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	if err != nil {
		panic(err)
	}
	return n.Add(n, big.NewInt(1))
}

func randToken() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// validName: a context name that needs no quoting in YAML.
func validName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, r := range s {
		ok := r == '-' || r == '_' || r == '.' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if !ok {
			return false
		}
	}
	return true
}

// kubeconfig names its cluster and context after the cluster's context, and
// its user too (except the default context's "admin", kept as it was):
// merged kubeconfigs keep the first entry of a name, so every name differs.
func (c *cluster) kubeconfig(user, token string) []byte {
	contextName := c.o.context
	if contextName != defaultContext {
		user = user + "@" + contextName
	}
	return []byte(fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: %[1]s
  cluster:
    server: https://127.0.0.1:%[2]d
    certificate-authority-data: %[3]s
users:
- name: %[4]s
  user:
    token: %[5]s
contexts:
- name: %[1]s
  context:
    cluster: %[1]s
    user: %[4]s
current-context: %[1]s
`, contextName, c.apiPort, base64.StdEncoding.EncodeToString(c.caPEM), user, token))
}

func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func printTail(path string, n int) {
	b, err := os.ReadFile(path)
	if err != nil {
		logf("(no log at %s: %v)", path, err)
		return
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	logf("last %d lines of %s:", len(lines), path)
	for _, l := range lines {
		fmt.Fprintln(os.Stderr, "    "+l)
	}
}

// ---------------------------------------------------------------------------
// down, process identification

func pidFile(dir, name string) string { return filepath.Join(dir, name+".pid") }

func lockDir(dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		logf("waiting for another local-cluster command on %s", dir)
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", dir, err)
		}
	}
	return func() { f.Close() }, nil
}

func readPid(dir, name string) (int, bool) {
	b, err := os.ReadFile(pidFile(dir, name))
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, false
	}
	return pid, true
}

// procArgs returns the argv of a live (non-zombie) process.
func procArgs(pid int) ([]string, bool) {
	if st, ok := procState(pid); !ok || st == 'Z' || st == 'X' {
		return nil, false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || len(b) == 0 {
		return nil, false
	}
	return strings.Split(strings.TrimRight(string(b), "\x00"), "\x00"), true
}

// procState returns the state letter from /proc/PID/stat.
func procState(pid int) (byte, bool) {
	f, ok := procStat(pid)
	if !ok || len(f) < 1 || len(f[0]) == 0 {
		return 0, false
	}
	return f[0][0], true
}

// procStat returns the /proc/PID/stat fields after the command name
// (field 3 "state" onwards).
func procStat(pid int) ([]string, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return nil, false
	}
	return strings.Fields(string(b[i+1:])), true
}

// isOurs reports whether pid is still the process `up` started as name for
// dir (a pid may have been reused by something else since).
func isOurs(pid int, name, dir string) bool {
	args, ok := procArgs(pid)
	if !ok {
		return false
	}
	if name == reaperName {
		return len(args) >= 3 && args[1] == "reap" && args[2] == dir
	}
	if filepath.Base(args[0]) != name {
		return false
	}
	for _, a := range args[1:] {
		if strings.Contains(a, dir+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

func runningComponents(dir string) []string {
	var out []string
	for _, n := range stopOrder {
		if pid, ok := readPid(dir, n); ok && isOurs(pid, n, dir) {
			out = append(out, fmt.Sprintf("%s pid %d", n, pid))
		}
	}
	return out
}

// down stops the cluster in dir. If fromReaper, the calling process is the
// reaper and is not signalled.
func down(dir string, fromReaper bool) error {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return stopOrphans(dir)
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return err
	}
	defer unlock()
	return downLocked(dir, fromReaper)
}

// stopOrphans stops what is left of a cluster whose directory was deleted
// before it was stopped (a test's temporary directory dropped first): with
// the pid files gone, its components are found by their command lines,
// which all name files in dir.
func stopOrphans(dir string) error {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return err
	}
	found := map[string]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		for _, n := range stopOrder {
			if n != reaperName && isOurs(pid, n, dir) {
				found[n] = pid
			}
		}
	}
	if len(found) == 0 {
		logf("no cluster in %s (directory does not exist); nothing to stop", dir)
		return nil
	}
	var errs []string
	for _, n := range stopOrder {
		pid, ok := found[n]
		if !ok {
			continue
		}
		if err := stopProcess(pid, n, dir, 15*time.Second); err != nil {
			errs = append(errs, err.Error())
			continue
		}
		logf("stopped %s (pid %d) of a cluster whose directory %s is gone", n, pid, dir)
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// downLocked is down for a caller that already holds the lock on dir.
func downLocked(dir string, fromReaper bool) error {
	stopped := 0
	var errs []string
	for _, n := range stopOrder {
		pid, ok := readPid(dir, n)
		if !ok {
			continue
		}
		if n == reaperName && (fromReaper || pid == os.Getpid()) {
			os.Remove(pidFile(dir, n))
			continue
		}
		if !isOurs(pid, n, dir) {
			if n != reaperName {
				logf("%s is not running (stale pid file: pid %d)", n, pid)
			}
			os.Remove(pidFile(dir, n))
			continue
		}
		if err := stopProcess(pid, n, dir, 15*time.Second); err != nil {
			errs = append(errs, err.Error())
			continue
		}
		if n != reaperName {
			logf("stopped %s (pid %d)", n, pid)
		}
		stopped++
		os.Remove(pidFile(dir, n))
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	if stopped == 0 {
		logf("no cluster running in %s; nothing to stop", dir)
	} else {
		logf("cluster in %s stopped", dir)
	}
	return nil
}

func stopProcess(pid int, name, dir string, grace time.Duration) error {
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("SIGTERM %s (pid %d): %w", name, pid, err)
	}
	if waitGone(pid, name, dir, grace) {
		return nil
	}
	logf("%s (pid %d) still running after %v; sending SIGKILL", name, pid, grace)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("SIGKILL %s (pid %d): %w", name, pid, err)
	}
	if waitGone(pid, name, dir, 5*time.Second) {
		return nil
	}
	return fmt.Errorf("%s (pid %d) did not exit after SIGKILL", name, pid)
}

func waitGone(pid int, name, dir string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		if !isOurs(pid, name, dir) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ---------------------------------------------------------------------------
// stop-apiserver, start-apiserver: restart only the API server of a running
// cluster (etcd, the controller manager, the scheduler, kwok and the reaper
// keep running).

// stopAPIServer stops the kube-apiserver of the cluster in dir and waits until
// it has exited. Not running is not an error (like down).
func stopAPIServer(dir string) error {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return stopOrphans(dir)
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return err
	}
	defer unlock()
	pid, ok := readPid(dir, apiName)
	if !ok {
		logf("%s of the cluster in %s is not running (no pid file); nothing to stop", apiName, dir)
		return nil
	}
	if !isOurs(pid, apiName, dir) {
		logf("%s of the cluster in %s is not running (stale pid file: pid %d); nothing to stop", apiName, dir, pid)
		os.Remove(pidFile(dir, apiName))
		return nil
	}
	start := time.Now()
	if err := stopAPIProcess(pid, dir); err != nil {
		return err
	}
	os.Remove(pidFile(dir, apiName))
	logf("stopped %s (pid %d) in %.1fs; etcd, %s, kube-scheduler and kwok keep running (`local-cluster start-apiserver %s` starts it again)",
		apiName, pid, time.Since(start).Seconds(), kcmName, dir)
	return nil
}

// stopAPIProcess stops a running kube-apiserver. On SIGTERM it stops
// listening at once but then waits up to its request timeout (60s) for
// long-running requests such as the controller manager's watches to end, so
// once its port is closed it gets a short drain period and then SIGKILL.
// (The state is in etcd, so nothing is lost either way.)
func stopAPIProcess(pid int, dir string) error {
	const grace, drain = 15 * time.Second, 2 * time.Second
	addr := ""
	if args, ok := procArgs(pid); ok {
		for _, a := range args[1:] {
			if p, ok := strings.CutPrefix(a, "--secure-port="); ok {
				addr = "127.0.0.1:" + p
			}
		}
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("SIGTERM %s (pid %d): %w", apiName, pid, err)
	}
	deadline := time.Now().Add(grace)
	var closedAt time.Time
	for isOurs(pid, apiName, dir) {
		now := time.Now()
		if closedAt.IsZero() && addr != "" {
			if conn, err := net.DialTimeout("tcp", addr, 500*time.Millisecond); err == nil {
				conn.Close()
			} else {
				closedAt = now
			}
		}
		if now.After(deadline) || (!closedAt.IsZero() && now.Sub(closedAt) > drain) {
			if !closedAt.IsZero() {
				logf("%s (pid %d) stopped listening but is still draining long-running requests (watches); sending SIGKILL", apiName, pid)
			} else {
				logf("%s (pid %d) still running after %v; sending SIGKILL", apiName, pid, grace)
			}
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
				return fmt.Errorf("SIGKILL %s (pid %d): %w", apiName, pid, err)
			}
			if waitGone(pid, apiName, dir, 5*time.Second) {
				return nil
			}
			return fmt.Errorf("%s (pid %d) did not exit after SIGKILL", apiName, pid)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil
}

// clusterInfo is the part of DIR/cluster.json that start-apiserver needs.
type clusterInfo struct {
	APIServerPort int      `json:"apiserverPort"`
	APIServerArgv []string `json:"apiserverArgv"`
}

func runStartAPIServer(args []string) int {
	timeout := 120 * time.Second
	var positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "--") {
			positional = append(positional, a)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if name != "timeout" {
			logf("start-apiserver: unknown flag --%s", name)
			return 2
		}
		if !hasVal {
			if i+1 >= len(args) {
				logf("start-apiserver: flag --%s needs a value", name)
				return 2
			}
			i++
			val = args[i]
		}
		d, err := time.ParseDuration(val)
		if err != nil {
			logf("start-apiserver: --timeout: %v", err)
			return 2
		}
		timeout = d
	}
	if len(positional) != 1 {
		logf("start-apiserver needs exactly one DIR argument")
		return 2
	}
	dir := absDir(positional[0])
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		logf("start-apiserver: no cluster in %s (directory does not exist); run `local-cluster up %s` first", dir, dir)
		return 1
	}
	unlock, err := lockDir(dir)
	if err != nil {
		logf("start-apiserver: %v", err)
		return 1
	}
	defer unlock()

	if pid, ok := readPid(dir, etcdName); !ok || !isOurs(pid, etcdName, dir) {
		logf("start-apiserver: the cluster in %s is not up (etcd is not running); start-apiserver only restarts the %s of a running cluster: use `local-cluster up %s`", dir, apiName, dir)
		return 1
	}
	if pid, ok := readPid(dir, apiName); ok && isOurs(pid, apiName, dir) {
		logf("start-apiserver: %s of the cluster in %s is already running (pid %d); run `local-cluster stop-apiserver %s` first", apiName, dir, pid, dir)
		return 1
	}
	os.Remove(pidFile(dir, apiName)) // stale

	var info clusterInfo
	b, err := os.ReadFile(filepath.Join(dir, "cluster.json"))
	if err == nil {
		err = json.Unmarshal(b, &info)
	}
	if err != nil {
		logf("start-apiserver: reading %s: %v", filepath.Join(dir, "cluster.json"), err)
		return 1
	}
	if len(info.APIServerArgv) < 2 || info.APIServerPort == 0 {
		logf("start-apiserver: %s has no kube-apiserver argv (cluster started by an older local-cluster?); restart it with `local-cluster down %s` and `up`", filepath.Join(dir, "cluster.json"), dir)
		return 1
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, "pki", "ca.crt"))
	if err != nil {
		logf("start-apiserver: %v", err)
		return 1
	}
	adminTok, err := readAdminToken(filepath.Join(dir, "pki", "tokens.csv"))
	if err != nil {
		logf("start-apiserver: %v", err)
		return 1
	}
	// A clearer error than kube-apiserver's own if the port was taken meanwhile.
	addr := fmt.Sprintf("127.0.0.1:%d", info.APIServerPort)
	l, err := net.Listen("tcp", addr)
	if err != nil {
		logf("start-apiserver: the cluster's API server port %s is in use by another process: %v", addr, err)
		return 1
	}
	l.Close()

	o := &upOptions{dir: dir, timeout: timeout, startedAt: time.Now()}
	c := &cluster{
		o:        o,
		dir:      dir,
		pki:      filepath.Join(dir, "pki"),
		logs:     filepath.Join(dir, "logs"),
		apiPort:  info.APIServerPort,
		adminTok: adminTok,
		caPEM:    caPEM,
		procs:    map[string]*exec.Cmd{},
		exited:   make(chan string, 1),
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	go func() {
		if s, ok := <-sigs; ok {
			logf("got %v, stopping", s)
			cancel()
		}
	}()

	if err := c.spawn(apiName, info.APIServerArgv[0], info.APIServerArgv[1:]...); err != nil {
		logf("start-apiserver: %v", err)
		os.Remove(pidFile(dir, apiName))
		return 1
	}
	pid := c.procs[apiName].Process.Pid
	logf("%s started on https://%s (pid %d)", apiName, addr, pid)
	if name, err := c.waitAPIReady(ctx, apiClient(caPEM), "https://"+addr); err != nil {
		logf("start-apiserver failed: %v", err)
		if name != "" {
			printTail(filepath.Join(c.logs, name+".log"), 30)
		}
		if isOurs(pid, apiName, dir) {
			logf("stopping the %s that was started", apiName)
			if err := stopProcess(pid, apiName, dir, 15*time.Second); err != nil {
				logf("cleanup: %v", err)
			}
		}
		os.Remove(pidFile(dir, apiName))
		return 1
	}
	logf("%s ready in %.1fs: server https://%s, kubeconfig %s (unchanged)",
		apiName, time.Since(o.startedAt).Seconds(), addr, filepath.Join(dir, "kubeconfig"))
	fmt.Println(filepath.Join(dir, "kubeconfig"))
	return 0
}

// readAdminToken returns the admin user's token from the token auth file.
func readAdminToken(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, ",")
		if len(f) >= 2 && f[1] == "admin" && f[0] != "" {
			return f[0], nil
		}
	}
	return "", fmt.Errorf("no admin token in %s", path)
}

// ---------------------------------------------------------------------------
// reaper

func pidAlive(pid int) bool {
	st, ok := procState(pid)
	return ok && st != 'Z' && st != 'X'
}

// startTime returns field 22 of /proc/PID/stat (start time since boot), used
// to notice pid reuse.
func startTime(pid int) string {
	f, ok := procStat(pid)
	if !ok || len(f) < 20 {
		return ""
	}
	return f[19]
}

func runReaper(dir string, pid int) {
	logf("reaper %d: watching pid %d for cluster %s", os.Getpid(), pid, dir)
	start := startTime(pid)
	signal.Ignore(syscall.SIGHUP)
	for {
		if !pidAlive(pid) || startTime(pid) != start {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	logf("reaper %d: pid %d has exited; stopping the cluster in %s", os.Getpid(), pid, dir)
	if err := down(dir, true); err != nil {
		fatalf("reaper: %v", err)
	}
}
