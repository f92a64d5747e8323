
use builtin;
use str;

set edit:completion:arg-completer[gitsync] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'gitsync'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'gitsync'= {
            cand --repo 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that'
            cand --revision 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote''s HEAD'
            cand --path 'Directory inside the repository holding the manifests (default: the repository root, or the target''s path in gitsync.yaml)'
            cand --target 'Target of gitsync.yaml to use; repeat for several'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)'
            cand --context 'Kubeconfig context to use (default: its current context)'
            cand -n 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)'
            cand --namespace 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)'
            cand -o 'Output format of results on stdout'
            cand --output 'Output format of results on stdout'
            cand --color 'When to colour output. NO_COLOR in the environment means never'
            cand --all-targets 'Use every target of gitsync.yaml'
            cand -v 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides'
            cand --verbose 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --no-progress 'Never draw progress bars (they are only drawn on a terminal anyway)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand diff 'Show what would change if the cluster were synced now'
            cand sync 'Make the cluster match Git: apply, prune what Git removed, wait healthy'
            cand drift 'Show what was changed in the cluster behind Git''s back, and by whom'
            cand watch 'Run the pull / compare / sync loop as a daemon, self-healing drift'
            cand render 'Print the desired objects as YAML (or a JSON list with -o json), in apply order. Needs no cluster'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'gitsync;diff'= {
            cand --values 'Helm values file for a chart, relative to the repository (repeatable; adds to the target''s values files)'
            cand --release-name 'Helm release name (default: the target''s name, else the chart''s name)'
            cand -U 'Lines of context around each change in text diffs (like diff -U)'
            cand --unified 'Lines of context around each change in text diffs (like diff -U)'
            cand --name 'Name of the ApplySet that owns this target''s objects (default: derived from the repository and the target''s path)'
            cand --concurrency 'Server-side dry runs sent at once'
            cand --repo 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that'
            cand --revision 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote''s HEAD'
            cand --path 'Directory inside the repository holding the manifests (default: the repository root, or the target''s path in gitsync.yaml)'
            cand --target 'Target of gitsync.yaml to use; repeat for several'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)'
            cand --context 'Kubeconfig context to use (default: its current context)'
            cand -n 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)'
            cand --namespace 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)'
            cand -o 'Output format of results on stdout'
            cand --output 'Output format of results on stdout'
            cand --color 'When to colour output. NO_COLOR in the environment means never'
            cand --no-prune 'Do not delete objects that Git no longer has'
            cand --force-conflicts 'Take over fields owned by other field managers instead of failing'
            cand --force-replace 'Delete and recreate objects whose change touches an immutable field'
            cand --all-targets 'Use every target of gitsync.yaml'
            cand -v 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides'
            cand --verbose 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --no-progress 'Never draw progress bars (they are only drawn on a terminal anyway)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'gitsync;sync'= {
            cand --values 'Helm values file for a chart, relative to the repository (repeatable; adds to the target''s values files)'
            cand --release-name 'Helm release name (default: the target''s name, else the chart''s name)'
            cand -U 'Lines of context around each change in text diffs (like diff -U)'
            cand --unified 'Lines of context around each change in text diffs (like diff -U)'
            cand --name 'Name of the ApplySet that owns this target''s objects (default: derived from the repository and the target''s path)'
            cand --concurrency 'Server-side dry runs sent at once'
            cand --timeout 'How long to wait for health (e.g. 90s, 5m, 1h)'
            cand --repo 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that'
            cand --revision 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote''s HEAD'
            cand --path 'Directory inside the repository holding the manifests (default: the repository root, or the target''s path in gitsync.yaml)'
            cand --target 'Target of gitsync.yaml to use; repeat for several'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)'
            cand --context 'Kubeconfig context to use (default: its current context)'
            cand -n 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)'
            cand --namespace 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)'
            cand -o 'Output format of results on stdout'
            cand --output 'Output format of results on stdout'
            cand --color 'When to colour output. NO_COLOR in the environment means never'
            cand --no-prune 'Do not delete objects that Git no longer has'
            cand --force-conflicts 'Take over fields owned by other field managers instead of failing'
            cand --force-replace 'Delete and recreate objects whose change touches an immutable field'
            cand --dry-run 'Print the plan exactly as `diff` does and change nothing'
            cand --allow-empty 'Allow an empty desired set to prune every member of the ApplySet'
            cand --no-wait 'Do not wait for applied objects to become healthy'
            cand --all-targets 'Use every target of gitsync.yaml'
            cand -v 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides'
            cand --verbose 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --no-progress 'Never draw progress bars (they are only drawn on a terminal anyway)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'gitsync;drift'= {
            cand --values 'Helm values file for a chart, relative to the repository (repeatable; adds to the target''s values files)'
            cand --release-name 'Helm release name (default: the target''s name, else the chart''s name)'
            cand --name 'Name of the ApplySet (as given to `sync --name`)'
            cand --repo 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that'
            cand --revision 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote''s HEAD'
            cand --path 'Directory inside the repository holding the manifests (default: the repository root, or the target''s path in gitsync.yaml)'
            cand --target 'Target of gitsync.yaml to use; repeat for several'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)'
            cand --context 'Kubeconfig context to use (default: its current context)'
            cand -n 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)'
            cand --namespace 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)'
            cand -o 'Output format of results on stdout'
            cand --output 'Output format of results on stdout'
            cand --color 'When to colour output. NO_COLOR in the environment means never'
            cand --fix 'Re-apply the drifted objects at the last synced revision'
            cand --all-targets 'Use every target of gitsync.yaml'
            cand -v 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides'
            cand --verbose 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --no-progress 'Never draw progress bars (they are only drawn on a terminal anyway)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'gitsync;watch'= {
            cand --values 'Helm values file for a chart, relative to the repository (repeatable; adds to the target''s values files)'
            cand --release-name 'Helm release name (default: the target''s name, else the chart''s name)'
            cand --name 'Name of the ApplySet (as given to `sync --name`)'
            cand --interval 'How often to ask whether the remote moved'
            cand --resync 'Full resync period, a safety net beside the watch streams'
            cand --listen 'Address of the HTTP server (/healthz, /readyz, /metrics, /webhook)'
            cand --webhook-secret-file 'File holding the secret that authenticates POST /webhook'
            cand --log-format 'Log line format on stderr'
            cand --repo 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that'
            cand --revision 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote''s HEAD'
            cand --path 'Directory inside the repository holding the manifests (default: the repository root, or the target''s path in gitsync.yaml)'
            cand --target 'Target of gitsync.yaml to use; repeat for several'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)'
            cand --context 'Kubeconfig context to use (default: its current context)'
            cand -n 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)'
            cand --namespace 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)'
            cand -o 'Output format of results on stdout'
            cand --output 'Output format of results on stdout'
            cand --color 'When to colour output. NO_COLOR in the environment means never'
            cand --no-self-heal 'Only report and count drift; do not revert it'
            cand --leader-elect 'Hold a coordination.k8s.io Lease so that only one replica acts'
            cand --all-targets 'Use every target of gitsync.yaml'
            cand -v 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides'
            cand --verbose 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --no-progress 'Never draw progress bars (they are only drawn on a terminal anyway)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'gitsync;render'= {
            cand --values 'Helm values file for a chart, relative to the repository (repeatable; adds to the target''s values files)'
            cand --release-name 'Helm release name (default: the target''s name, else the chart''s name)'
            cand --repo 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that'
            cand --revision 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote''s HEAD'
            cand --path 'Directory inside the repository holding the manifests (default: the repository root, or the target''s path in gitsync.yaml)'
            cand --target 'Target of gitsync.yaml to use; repeat for several'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)'
            cand --context 'Kubeconfig context to use (default: its current context)'
            cand -n 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)'
            cand --namespace 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)'
            cand -o 'Output format of results on stdout'
            cand --output 'Output format of results on stdout'
            cand --color 'When to colour output. NO_COLOR in the environment means never'
            cand --all-targets 'Use every target of gitsync.yaml'
            cand -v 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides'
            cand --verbose 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --no-progress 'Never draw progress bars (they are only drawn on a terminal anyway)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'gitsync;completions'= {
            cand --repo 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that'
            cand --revision 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote''s HEAD'
            cand --path 'Directory inside the repository holding the manifests (default: the repository root, or the target''s path in gitsync.yaml)'
            cand --target 'Target of gitsync.yaml to use; repeat for several'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)'
            cand --context 'Kubeconfig context to use (default: its current context)'
            cand -n 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)'
            cand --namespace 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)'
            cand -o 'Output format of results on stdout'
            cand --output 'Output format of results on stdout'
            cand --color 'When to colour output. NO_COLOR in the environment means never'
            cand --all-targets 'Use every target of gitsync.yaml'
            cand -v 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides'
            cand --verbose 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --no-progress 'Never draw progress bars (they are only drawn on a terminal anyway)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'gitsync;help'= {
            cand diff 'Show what would change if the cluster were synced now'
            cand sync 'Make the cluster match Git: apply, prune what Git removed, wait healthy'
            cand drift 'Show what was changed in the cluster behind Git''s back, and by whom'
            cand watch 'Run the pull / compare / sync loop as a daemon, self-healing drift'
            cand render 'Print the desired objects as YAML (or a JSON list with -o json), in apply order. Needs no cluster'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'gitsync;help;diff'= {
        }
        &'gitsync;help;sync'= {
        }
        &'gitsync;help;drift'= {
        }
        &'gitsync;help;watch'= {
        }
        &'gitsync;help;render'= {
        }
        &'gitsync;help;completions'= {
        }
        &'gitsync;help;help'= {
        }
    ]
    $completions[$command]
}
