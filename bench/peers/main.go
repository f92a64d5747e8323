// Command peers drives Flux's apply engine (github.com/fluxcd/pkg/ssa) on a
// directory of YAML files, as kustomize-controller does in one reconcile, so
// that bench/scale.sh can time it next to gitsync and kubectl on the same
// objects and cluster. Not part of gitsync; a benchmark peer only.
//
//	peers -kubeconfig FILE -mode diff|apply|lists DIR
//
// diff: a server-side dry-run apply of every object (ResourceManager.Diff;
// v0.78.0 has no DiffAll), CONCURRENCY at a time; exit 1 when an object
// would be created or configured, 0 when none would, 2 on error.
// apply: ResourceManager.ApplyAllStaged (Namespaces and CRDs first, waited
// for, then the rest; its drift dry-runs CONCURRENCY at a time); exit 0.
// Both print one line: "created N configured N unchanged N skipped N".
// lists: no engine, the floor under any diff: one paged LIST (limit 500,
// as gitsync pages) per type and namespace of the objects, CONCURRENCY at a
// time, each decoded; prints "lists N objects N listing_ms N", the last
// the LISTs alone (after reading the files and discovery); exit 0.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fluxcd/cli-utils/pkg/kstatus/polling"
	"github.com/fluxcd/pkg/ssa"
	"github.com/fluxcd/pkg/ssa/normalize"
	ssautils "github.com/fluxcd/pkg/ssa/utils"
	"golang.org/x/sync/errgroup"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

func main() {
	os.Exit(run())
}

func run() int {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig file (required)")
	mode := flag.String("mode", "diff", "diff or apply")
	// kustomize-controller's --concurrent-ssa default.
	concurrency := flag.Int("concurrency", 4, "dry-runs in flight at once")
	// fluxcd/pkg/runtime/client's --kube-api-qps and --kube-api-burst defaults.
	qps := flag.Float64("qps", 50, "client-side QPS limit")
	burst := flag.Int("burst", 300, "client-side burst")
	timeout := flag.Duration("timeout", 10*time.Minute, "time limit of the whole run")
	flag.Parse()
	if *kubeconfig == "" || flag.NArg() != 1 || (*mode != "diff" && *mode != "apply" && *mode != "lists") {
		fmt.Fprintln(os.Stderr, "usage: peers -kubeconfig FILE -mode diff|apply|lists DIR")
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	objects, err := readDir(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		return 2
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		return 2
	}
	cfg.QPS = float32(*qps)
	cfg.Burst = *burst
	cfg.Timeout = time.Minute
	// An uncached client with a lazy discovery-backed REST mapper, as the
	// controller builds for each reconcile.
	kube, err := client.New(cfg, client.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		return 2
	}
	if *mode == "lists" {
		if err := lists(ctx, cfg, kube, objects, *concurrency); err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			return 2
		}
		return 0
	}
	poller := polling.NewStatusPoller(kube, kube.RESTMapper(), polling.Options{})
	manager := ssa.NewResourceManager(kube, poller, ssa.Owner{
		Field: "kustomize-controller",
		Group: "kustomize.toolkit.fluxcd.io",
	})
	manager.SetOwnerLabels(objects, "bench", "flux-system")
	manager.SetConcurrency(*concurrency)
	if err := normalize.UnstructuredList(objects); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		return 2
	}

	counts := map[ssa.Action]int{}
	if *mode == "apply" {
		opts := ssa.DefaultApplyOptions()
		changeSet, err := manager.ApplyAllStaged(ctx, objects, opts)
		if err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			return 2
		}
		for _, e := range changeSet.Entries {
			counts[e.Action]++
		}
		printCounts(counts)
		return 0
	}

	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(*concurrency)
	for _, o := range objects {
		g.Go(func() error {
			entry, _, _, err := manager.Diff(gctx, o, ssa.DefaultDiffOptions())
			if err != nil {
				return err
			}
			mu.Lock()
			counts[entry.Action]++
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		return 2
	}
	printCounts(counts)
	if counts[ssa.CreatedAction]+counts[ssa.ConfiguredAction] > 0 {
		return 1
	}
	return 0
}

// lists LISTs every (type, namespace) the objects are in, paged, n at a
// time, and prints how many LISTs and listed objects there were.
func lists(ctx context.Context, cfg *rest.Config, kube client.Client, objects []*unstructured.Unstructured, n int) error {
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	type key struct {
		gvr schema.GroupVersionResource
		ns  string
	}
	seen := map[key]bool{}
	var keys []key
	for _, o := range objects {
		gvk := o.GroupVersionKind()
		m, err := kube.RESTMapper().RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			return err
		}
		k := key{gvr: m.Resource}
		if m.Scope.Name() == meta.RESTScopeNameNamespace {
			k.ns = o.GetNamespace()
			if k.ns == "" {
				k.ns = "default"
			}
		}
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	var listed atomic.Int64
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(n)
	for _, k := range keys {
		g.Go(func() error {
			opts := metav1.ListOptions{Limit: 500}
			for {
				page, err := dyn.Resource(k.gvr).Namespace(k.ns).List(gctx, opts)
				if err != nil {
					return err
				}
				listed.Add(int64(len(page.Items)))
				if page.GetContinue() == "" {
					return nil
				}
				opts.Continue = page.GetContinue()
			}
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	fmt.Printf("lists %d objects %d listing_ms %d\n", len(keys), listed.Load(), time.Since(start).Milliseconds())
	return nil
}

func printCounts(c map[ssa.Action]int) {
	fmt.Printf("created %d configured %d unchanged %d skipped %d\n",
		c[ssa.CreatedAction], c[ssa.ConfiguredAction], c[ssa.UnchangedAction], c[ssa.SkippedAction])
}

// readDir reads every *.yaml file under dir, in path order.
func readDir(dir string) ([]*unstructured.Unstructured, error) {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var objects []*unstructured.Unstructured
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		objs, err := ssautils.ReadObjects(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		objects = append(objects, objs...)
	}
	return objects, nil
}
