// Command etcd is upstream etcd's own entry point (etcdmain), built at the
// version Kubernetes pins, so the local cluster takes the usual etcd flags.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
