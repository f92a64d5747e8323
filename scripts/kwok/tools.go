//go:build tools

// Package tools records kwok, the node and pod simulator of the local
// cluster, so that `go mod tidy` keeps it in go.mod and go.sum. kwok has its
// own module because it pins newer Kubernetes client libraries than the
// control plane in ../cluster-bins.
package tools

import (
	_ "sigs.k8s.io/kwok/cmd/kwok"
)
