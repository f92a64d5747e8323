# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_gitsync_global_optspecs
    string join \n repo= revision= path= verify-signatures= trusted-keys= max-checkout-size= max-checkout-file-size= target= all-targets parallel-targets= kubeconfig= trust-repo-kubeconfig context= n/namespace= request-timeout= o/output= color= v/verbose q/quiet no-progress h/help V/version
end

function __fish_gitsync_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_gitsync_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_gitsync_using_subcommand
    set -l cmd (__fish_gitsync_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c gitsync -n "__fish_gitsync_needs_command" -l repo -d 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that' -r
complete -c gitsync -n "__fish_gitsync_needs_command" -l revision -d 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote\'s HEAD' -r
complete -c gitsync -n "__fish_gitsync_needs_command" -l path -d 'Directory inside the repository holding the manifests (default: the repository root, or the target\'s path in gitsync.yaml)' -r -F
complete -c gitsync -n "__fish_gitsync_needs_command" -l verify-signatures -d 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision' -r -f -a "head\t'The commit is signed by a trusted key'
tag\t'The annotated tag --revision names is signed by a trusted key'
tag-and-head\t'Both'"
complete -c gitsync -n "__fish_gitsync_needs_command" -l trusted-keys -d 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml\'s verifySignatures asks for' -r -F
complete -c gitsync -n "__fish_gitsync_needs_command" -l max-checkout-size -d 'Most bytes a commit\'s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)' -r
complete -c gitsync -n "__fish_gitsync_needs_command" -l max-checkout-file-size -d 'Most bytes any one file of a commit may have when written to disk' -r
complete -c gitsync -n "__fish_gitsync_needs_command" -l target -d 'Target of gitsync.yaml to use (an app of `apps:`: all its targets); repeat for several' -r
complete -c gitsync -n "__fish_gitsync_needs_command" -l parallel-targets -d 'How many of several targets diff, sync, drift and status work on at once' -r
complete -c gitsync -n "__fish_gitsync_needs_command" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)' -r -F
complete -c gitsync -n "__fish_gitsync_needs_command" -l context -d 'Kubeconfig context to use (default: its current context)' -r
complete -c gitsync -n "__fish_gitsync_needs_command" -s n -l namespace -d 'Namespace for namespaced objects that name none (default: the context\'s namespace, else `default`)' -r
complete -c gitsync -n "__fish_gitsync_needs_command" -l request-timeout -d 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long' -r
complete -c gitsync -n "__fish_gitsync_needs_command" -s o -l output -d 'Output format of results on stdout' -r -f -a "text\t'Human-readable text (YAML for `render`)'
json\t'JSON with a stable schema, for CI'
markdown\t'Markdown, for pull-request comments'"
complete -c gitsync -n "__fish_gitsync_needs_command" -l color -d 'When to colour output. NO_COLOR in the environment means never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gitsync -n "__fish_gitsync_needs_command" -l all-targets -d 'Use every target of gitsync.yaml'
complete -c gitsync -n "__fish_gitsync_needs_command" -l trust-repo-kubeconfig -d 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request'
complete -c gitsync -n "__fish_gitsync_needs_command" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides'
complete -c gitsync -n "__fish_gitsync_needs_command" -s q -l quiet -d 'Only errors on stderr'
complete -c gitsync -n "__fish_gitsync_needs_command" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c gitsync -n "__fish_gitsync_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gitsync -n "__fish_gitsync_needs_command" -s V -l version -d 'Print version'
complete -c gitsync -n "__fish_gitsync_needs_command" -f -a "diff" -d 'Show what would change if the cluster were synced now'
complete -c gitsync -n "__fish_gitsync_needs_command" -f -a "sync" -d 'Make the cluster match Git: apply, prune what Git removed, wait healthy'
complete -c gitsync -n "__fish_gitsync_needs_command" -f -a "drift" -d 'Show what was changed in the cluster behind Git\'s back, and by whom'
complete -c gitsync -n "__fish_gitsync_needs_command" -f -a "watch" -d 'Run the pull / compare / sync loop as a daemon, self-healing drift'
complete -c gitsync -n "__fish_gitsync_needs_command" -f -a "status" -d 'Show per target what its cluster runs: the revision last synced (when, by whose commit), health, drift, and whether Git is ahead'
complete -c gitsync -n "__fish_gitsync_needs_command" -f -a "promote" -d 'Promote the revision one target last synced to another target: write it as that target\'s `revision:` in gitsync.yaml and commit'
complete -c gitsync -n "__fish_gitsync_needs_command" -f -a "rollback" -d 'Pin a target back to the revision it last ran healthy (or to --to REV), as a commit to gitsync.yaml: its `revision:`, or for a target generated from `apps:` the app\'s `pins:` entry for its cluster. Sync (or watch) then keeps that revision instead of fighting it; remove the pin to follow the branch again'
complete -c gitsync -n "__fish_gitsync_needs_command" -f -a "render" -d 'Print the desired objects as YAML (or a JSON list with -o json), in apply order. Needs no cluster'
complete -c gitsync -n "__fish_gitsync_needs_command" -f -a "health" -d 'Look at the health of objects as sync judges it'
complete -c gitsync -n "__fish_gitsync_needs_command" -f -a "image" -d 'Image updates: the newest image each gitsync.yaml `images:` policy allows, written into the marked scalars of the repository\'s files'
complete -c gitsync -n "__fish_gitsync_needs_command" -f -a "preview" -d 'Preview environments: one namespace per pull request (or any ref a `previews:` entry of gitsync.yaml matches), for CI'
complete -c gitsync -n "__fish_gitsync_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c gitsync -n "__fish_gitsync_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -l values -d 'Helm values file for a chart, relative to the repository (repeatable; adds to the target\'s values files)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -l release-name -d 'Helm release name (default: the target\'s name, else the chart\'s name)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -l kube-version -d 'Kubernetes version helm renders for (.Capabilities.KubeVersion). Default: the connected cluster\'s; `render`, which connects to no cluster, leaves helm\'s built-in default (v1.20.0)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -l api-versions -d 'API versions helm may assume (.Capabilities.APIVersions), e.g. `monitoring.coreos.com/v1` or `apps/v1/Deployment`; repeatable or comma-separated. Default: what the connected cluster serves; `render` assumes only helm\'s built-in API versions' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -l render-timeout -d 'How long helm or kustomize may run for one directory before it is stopped (e.g. 90s, 5m)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -l sops-age-key-file -d 'age identities for SOPS-encrypted files (only this file; without it: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, else $XDG_CONFIG_HOME/sops/age/keys.txt or ~/.config/sops/age/keys.txt)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -l sops-pgp-key-file -d 'Armored OpenPGP secret keys (no passphrase) for SOPS-encrypted files' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -s U -l unified -d 'Lines of context around each change in text diffs (like diff -U)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -l name -d 'Name of the ApplySet that owns this target\'s objects (default: derived from the repository and the target\'s path)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -l concurrency -d 'Server-side dry runs sent at once' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -l base -d 'Compare Git at REV (a branch, tag or commit) with the revision read (--revision, or the work tree) instead of with the cluster: both are rendered offline, no kubeconfig is read and no cluster is asked. For pull requests, also from forks' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -l repo -d 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -l revision -d 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote\'s HEAD' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -l path -d 'Directory inside the repository holding the manifests (default: the repository root, or the target\'s path in gitsync.yaml)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -l verify-signatures -d 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision' -r -f -a "head\t'The commit is signed by a trusted key'
tag\t'The annotated tag --revision names is signed by a trusted key'
tag-and-head\t'Both'"
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -l trusted-keys -d 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml\'s verifySignatures asks for' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -l max-checkout-size -d 'Most bytes a commit\'s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -l max-checkout-file-size -d 'Most bytes any one file of a commit may have when written to disk' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -l target -d 'Target of gitsync.yaml to use (an app of `apps:`: all its targets); repeat for several' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -l parallel-targets -d 'How many of several targets diff, sync, drift and status work on at once' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -l context -d 'Kubeconfig context to use (default: its current context)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -s n -l namespace -d 'Namespace for namespaced objects that name none (default: the context\'s namespace, else `default`)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -l request-timeout -d 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -s o -l output -d 'Output format of results on stdout' -r -f -a "text\t'Human-readable text (YAML for `render`)'
json\t'JSON with a stable schema, for CI'
markdown\t'Markdown, for pull-request comments'"
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -l color -d 'When to colour output. NO_COLOR in the environment means never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -l no-prune -d 'Do not delete objects that Git no longer has'
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -l force-conflicts -d 'Take over fields owned by other field managers instead of failing'
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -l force-replace -d 'Delete and recreate objects whose change touches an immutable field'
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -l prune-pvcs -d 'Allow pruning PersistentVolumeClaims, whose volumes\' data may be deleted with them (refused otherwise)'
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -l take-over -d 'Use an ApplySet whose parent records another repository or path (refused otherwise: both would prune each other\'s objects)'
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -l no-hooks -d 'Do not run lifecycle hooks (Argo CD and Helm hooks); they are listed as not run'
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -l no-decrypt -d 'Decrypt nothing: every SOPS-encrypted value renders as a placeholder (shown as a change, masked) and no key is read. For untrusted pull requests, whose templates could carry a decrypted value out in another form'
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -l all-targets -d 'Use every target of gitsync.yaml'
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -l trust-repo-kubeconfig -d 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request'
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides'
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -s q -l quiet -d 'Only errors on stderr'
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gitsync -n "__fish_gitsync_using_subcommand diff" -s V -l version -d 'Print version'
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l values -d 'Helm values file for a chart, relative to the repository (repeatable; adds to the target\'s values files)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l release-name -d 'Helm release name (default: the target\'s name, else the chart\'s name)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l kube-version -d 'Kubernetes version helm renders for (.Capabilities.KubeVersion). Default: the connected cluster\'s; `render`, which connects to no cluster, leaves helm\'s built-in default (v1.20.0)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l api-versions -d 'API versions helm may assume (.Capabilities.APIVersions), e.g. `monitoring.coreos.com/v1` or `apps/v1/Deployment`; repeatable or comma-separated. Default: what the connected cluster serves; `render` assumes only helm\'s built-in API versions' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l render-timeout -d 'How long helm or kustomize may run for one directory before it is stopped (e.g. 90s, 5m)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l sops-age-key-file -d 'age identities for SOPS-encrypted files (only this file; without it: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, else $XDG_CONFIG_HOME/sops/age/keys.txt or ~/.config/sops/age/keys.txt)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l sops-pgp-key-file -d 'Armored OpenPGP secret keys (no passphrase) for SOPS-encrypted files' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -s U -l unified -d 'Lines of context around each change in text diffs (like diff -U)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l name -d 'Name of the ApplySet that owns this target\'s objects (default: derived from the repository and the target\'s path)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l concurrency -d 'Server-side dry runs sent at once' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l timeout -d 'How long to wait for health (e.g. 90s, 5m, 1h)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l lock-timeout -d 'How long to wait while another sync (or watch) writes the same ApplySet before failing with its name (0s: do not wait)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l repo -d 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l revision -d 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote\'s HEAD' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l path -d 'Directory inside the repository holding the manifests (default: the repository root, or the target\'s path in gitsync.yaml)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l verify-signatures -d 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision' -r -f -a "head\t'The commit is signed by a trusted key'
tag\t'The annotated tag --revision names is signed by a trusted key'
tag-and-head\t'Both'"
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l trusted-keys -d 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml\'s verifySignatures asks for' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l max-checkout-size -d 'Most bytes a commit\'s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l max-checkout-file-size -d 'Most bytes any one file of a commit may have when written to disk' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l target -d 'Target of gitsync.yaml to use (an app of `apps:`: all its targets); repeat for several' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l parallel-targets -d 'How many of several targets diff, sync, drift and status work on at once' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l context -d 'Kubeconfig context to use (default: its current context)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -s n -l namespace -d 'Namespace for namespaced objects that name none (default: the context\'s namespace, else `default`)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l request-timeout -d 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -s o -l output -d 'Output format of results on stdout' -r -f -a "text\t'Human-readable text (YAML for `render`)'
json\t'JSON with a stable schema, for CI'
markdown\t'Markdown, for pull-request comments'"
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l color -d 'When to colour output. NO_COLOR in the environment means never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l no-prune -d 'Do not delete objects that Git no longer has'
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l force-conflicts -d 'Take over fields owned by other field managers instead of failing'
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l force-replace -d 'Delete and recreate objects whose change touches an immutable field'
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l prune-pvcs -d 'Allow pruning PersistentVolumeClaims, whose volumes\' data may be deleted with them (refused otherwise)'
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l take-over -d 'Use an ApplySet whose parent records another repository or path (refused otherwise: both would prune each other\'s objects)'
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l no-hooks -d 'Do not run lifecycle hooks (Argo CD and Helm hooks); they are listed as not run'
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l dry-run -d 'Print the plan exactly as `diff` does and change nothing'
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l allow-empty -d 'Allow an empty desired set to prune every member of the ApplySet'
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l no-wait -d 'Do not wait for applied objects to become healthy'
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l wait-for-jobs -d 'Wait for Jobs to complete (a failed Job fails the sync, naming its Pods\' exit codes), not only to start. Per Job, the annotation gitsync.io/wait-for-completion ("true" or "false") decides instead'
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l override-window -d 'Sync targets whose sync windows are closed now (gitsync.yaml `windows:`); the override is recorded on each target\'s ApplySet'
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l all-targets -d 'Use every target of gitsync.yaml'
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l trust-repo-kubeconfig -d 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request'
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides'
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -s q -l quiet -d 'Only errors on stderr'
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gitsync -n "__fish_gitsync_using_subcommand sync" -s V -l version -d 'Print version'
complete -c gitsync -n "__fish_gitsync_using_subcommand drift" -l values -d 'Helm values file for a chart, relative to the repository (repeatable; adds to the target\'s values files)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand drift" -l release-name -d 'Helm release name (default: the target\'s name, else the chart\'s name)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand drift" -l kube-version -d 'Kubernetes version helm renders for (.Capabilities.KubeVersion). Default: the connected cluster\'s; `render`, which connects to no cluster, leaves helm\'s built-in default (v1.20.0)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand drift" -l api-versions -d 'API versions helm may assume (.Capabilities.APIVersions), e.g. `monitoring.coreos.com/v1` or `apps/v1/Deployment`; repeatable or comma-separated. Default: what the connected cluster serves; `render` assumes only helm\'s built-in API versions' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand drift" -l render-timeout -d 'How long helm or kustomize may run for one directory before it is stopped (e.g. 90s, 5m)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand drift" -l sops-age-key-file -d 'age identities for SOPS-encrypted files (only this file; without it: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, else $XDG_CONFIG_HOME/sops/age/keys.txt or ~/.config/sops/age/keys.txt)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand drift" -l sops-pgp-key-file -d 'Armored OpenPGP secret keys (no passphrase) for SOPS-encrypted files' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand drift" -l name -d 'Name of the ApplySet (as given to `sync --name`)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand drift" -l repo -d 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand drift" -l revision -d 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote\'s HEAD' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand drift" -l path -d 'Directory inside the repository holding the manifests (default: the repository root, or the target\'s path in gitsync.yaml)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand drift" -l verify-signatures -d 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision' -r -f -a "head\t'The commit is signed by a trusted key'
tag\t'The annotated tag --revision names is signed by a trusted key'
tag-and-head\t'Both'"
complete -c gitsync -n "__fish_gitsync_using_subcommand drift" -l trusted-keys -d 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml\'s verifySignatures asks for' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand drift" -l max-checkout-size -d 'Most bytes a commit\'s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand drift" -l max-checkout-file-size -d 'Most bytes any one file of a commit may have when written to disk' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand drift" -l target -d 'Target of gitsync.yaml to use (an app of `apps:`: all its targets); repeat for several' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand drift" -l parallel-targets -d 'How many of several targets diff, sync, drift and status work on at once' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand drift" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand drift" -l context -d 'Kubeconfig context to use (default: its current context)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand drift" -s n -l namespace -d 'Namespace for namespaced objects that name none (default: the context\'s namespace, else `default`)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand drift" -l request-timeout -d 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand drift" -s o -l output -d 'Output format of results on stdout' -r -f -a "text\t'Human-readable text (YAML for `render`)'
json\t'JSON with a stable schema, for CI'
markdown\t'Markdown, for pull-request comments'"
complete -c gitsync -n "__fish_gitsync_using_subcommand drift" -l color -d 'When to colour output. NO_COLOR in the environment means never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gitsync -n "__fish_gitsync_using_subcommand drift" -l fix -d 'Re-apply the drifted objects at the last synced revision'
complete -c gitsync -n "__fish_gitsync_using_subcommand drift" -l all-targets -d 'Use every target of gitsync.yaml'
complete -c gitsync -n "__fish_gitsync_using_subcommand drift" -l trust-repo-kubeconfig -d 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request'
complete -c gitsync -n "__fish_gitsync_using_subcommand drift" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides'
complete -c gitsync -n "__fish_gitsync_using_subcommand drift" -s q -l quiet -d 'Only errors on stderr'
complete -c gitsync -n "__fish_gitsync_using_subcommand drift" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c gitsync -n "__fish_gitsync_using_subcommand drift" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gitsync -n "__fish_gitsync_using_subcommand drift" -s V -l version -d 'Print version'
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l values -d 'Helm values file for a chart, relative to the repository (repeatable; adds to the target\'s values files)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l release-name -d 'Helm release name (default: the target\'s name, else the chart\'s name)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l kube-version -d 'Kubernetes version helm renders for (.Capabilities.KubeVersion). Default: the connected cluster\'s; `render`, which connects to no cluster, leaves helm\'s built-in default (v1.20.0)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l api-versions -d 'API versions helm may assume (.Capabilities.APIVersions), e.g. `monitoring.coreos.com/v1` or `apps/v1/Deployment`; repeatable or comma-separated. Default: what the connected cluster serves; `render` assumes only helm\'s built-in API versions' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l render-timeout -d 'How long helm or kustomize may run for one directory before it is stopped (e.g. 90s, 5m)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l sops-age-key-file -d 'age identities for SOPS-encrypted files (only this file; without it: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, else $XDG_CONFIG_HOME/sops/age/keys.txt or ~/.config/sops/age/keys.txt)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l sops-pgp-key-file -d 'Armored OpenPGP secret keys (no passphrase) for SOPS-encrypted files' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l name -d 'Name of the ApplySet (as given to `sync --name`)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l interval -d 'How often to ask whether the remote moved' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l resync -d 'Full resync period, a safety net beside the watch streams' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l listen -d 'Address of the HTTP server (/healthz, /readyz, /metrics, /webhook)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l webhook-secret-file -d 'File holding the secret that authenticates POST /webhook' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l ui-token-file -d 'File holding the token that opens the dashboard (/, /api) to clients sent it, and enables its "refresh now" button. Without it the dashboard is served only on a loopback --listen' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l image-interval -d 'Also ask the registries of gitsync.yaml\'s `images:` policies this often, and commit and push any update to the branch followed (--revision\'s, else main); it is then synced as any commit. Needs --repo as a URL' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l image-author -d 'Author and committer of image update commits' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l registry-credentials -d 'A Docker config.json whose `auths` hold registry credentials (default: $DOCKER_CONFIG/config.json, else ~/.docker/config.json)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l insecure-registry -d 'A registry host (`HOST[:PORT]`) spoken to over plain HTTP (loopback hosts always are); repeatable' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l log-format -d 'Log line format on stderr' -r -f -a "text\t''
json\t''"
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l stall-timeout -d '/healthz fails (503) once one step (poll, sync, heal) has been running this long, so that a wedged daemon gets restarted' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l grace-period -d 'On SIGTERM or SIGINT, how long the step in flight may still run (no new write starts meanwhile). Keep it below the pod\'s terminationGracePeriodSeconds (120 in deploy/)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l repo -d 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l revision -d 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote\'s HEAD' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l path -d 'Directory inside the repository holding the manifests (default: the repository root, or the target\'s path in gitsync.yaml)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l verify-signatures -d 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision' -r -f -a "head\t'The commit is signed by a trusted key'
tag\t'The annotated tag --revision names is signed by a trusted key'
tag-and-head\t'Both'"
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l trusted-keys -d 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml\'s verifySignatures asks for' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l max-checkout-size -d 'Most bytes a commit\'s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l max-checkout-file-size -d 'Most bytes any one file of a commit may have when written to disk' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l target -d 'Target of gitsync.yaml to use (an app of `apps:`: all its targets); repeat for several' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l parallel-targets -d 'How many of several targets diff, sync, drift and status work on at once' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l context -d 'Kubeconfig context to use (default: its current context)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -s n -l namespace -d 'Namespace for namespaced objects that name none (default: the context\'s namespace, else `default`)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l request-timeout -d 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -s o -l output -d 'Output format of results on stdout' -r -f -a "text\t'Human-readable text (YAML for `render`)'
json\t'JSON with a stable schema, for CI'
markdown\t'Markdown, for pull-request comments'"
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l color -d 'When to colour output. NO_COLOR in the environment means never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l no-self-heal -d 'Only report and count drift; do not revert it'
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l leader-elect -d 'Hold a coordination.k8s.io Lease per target so that only one replica acts on each; several replicas spread the targets'
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l previews -d 'Also open, update and close preview environments (gitsync.yaml `previews:`) as their refs appear, move and disappear, or their TTL passes; checked every --interval'
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l all-targets -d 'Use every target of gitsync.yaml'
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l trust-repo-kubeconfig -d 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request'
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides'
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -s q -l quiet -d 'Only errors on stderr'
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gitsync -n "__fish_gitsync_using_subcommand watch" -s V -l version -d 'Print version'
complete -c gitsync -n "__fish_gitsync_using_subcommand status" -l values -d 'Helm values file for a chart, relative to the repository (repeatable; adds to the target\'s values files)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand status" -l release-name -d 'Helm release name (default: the target\'s name, else the chart\'s name)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand status" -l kube-version -d 'Kubernetes version helm renders for (.Capabilities.KubeVersion). Default: the connected cluster\'s; `render`, which connects to no cluster, leaves helm\'s built-in default (v1.20.0)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand status" -l api-versions -d 'API versions helm may assume (.Capabilities.APIVersions), e.g. `monitoring.coreos.com/v1` or `apps/v1/Deployment`; repeatable or comma-separated. Default: what the connected cluster serves; `render` assumes only helm\'s built-in API versions' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand status" -l render-timeout -d 'How long helm or kustomize may run for one directory before it is stopped (e.g. 90s, 5m)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand status" -l sops-age-key-file -d 'age identities for SOPS-encrypted files (only this file; without it: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, else $XDG_CONFIG_HOME/sops/age/keys.txt or ~/.config/sops/age/keys.txt)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand status" -l sops-pgp-key-file -d 'Armored OpenPGP secret keys (no passphrase) for SOPS-encrypted files' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand status" -l name -d 'Name of the ApplySet (as given to `sync --name`)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand status" -l repo -d 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand status" -l revision -d 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote\'s HEAD' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand status" -l path -d 'Directory inside the repository holding the manifests (default: the repository root, or the target\'s path in gitsync.yaml)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand status" -l verify-signatures -d 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision' -r -f -a "head\t'The commit is signed by a trusted key'
tag\t'The annotated tag --revision names is signed by a trusted key'
tag-and-head\t'Both'"
complete -c gitsync -n "__fish_gitsync_using_subcommand status" -l trusted-keys -d 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml\'s verifySignatures asks for' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand status" -l max-checkout-size -d 'Most bytes a commit\'s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand status" -l max-checkout-file-size -d 'Most bytes any one file of a commit may have when written to disk' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand status" -l target -d 'Target of gitsync.yaml to use (an app of `apps:`: all its targets); repeat for several' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand status" -l parallel-targets -d 'How many of several targets diff, sync, drift and status work on at once' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand status" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand status" -l context -d 'Kubeconfig context to use (default: its current context)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand status" -s n -l namespace -d 'Namespace for namespaced objects that name none (default: the context\'s namespace, else `default`)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand status" -l request-timeout -d 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand status" -s o -l output -d 'Output format of results on stdout' -r -f -a "text\t'Human-readable text (YAML for `render`)'
json\t'JSON with a stable schema, for CI'
markdown\t'Markdown, for pull-request comments'"
complete -c gitsync -n "__fish_gitsync_using_subcommand status" -l color -d 'When to colour output. NO_COLOR in the environment means never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gitsync -n "__fish_gitsync_using_subcommand status" -l all-targets -d 'Use every target of gitsync.yaml'
complete -c gitsync -n "__fish_gitsync_using_subcommand status" -l trust-repo-kubeconfig -d 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request'
complete -c gitsync -n "__fish_gitsync_using_subcommand status" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides'
complete -c gitsync -n "__fish_gitsync_using_subcommand status" -s q -l quiet -d 'Only errors on stderr'
complete -c gitsync -n "__fish_gitsync_using_subcommand status" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c gitsync -n "__fish_gitsync_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gitsync -n "__fish_gitsync_using_subcommand status" -s V -l version -d 'Print version'
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -l values -d 'Helm values file for a chart, relative to the repository (repeatable; adds to the target\'s values files)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -l release-name -d 'Helm release name (default: the target\'s name, else the chart\'s name)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -l kube-version -d 'Kubernetes version helm renders for (.Capabilities.KubeVersion). Default: the connected cluster\'s; `render`, which connects to no cluster, leaves helm\'s built-in default (v1.20.0)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -l api-versions -d 'API versions helm may assume (.Capabilities.APIVersions), e.g. `monitoring.coreos.com/v1` or `apps/v1/Deployment`; repeatable or comma-separated. Default: what the connected cluster serves; `render` assumes only helm\'s built-in API versions' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -l render-timeout -d 'How long helm or kustomize may run for one directory before it is stopped (e.g. 90s, 5m)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -l sops-age-key-file -d 'age identities for SOPS-encrypted files (only this file; without it: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, else $XDG_CONFIG_HOME/sops/age/keys.txt or ~/.config/sops/age/keys.txt)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -l sops-pgp-key-file -d 'Armored OpenPGP secret keys (no passphrase) for SOPS-encrypted files' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -l from -d 'Target whose last synced revision is promoted' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -l to -d 'Target whose `revision:` in gitsync.yaml is set to it' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -l soak -d 'Refuse unless --from was synced at least this long ago (e.g. 1h)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -l name -d 'Name of --from\'s ApplySet (as given to `sync --name`)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -l signing-key -d 'Sign the commit with this key, so that targets verifying signatures accept it: an OpenSSH private key or an armored OpenPGP secret key, without a passphrase' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -l repo -d 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -l revision -d 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote\'s HEAD' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -l path -d 'Directory inside the repository holding the manifests (default: the repository root, or the target\'s path in gitsync.yaml)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -l verify-signatures -d 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision' -r -f -a "head\t'The commit is signed by a trusted key'
tag\t'The annotated tag --revision names is signed by a trusted key'
tag-and-head\t'Both'"
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -l trusted-keys -d 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml\'s verifySignatures asks for' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -l max-checkout-size -d 'Most bytes a commit\'s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -l max-checkout-file-size -d 'Most bytes any one file of a commit may have when written to disk' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -l target -d 'Target of gitsync.yaml to use (an app of `apps:`: all its targets); repeat for several' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -l parallel-targets -d 'How many of several targets diff, sync, drift and status work on at once' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -l context -d 'Kubeconfig context to use (default: its current context)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -s n -l namespace -d 'Namespace for namespaced objects that name none (default: the context\'s namespace, else `default`)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -l request-timeout -d 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -s o -l output -d 'Output format of results on stdout' -r -f -a "text\t'Human-readable text (YAML for `render`)'
json\t'JSON with a stable schema, for CI'
markdown\t'Markdown, for pull-request comments'"
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -l color -d 'When to colour output. NO_COLOR in the environment means never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -l dry-run -d 'Print the change to gitsync.yaml and the commit message; commit nothing'
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -l override-window -d 'Promote although --to\'s sync windows are closed now (said in the commit message)'
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -l all-targets -d 'Use every target of gitsync.yaml'
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -l trust-repo-kubeconfig -d 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request'
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides'
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -s q -l quiet -d 'Only errors on stderr'
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gitsync -n "__fish_gitsync_using_subcommand promote" -s V -l version -d 'Print version'
complete -c gitsync -n "__fish_gitsync_using_subcommand rollback" -l values -d 'Helm values file for a chart, relative to the repository (repeatable; adds to the target\'s values files)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand rollback" -l release-name -d 'Helm release name (default: the target\'s name, else the chart\'s name)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand rollback" -l kube-version -d 'Kubernetes version helm renders for (.Capabilities.KubeVersion). Default: the connected cluster\'s; `render`, which connects to no cluster, leaves helm\'s built-in default (v1.20.0)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand rollback" -l api-versions -d 'API versions helm may assume (.Capabilities.APIVersions), e.g. `monitoring.coreos.com/v1` or `apps/v1/Deployment`; repeatable or comma-separated. Default: what the connected cluster serves; `render` assumes only helm\'s built-in API versions' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand rollback" -l render-timeout -d 'How long helm or kustomize may run for one directory before it is stopped (e.g. 90s, 5m)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand rollback" -l sops-age-key-file -d 'age identities for SOPS-encrypted files (only this file; without it: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, else $XDG_CONFIG_HOME/sops/age/keys.txt or ~/.config/sops/age/keys.txt)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand rollback" -l sops-pgp-key-file -d 'Armored OpenPGP secret keys (no passphrase) for SOPS-encrypted files' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand rollback" -l to -d 'Pin to this revision (branch, tag or commit) instead of the last healthy one its ApplySet records' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand rollback" -l name -d 'Name of the target\'s ApplySet (as given to `sync --name`)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand rollback" -l signing-key -d 'Sign the commit with this key (as `promote --signing-key`)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand rollback" -l repo -d 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand rollback" -l revision -d 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote\'s HEAD' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand rollback" -l path -d 'Directory inside the repository holding the manifests (default: the repository root, or the target\'s path in gitsync.yaml)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand rollback" -l verify-signatures -d 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision' -r -f -a "head\t'The commit is signed by a trusted key'
tag\t'The annotated tag --revision names is signed by a trusted key'
tag-and-head\t'Both'"
complete -c gitsync -n "__fish_gitsync_using_subcommand rollback" -l trusted-keys -d 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml\'s verifySignatures asks for' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand rollback" -l max-checkout-size -d 'Most bytes a commit\'s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand rollback" -l max-checkout-file-size -d 'Most bytes any one file of a commit may have when written to disk' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand rollback" -l target -d 'Target of gitsync.yaml to use (an app of `apps:`: all its targets); repeat for several' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand rollback" -l parallel-targets -d 'How many of several targets diff, sync, drift and status work on at once' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand rollback" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand rollback" -l context -d 'Kubeconfig context to use (default: its current context)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand rollback" -s n -l namespace -d 'Namespace for namespaced objects that name none (default: the context\'s namespace, else `default`)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand rollback" -l request-timeout -d 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand rollback" -s o -l output -d 'Output format of results on stdout' -r -f -a "text\t'Human-readable text (YAML for `render`)'
json\t'JSON with a stable schema, for CI'
markdown\t'Markdown, for pull-request comments'"
complete -c gitsync -n "__fish_gitsync_using_subcommand rollback" -l color -d 'When to colour output. NO_COLOR in the environment means never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gitsync -n "__fish_gitsync_using_subcommand rollback" -l dry-run -d 'Print the change to gitsync.yaml and the commit message; commit nothing'
complete -c gitsync -n "__fish_gitsync_using_subcommand rollback" -l all-targets -d 'Use every target of gitsync.yaml'
complete -c gitsync -n "__fish_gitsync_using_subcommand rollback" -l trust-repo-kubeconfig -d 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request'
complete -c gitsync -n "__fish_gitsync_using_subcommand rollback" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides'
complete -c gitsync -n "__fish_gitsync_using_subcommand rollback" -s q -l quiet -d 'Only errors on stderr'
complete -c gitsync -n "__fish_gitsync_using_subcommand rollback" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c gitsync -n "__fish_gitsync_using_subcommand rollback" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gitsync -n "__fish_gitsync_using_subcommand rollback" -s V -l version -d 'Print version'
complete -c gitsync -n "__fish_gitsync_using_subcommand render" -l values -d 'Helm values file for a chart, relative to the repository (repeatable; adds to the target\'s values files)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand render" -l release-name -d 'Helm release name (default: the target\'s name, else the chart\'s name)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand render" -l kube-version -d 'Kubernetes version helm renders for (.Capabilities.KubeVersion). Default: the connected cluster\'s; `render`, which connects to no cluster, leaves helm\'s built-in default (v1.20.0)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand render" -l api-versions -d 'API versions helm may assume (.Capabilities.APIVersions), e.g. `monitoring.coreos.com/v1` or `apps/v1/Deployment`; repeatable or comma-separated. Default: what the connected cluster serves; `render` assumes only helm\'s built-in API versions' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand render" -l render-timeout -d 'How long helm or kustomize may run for one directory before it is stopped (e.g. 90s, 5m)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand render" -l sops-age-key-file -d 'age identities for SOPS-encrypted files (only this file; without it: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, else $XDG_CONFIG_HOME/sops/age/keys.txt or ~/.config/sops/age/keys.txt)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand render" -l sops-pgp-key-file -d 'Armored OpenPGP secret keys (no passphrase) for SOPS-encrypted files' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand render" -l repo -d 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand render" -l revision -d 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote\'s HEAD' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand render" -l path -d 'Directory inside the repository holding the manifests (default: the repository root, or the target\'s path in gitsync.yaml)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand render" -l verify-signatures -d 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision' -r -f -a "head\t'The commit is signed by a trusted key'
tag\t'The annotated tag --revision names is signed by a trusted key'
tag-and-head\t'Both'"
complete -c gitsync -n "__fish_gitsync_using_subcommand render" -l trusted-keys -d 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml\'s verifySignatures asks for' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand render" -l max-checkout-size -d 'Most bytes a commit\'s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand render" -l max-checkout-file-size -d 'Most bytes any one file of a commit may have when written to disk' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand render" -l target -d 'Target of gitsync.yaml to use (an app of `apps:`: all its targets); repeat for several' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand render" -l parallel-targets -d 'How many of several targets diff, sync, drift and status work on at once' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand render" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand render" -l context -d 'Kubeconfig context to use (default: its current context)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand render" -s n -l namespace -d 'Namespace for namespaced objects that name none (default: the context\'s namespace, else `default`)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand render" -l request-timeout -d 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand render" -s o -l output -d 'Output format of results on stdout' -r -f -a "text\t'Human-readable text (YAML for `render`)'
json\t'JSON with a stable schema, for CI'
markdown\t'Markdown, for pull-request comments'"
complete -c gitsync -n "__fish_gitsync_using_subcommand render" -l color -d 'When to colour output. NO_COLOR in the environment means never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gitsync -n "__fish_gitsync_using_subcommand render" -l reveal-secrets -d 'Print the values of SOPS-encrypted documents in clear (default: masked, like every Secret value in the other commands\' output)'
complete -c gitsync -n "__fish_gitsync_using_subcommand render" -l no-decrypt -d 'Decrypt nothing: every SOPS-encrypted value renders as a placeholder and no key is read. For untrusted pull requests, whose templates could carry a decrypted value out in another form'
complete -c gitsync -n "__fish_gitsync_using_subcommand render" -l explain-vars -d 'Instead of the manifests, each target\'s `${name}` variables: the value, where gitsync.yaml set it and which documents use it'
complete -c gitsync -n "__fish_gitsync_using_subcommand render" -l all-targets -d 'Use every target of gitsync.yaml'
complete -c gitsync -n "__fish_gitsync_using_subcommand render" -l trust-repo-kubeconfig -d 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request'
complete -c gitsync -n "__fish_gitsync_using_subcommand render" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides'
complete -c gitsync -n "__fish_gitsync_using_subcommand render" -s q -l quiet -d 'Only errors on stderr'
complete -c gitsync -n "__fish_gitsync_using_subcommand render" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c gitsync -n "__fish_gitsync_using_subcommand render" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gitsync -n "__fish_gitsync_using_subcommand render" -s V -l version -d 'Print version'
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and not __fish_seen_subcommand_from explain help" -l repo -d 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and not __fish_seen_subcommand_from explain help" -l revision -d 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote\'s HEAD' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and not __fish_seen_subcommand_from explain help" -l path -d 'Directory inside the repository holding the manifests (default: the repository root, or the target\'s path in gitsync.yaml)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and not __fish_seen_subcommand_from explain help" -l verify-signatures -d 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision' -r -f -a "head\t'The commit is signed by a trusted key'
tag\t'The annotated tag --revision names is signed by a trusted key'
tag-and-head\t'Both'"
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and not __fish_seen_subcommand_from explain help" -l trusted-keys -d 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml\'s verifySignatures asks for' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and not __fish_seen_subcommand_from explain help" -l max-checkout-size -d 'Most bytes a commit\'s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and not __fish_seen_subcommand_from explain help" -l max-checkout-file-size -d 'Most bytes any one file of a commit may have when written to disk' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and not __fish_seen_subcommand_from explain help" -l target -d 'Target of gitsync.yaml to use (an app of `apps:`: all its targets); repeat for several' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and not __fish_seen_subcommand_from explain help" -l parallel-targets -d 'How many of several targets diff, sync, drift and status work on at once' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and not __fish_seen_subcommand_from explain help" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and not __fish_seen_subcommand_from explain help" -l context -d 'Kubeconfig context to use (default: its current context)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and not __fish_seen_subcommand_from explain help" -s n -l namespace -d 'Namespace for namespaced objects that name none (default: the context\'s namespace, else `default`)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and not __fish_seen_subcommand_from explain help" -l request-timeout -d 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and not __fish_seen_subcommand_from explain help" -s o -l output -d 'Output format of results on stdout' -r -f -a "text\t'Human-readable text (YAML for `render`)'
json\t'JSON with a stable schema, for CI'
markdown\t'Markdown, for pull-request comments'"
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and not __fish_seen_subcommand_from explain help" -l color -d 'When to colour output. NO_COLOR in the environment means never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and not __fish_seen_subcommand_from explain help" -l all-targets -d 'Use every target of gitsync.yaml'
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and not __fish_seen_subcommand_from explain help" -l trust-repo-kubeconfig -d 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request'
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and not __fish_seen_subcommand_from explain help" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides'
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and not __fish_seen_subcommand_from explain help" -s q -l quiet -d 'Only errors on stderr'
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and not __fish_seen_subcommand_from explain help" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and not __fish_seen_subcommand_from explain help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and not __fish_seen_subcommand_from explain help" -s V -l version -d 'Print version'
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and not __fish_seen_subcommand_from explain help" -f -a "explain" -d 'Say which rule decides one live object\'s health (gitsync.yaml\'s healthCheckExprs, a built-in rule for a custom resource, Job completion, or kstatus) and why it is what it is now'
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and not __fish_seen_subcommand_from explain help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and __fish_seen_subcommand_from explain" -l repo -d 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and __fish_seen_subcommand_from explain" -l revision -d 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote\'s HEAD' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and __fish_seen_subcommand_from explain" -l path -d 'Directory inside the repository holding the manifests (default: the repository root, or the target\'s path in gitsync.yaml)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and __fish_seen_subcommand_from explain" -l verify-signatures -d 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision' -r -f -a "head\t'The commit is signed by a trusted key'
tag\t'The annotated tag --revision names is signed by a trusted key'
tag-and-head\t'Both'"
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and __fish_seen_subcommand_from explain" -l trusted-keys -d 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml\'s verifySignatures asks for' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and __fish_seen_subcommand_from explain" -l max-checkout-size -d 'Most bytes a commit\'s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and __fish_seen_subcommand_from explain" -l max-checkout-file-size -d 'Most bytes any one file of a commit may have when written to disk' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and __fish_seen_subcommand_from explain" -l target -d 'Target of gitsync.yaml to use (an app of `apps:`: all its targets); repeat for several' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and __fish_seen_subcommand_from explain" -l parallel-targets -d 'How many of several targets diff, sync, drift and status work on at once' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and __fish_seen_subcommand_from explain" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and __fish_seen_subcommand_from explain" -l context -d 'Kubeconfig context to use (default: its current context)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and __fish_seen_subcommand_from explain" -s n -l namespace -d 'Namespace for namespaced objects that name none (default: the context\'s namespace, else `default`)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and __fish_seen_subcommand_from explain" -l request-timeout -d 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and __fish_seen_subcommand_from explain" -s o -l output -d 'Output format of results on stdout' -r -f -a "text\t'Human-readable text (YAML for `render`)'
json\t'JSON with a stable schema, for CI'
markdown\t'Markdown, for pull-request comments'"
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and __fish_seen_subcommand_from explain" -l color -d 'When to colour output. NO_COLOR in the environment means never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and __fish_seen_subcommand_from explain" -l wait-for-jobs -d 'Judge a Job as `sync --wait-for-jobs` does: healthy only once complete'
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and __fish_seen_subcommand_from explain" -l all-targets -d 'Use every target of gitsync.yaml'
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and __fish_seen_subcommand_from explain" -l trust-repo-kubeconfig -d 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request'
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and __fish_seen_subcommand_from explain" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides'
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and __fish_seen_subcommand_from explain" -s q -l quiet -d 'Only errors on stderr'
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and __fish_seen_subcommand_from explain" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and __fish_seen_subcommand_from explain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and __fish_seen_subcommand_from explain" -s V -l version -d 'Print version'
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and __fish_seen_subcommand_from help" -f -a "explain" -d 'Say which rule decides one live object\'s health (gitsync.yaml\'s healthCheckExprs, a built-in rule for a custom resource, Job completion, or kstatus) and why it is what it is now'
complete -c gitsync -n "__fish_gitsync_using_subcommand health; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and not __fish_seen_subcommand_from list update help" -l repo -d 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and not __fish_seen_subcommand_from list update help" -l revision -d 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote\'s HEAD' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and not __fish_seen_subcommand_from list update help" -l path -d 'Directory inside the repository holding the manifests (default: the repository root, or the target\'s path in gitsync.yaml)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and not __fish_seen_subcommand_from list update help" -l verify-signatures -d 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision' -r -f -a "head\t'The commit is signed by a trusted key'
tag\t'The annotated tag --revision names is signed by a trusted key'
tag-and-head\t'Both'"
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and not __fish_seen_subcommand_from list update help" -l trusted-keys -d 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml\'s verifySignatures asks for' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and not __fish_seen_subcommand_from list update help" -l max-checkout-size -d 'Most bytes a commit\'s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and not __fish_seen_subcommand_from list update help" -l max-checkout-file-size -d 'Most bytes any one file of a commit may have when written to disk' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and not __fish_seen_subcommand_from list update help" -l target -d 'Target of gitsync.yaml to use (an app of `apps:`: all its targets); repeat for several' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and not __fish_seen_subcommand_from list update help" -l parallel-targets -d 'How many of several targets diff, sync, drift and status work on at once' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and not __fish_seen_subcommand_from list update help" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and not __fish_seen_subcommand_from list update help" -l context -d 'Kubeconfig context to use (default: its current context)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and not __fish_seen_subcommand_from list update help" -s n -l namespace -d 'Namespace for namespaced objects that name none (default: the context\'s namespace, else `default`)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and not __fish_seen_subcommand_from list update help" -l request-timeout -d 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and not __fish_seen_subcommand_from list update help" -s o -l output -d 'Output format of results on stdout' -r -f -a "text\t'Human-readable text (YAML for `render`)'
json\t'JSON with a stable schema, for CI'
markdown\t'Markdown, for pull-request comments'"
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and not __fish_seen_subcommand_from list update help" -l color -d 'When to colour output. NO_COLOR in the environment means never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and not __fish_seen_subcommand_from list update help" -l all-targets -d 'Use every target of gitsync.yaml'
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and not __fish_seen_subcommand_from list update help" -l trust-repo-kubeconfig -d 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request'
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and not __fish_seen_subcommand_from list update help" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides'
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and not __fish_seen_subcommand_from list update help" -s q -l quiet -d 'Only errors on stderr'
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and not __fish_seen_subcommand_from list update help" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and not __fish_seen_subcommand_from list update help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and not __fish_seen_subcommand_from list update help" -s V -l version -d 'Print version'
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and not __fish_seen_subcommand_from list update help" -f -a "list" -d 'Per policy: what Git holds, the newest allowed tag, and why others were passed over'
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and not __fish_seen_subcommand_from list update help" -f -a "update" -d 'Write the newest allowed images into the marked files, as one commit of the local repository listing each change'
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and not __fish_seen_subcommand_from list update help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from list" -l registry-credentials -d 'A Docker config.json whose `auths` hold registry credentials (default: $DOCKER_CONFIG/config.json, else ~/.docker/config.json)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from list" -l insecure-registry -d 'A registry host (`HOST[:PORT]`) spoken to over plain HTTP (loopback hosts always are); repeatable' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from list" -l repo -d 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from list" -l revision -d 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote\'s HEAD' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from list" -l path -d 'Directory inside the repository holding the manifests (default: the repository root, or the target\'s path in gitsync.yaml)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from list" -l verify-signatures -d 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision' -r -f -a "head\t'The commit is signed by a trusted key'
tag\t'The annotated tag --revision names is signed by a trusted key'
tag-and-head\t'Both'"
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from list" -l trusted-keys -d 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml\'s verifySignatures asks for' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from list" -l max-checkout-size -d 'Most bytes a commit\'s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from list" -l max-checkout-file-size -d 'Most bytes any one file of a commit may have when written to disk' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from list" -l target -d 'Target of gitsync.yaml to use (an app of `apps:`: all its targets); repeat for several' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from list" -l parallel-targets -d 'How many of several targets diff, sync, drift and status work on at once' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from list" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from list" -l context -d 'Kubeconfig context to use (default: its current context)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from list" -s n -l namespace -d 'Namespace for namespaced objects that name none (default: the context\'s namespace, else `default`)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from list" -l request-timeout -d 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format of results on stdout' -r -f -a "text\t'Human-readable text (YAML for `render`)'
json\t'JSON with a stable schema, for CI'
markdown\t'Markdown, for pull-request comments'"
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from list" -l color -d 'When to colour output. NO_COLOR in the environment means never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from list" -l all-targets -d 'Use every target of gitsync.yaml'
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from list" -l trust-repo-kubeconfig -d 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request'
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides'
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Only errors on stderr'
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from list" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from update" -l registry-credentials -d 'A Docker config.json whose `auths` hold registry credentials (default: $DOCKER_CONFIG/config.json, else ~/.docker/config.json)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from update" -l insecure-registry -d 'A registry host (`HOST[:PORT]`) spoken to over plain HTTP (loopback hosts always are); repeatable' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from update" -l signing-key -d 'Sign the commit with this key (as `promote --signing-key`)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from update" -l push -d 'Push the commit to this branch (runs `git push`, bounded, no prompt); a push rejected because the branch moved is made again once on its new tip' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from update" -l push-remote -d 'The remote --push pushes to' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from update" -l repo -d 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from update" -l revision -d 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote\'s HEAD' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from update" -l path -d 'Directory inside the repository holding the manifests (default: the repository root, or the target\'s path in gitsync.yaml)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from update" -l verify-signatures -d 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision' -r -f -a "head\t'The commit is signed by a trusted key'
tag\t'The annotated tag --revision names is signed by a trusted key'
tag-and-head\t'Both'"
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from update" -l trusted-keys -d 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml\'s verifySignatures asks for' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from update" -l max-checkout-size -d 'Most bytes a commit\'s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from update" -l max-checkout-file-size -d 'Most bytes any one file of a commit may have when written to disk' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from update" -l target -d 'Target of gitsync.yaml to use (an app of `apps:`: all its targets); repeat for several' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from update" -l parallel-targets -d 'How many of several targets diff, sync, drift and status work on at once' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from update" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from update" -l context -d 'Kubeconfig context to use (default: its current context)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from update" -s n -l namespace -d 'Namespace for namespaced objects that name none (default: the context\'s namespace, else `default`)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from update" -l request-timeout -d 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from update" -s o -l output -d 'Output format of results on stdout' -r -f -a "text\t'Human-readable text (YAML for `render`)'
json\t'JSON with a stable schema, for CI'
markdown\t'Markdown, for pull-request comments'"
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from update" -l color -d 'When to colour output. NO_COLOR in the environment means never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from update" -l dry-run -d 'Print the changes as a diff; commit nothing'
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from update" -l all-targets -d 'Use every target of gitsync.yaml'
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from update" -l trust-repo-kubeconfig -d 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request'
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from update" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides'
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from update" -s q -l quiet -d 'Only errors on stderr'
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from update" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from update" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from update" -s V -l version -d 'Print version'
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "list" -d 'Per policy: what Git holds, the newest allowed tag, and why others were passed over'
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "update" -d 'Write the newest allowed images into the marked files, as one commit of the local repository listing each change'
complete -c gitsync -n "__fish_gitsync_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and not __fish_seen_subcommand_from list up down help" -l repo -d 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and not __fish_seen_subcommand_from list up down help" -l revision -d 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote\'s HEAD' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and not __fish_seen_subcommand_from list up down help" -l path -d 'Directory inside the repository holding the manifests (default: the repository root, or the target\'s path in gitsync.yaml)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and not __fish_seen_subcommand_from list up down help" -l verify-signatures -d 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision' -r -f -a "head\t'The commit is signed by a trusted key'
tag\t'The annotated tag --revision names is signed by a trusted key'
tag-and-head\t'Both'"
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and not __fish_seen_subcommand_from list up down help" -l trusted-keys -d 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml\'s verifySignatures asks for' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and not __fish_seen_subcommand_from list up down help" -l max-checkout-size -d 'Most bytes a commit\'s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and not __fish_seen_subcommand_from list up down help" -l max-checkout-file-size -d 'Most bytes any one file of a commit may have when written to disk' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and not __fish_seen_subcommand_from list up down help" -l target -d 'Target of gitsync.yaml to use (an app of `apps:`: all its targets); repeat for several' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and not __fish_seen_subcommand_from list up down help" -l parallel-targets -d 'How many of several targets diff, sync, drift and status work on at once' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and not __fish_seen_subcommand_from list up down help" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and not __fish_seen_subcommand_from list up down help" -l context -d 'Kubeconfig context to use (default: its current context)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and not __fish_seen_subcommand_from list up down help" -s n -l namespace -d 'Namespace for namespaced objects that name none (default: the context\'s namespace, else `default`)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and not __fish_seen_subcommand_from list up down help" -l request-timeout -d 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and not __fish_seen_subcommand_from list up down help" -s o -l output -d 'Output format of results on stdout' -r -f -a "text\t'Human-readable text (YAML for `render`)'
json\t'JSON with a stable schema, for CI'
markdown\t'Markdown, for pull-request comments'"
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and not __fish_seen_subcommand_from list up down help" -l color -d 'When to colour output. NO_COLOR in the environment means never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and not __fish_seen_subcommand_from list up down help" -l all-targets -d 'Use every target of gitsync.yaml'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and not __fish_seen_subcommand_from list up down help" -l trust-repo-kubeconfig -d 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and not __fish_seen_subcommand_from list up down help" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and not __fish_seen_subcommand_from list up down help" -s q -l quiet -d 'Only errors on stderr'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and not __fish_seen_subcommand_from list up down help" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and not __fish_seen_subcommand_from list up down help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and not __fish_seen_subcommand_from list up down help" -s V -l version -d 'Print version'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and not __fish_seen_subcommand_from list up down help" -f -a "list" -d 'Every preview the remote\'s refs ask for and every one open, with its commit, namespace, health, URL and state (open, outdated, pending, closing, orphaned)'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and not __fish_seen_subcommand_from list up down help" -f -a "up" -d 'Open the preview of REF, or bring it to REF\'s commit: render the entry\'s target at REF into the preview\'s namespace, sync, wait'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and not __fish_seen_subcommand_from list up down help" -f -a "down" -d 'Close the preview of REF: delete everything it created, then its namespace, and nothing else'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and not __fish_seen_subcommand_from list up down help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from list" -l values -d 'Helm values file for a chart, relative to the repository (repeatable; adds to the target\'s values files)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from list" -l release-name -d 'Helm release name (default: the target\'s name, else the chart\'s name)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from list" -l kube-version -d 'Kubernetes version helm renders for (.Capabilities.KubeVersion). Default: the connected cluster\'s; `render`, which connects to no cluster, leaves helm\'s built-in default (v1.20.0)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from list" -l api-versions -d 'API versions helm may assume (.Capabilities.APIVersions), e.g. `monitoring.coreos.com/v1` or `apps/v1/Deployment`; repeatable or comma-separated. Default: what the connected cluster serves; `render` assumes only helm\'s built-in API versions' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from list" -l render-timeout -d 'How long helm or kustomize may run for one directory before it is stopped (e.g. 90s, 5m)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from list" -l sops-age-key-file -d 'age identities for SOPS-encrypted files (only this file; without it: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, else $XDG_CONFIG_HOME/sops/age/keys.txt or ~/.config/sops/age/keys.txt)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from list" -l sops-pgp-key-file -d 'Armored OpenPGP secret keys (no passphrase) for SOPS-encrypted files' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from list" -l repo -d 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from list" -l revision -d 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote\'s HEAD' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from list" -l path -d 'Directory inside the repository holding the manifests (default: the repository root, or the target\'s path in gitsync.yaml)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from list" -l verify-signatures -d 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision' -r -f -a "head\t'The commit is signed by a trusted key'
tag\t'The annotated tag --revision names is signed by a trusted key'
tag-and-head\t'Both'"
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from list" -l trusted-keys -d 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml\'s verifySignatures asks for' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from list" -l max-checkout-size -d 'Most bytes a commit\'s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from list" -l max-checkout-file-size -d 'Most bytes any one file of a commit may have when written to disk' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from list" -l target -d 'Target of gitsync.yaml to use (an app of `apps:`: all its targets); repeat for several' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from list" -l parallel-targets -d 'How many of several targets diff, sync, drift and status work on at once' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from list" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from list" -l context -d 'Kubeconfig context to use (default: its current context)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from list" -s n -l namespace -d 'Namespace for namespaced objects that name none (default: the context\'s namespace, else `default`)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from list" -l request-timeout -d 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format of results on stdout' -r -f -a "text\t'Human-readable text (YAML for `render`)'
json\t'JSON with a stable schema, for CI'
markdown\t'Markdown, for pull-request comments'"
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from list" -l color -d 'When to colour output. NO_COLOR in the environment means never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from list" -l all-targets -d 'Use every target of gitsync.yaml'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from list" -l trust-repo-kubeconfig -d 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Only errors on stderr'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from list" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from up" -l values -d 'Helm values file for a chart, relative to the repository (repeatable; adds to the target\'s values files)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from up" -l release-name -d 'Helm release name (default: the target\'s name, else the chart\'s name)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from up" -l kube-version -d 'Kubernetes version helm renders for (.Capabilities.KubeVersion). Default: the connected cluster\'s; `render`, which connects to no cluster, leaves helm\'s built-in default (v1.20.0)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from up" -l api-versions -d 'API versions helm may assume (.Capabilities.APIVersions), e.g. `monitoring.coreos.com/v1` or `apps/v1/Deployment`; repeatable or comma-separated. Default: what the connected cluster serves; `render` assumes only helm\'s built-in API versions' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from up" -l render-timeout -d 'How long helm or kustomize may run for one directory before it is stopped (e.g. 90s, 5m)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from up" -l sops-age-key-file -d 'age identities for SOPS-encrypted files (only this file; without it: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, else $XDG_CONFIG_HOME/sops/age/keys.txt or ~/.config/sops/age/keys.txt)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from up" -l sops-pgp-key-file -d 'Armored OpenPGP secret keys (no passphrase) for SOPS-encrypted files' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from up" -l timeout -d 'How long to wait for health (e.g. 90s, 5m)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from up" -l lock-timeout -d 'How long to wait while another writer holds the preview' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from up" -l repo -d 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from up" -l revision -d 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote\'s HEAD' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from up" -l path -d 'Directory inside the repository holding the manifests (default: the repository root, or the target\'s path in gitsync.yaml)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from up" -l verify-signatures -d 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision' -r -f -a "head\t'The commit is signed by a trusted key'
tag\t'The annotated tag --revision names is signed by a trusted key'
tag-and-head\t'Both'"
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from up" -l trusted-keys -d 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml\'s verifySignatures asks for' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from up" -l max-checkout-size -d 'Most bytes a commit\'s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from up" -l max-checkout-file-size -d 'Most bytes any one file of a commit may have when written to disk' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from up" -l target -d 'Target of gitsync.yaml to use (an app of `apps:`: all its targets); repeat for several' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from up" -l parallel-targets -d 'How many of several targets diff, sync, drift and status work on at once' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from up" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from up" -l context -d 'Kubeconfig context to use (default: its current context)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from up" -s n -l namespace -d 'Namespace for namespaced objects that name none (default: the context\'s namespace, else `default`)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from up" -l request-timeout -d 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from up" -s o -l output -d 'Output format of results on stdout' -r -f -a "text\t'Human-readable text (YAML for `render`)'
json\t'JSON with a stable schema, for CI'
markdown\t'Markdown, for pull-request comments'"
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from up" -l color -d 'When to colour output. NO_COLOR in the environment means never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from up" -l no-wait -d 'Do not wait for the preview\'s objects to become healthy'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from up" -l all-targets -d 'Use every target of gitsync.yaml'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from up" -l trust-repo-kubeconfig -d 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from up" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from up" -s q -l quiet -d 'Only errors on stderr'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from up" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from up" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from up" -s V -l version -d 'Print version'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from down" -l values -d 'Helm values file for a chart, relative to the repository (repeatable; adds to the target\'s values files)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from down" -l release-name -d 'Helm release name (default: the target\'s name, else the chart\'s name)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from down" -l kube-version -d 'Kubernetes version helm renders for (.Capabilities.KubeVersion). Default: the connected cluster\'s; `render`, which connects to no cluster, leaves helm\'s built-in default (v1.20.0)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from down" -l api-versions -d 'API versions helm may assume (.Capabilities.APIVersions), e.g. `monitoring.coreos.com/v1` or `apps/v1/Deployment`; repeatable or comma-separated. Default: what the connected cluster serves; `render` assumes only helm\'s built-in API versions' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from down" -l render-timeout -d 'How long helm or kustomize may run for one directory before it is stopped (e.g. 90s, 5m)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from down" -l sops-age-key-file -d 'age identities for SOPS-encrypted files (only this file; without it: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, else $XDG_CONFIG_HOME/sops/age/keys.txt or ~/.config/sops/age/keys.txt)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from down" -l sops-pgp-key-file -d 'Armored OpenPGP secret keys (no passphrase) for SOPS-encrypted files' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from down" -l lock-timeout -d 'How long to wait while another writer holds the preview' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from down" -l repo -d 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from down" -l revision -d 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote\'s HEAD' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from down" -l path -d 'Directory inside the repository holding the manifests (default: the repository root, or the target\'s path in gitsync.yaml)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from down" -l verify-signatures -d 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision' -r -f -a "head\t'The commit is signed by a trusted key'
tag\t'The annotated tag --revision names is signed by a trusted key'
tag-and-head\t'Both'"
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from down" -l trusted-keys -d 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml\'s verifySignatures asks for' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from down" -l max-checkout-size -d 'Most bytes a commit\'s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from down" -l max-checkout-file-size -d 'Most bytes any one file of a commit may have when written to disk' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from down" -l target -d 'Target of gitsync.yaml to use (an app of `apps:`: all its targets); repeat for several' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from down" -l parallel-targets -d 'How many of several targets diff, sync, drift and status work on at once' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from down" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from down" -l context -d 'Kubeconfig context to use (default: its current context)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from down" -s n -l namespace -d 'Namespace for namespaced objects that name none (default: the context\'s namespace, else `default`)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from down" -l request-timeout -d 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from down" -s o -l output -d 'Output format of results on stdout' -r -f -a "text\t'Human-readable text (YAML for `render`)'
json\t'JSON with a stable schema, for CI'
markdown\t'Markdown, for pull-request comments'"
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from down" -l color -d 'When to colour output. NO_COLOR in the environment means never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from down" -l all-targets -d 'Use every target of gitsync.yaml'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from down" -l trust-repo-kubeconfig -d 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from down" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from down" -s q -l quiet -d 'Only errors on stderr'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from down" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from down" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from down" -s V -l version -d 'Print version'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from help" -f -a "list" -d 'Every preview the remote\'s refs ask for and every one open, with its commit, namespace, health, URL and state (open, outdated, pending, closing, orphaned)'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from help" -f -a "up" -d 'Open the preview of REF, or bring it to REF\'s commit: render the entry\'s target at REF into the preview\'s namespace, sync, wait'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from help" -f -a "down" -d 'Close the preview of REF: delete everything it created, then its namespace, and nothing else'
complete -c gitsync -n "__fish_gitsync_using_subcommand preview; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gitsync -n "__fish_gitsync_using_subcommand completions" -l repo -d 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand completions" -l revision -d 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote\'s HEAD' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand completions" -l path -d 'Directory inside the repository holding the manifests (default: the repository root, or the target\'s path in gitsync.yaml)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand completions" -l verify-signatures -d 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision' -r -f -a "head\t'The commit is signed by a trusted key'
tag\t'The annotated tag --revision names is signed by a trusted key'
tag-and-head\t'Both'"
complete -c gitsync -n "__fish_gitsync_using_subcommand completions" -l trusted-keys -d 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml\'s verifySignatures asks for' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand completions" -l max-checkout-size -d 'Most bytes a commit\'s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand completions" -l max-checkout-file-size -d 'Most bytes any one file of a commit may have when written to disk' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand completions" -l target -d 'Target of gitsync.yaml to use (an app of `apps:`: all its targets); repeat for several' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand completions" -l parallel-targets -d 'How many of several targets diff, sync, drift and status work on at once' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand completions" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)' -r -F
complete -c gitsync -n "__fish_gitsync_using_subcommand completions" -l context -d 'Kubeconfig context to use (default: its current context)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand completions" -s n -l namespace -d 'Namespace for namespaced objects that name none (default: the context\'s namespace, else `default`)' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand completions" -l request-timeout -d 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long' -r
complete -c gitsync -n "__fish_gitsync_using_subcommand completions" -s o -l output -d 'Output format of results on stdout' -r -f -a "text\t'Human-readable text (YAML for `render`)'
json\t'JSON with a stable schema, for CI'
markdown\t'Markdown, for pull-request comments'"
complete -c gitsync -n "__fish_gitsync_using_subcommand completions" -l color -d 'When to colour output. NO_COLOR in the environment means never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gitsync -n "__fish_gitsync_using_subcommand completions" -l all-targets -d 'Use every target of gitsync.yaml'
complete -c gitsync -n "__fish_gitsync_using_subcommand completions" -l trust-repo-kubeconfig -d 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request'
complete -c gitsync -n "__fish_gitsync_using_subcommand completions" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides'
complete -c gitsync -n "__fish_gitsync_using_subcommand completions" -s q -l quiet -d 'Only errors on stderr'
complete -c gitsync -n "__fish_gitsync_using_subcommand completions" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c gitsync -n "__fish_gitsync_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gitsync -n "__fish_gitsync_using_subcommand completions" -s V -l version -d 'Print version'
complete -c gitsync -n "__fish_gitsync_using_subcommand help; and not __fish_seen_subcommand_from diff sync drift watch status promote rollback render health image preview completions help" -f -a "diff" -d 'Show what would change if the cluster were synced now'
complete -c gitsync -n "__fish_gitsync_using_subcommand help; and not __fish_seen_subcommand_from diff sync drift watch status promote rollback render health image preview completions help" -f -a "sync" -d 'Make the cluster match Git: apply, prune what Git removed, wait healthy'
complete -c gitsync -n "__fish_gitsync_using_subcommand help; and not __fish_seen_subcommand_from diff sync drift watch status promote rollback render health image preview completions help" -f -a "drift" -d 'Show what was changed in the cluster behind Git\'s back, and by whom'
complete -c gitsync -n "__fish_gitsync_using_subcommand help; and not __fish_seen_subcommand_from diff sync drift watch status promote rollback render health image preview completions help" -f -a "watch" -d 'Run the pull / compare / sync loop as a daemon, self-healing drift'
complete -c gitsync -n "__fish_gitsync_using_subcommand help; and not __fish_seen_subcommand_from diff sync drift watch status promote rollback render health image preview completions help" -f -a "status" -d 'Show per target what its cluster runs: the revision last synced (when, by whose commit), health, drift, and whether Git is ahead'
complete -c gitsync -n "__fish_gitsync_using_subcommand help; and not __fish_seen_subcommand_from diff sync drift watch status promote rollback render health image preview completions help" -f -a "promote" -d 'Promote the revision one target last synced to another target: write it as that target\'s `revision:` in gitsync.yaml and commit'
complete -c gitsync -n "__fish_gitsync_using_subcommand help; and not __fish_seen_subcommand_from diff sync drift watch status promote rollback render health image preview completions help" -f -a "rollback" -d 'Pin a target back to the revision it last ran healthy (or to --to REV), as a commit to gitsync.yaml: its `revision:`, or for a target generated from `apps:` the app\'s `pins:` entry for its cluster. Sync (or watch) then keeps that revision instead of fighting it; remove the pin to follow the branch again'
complete -c gitsync -n "__fish_gitsync_using_subcommand help; and not __fish_seen_subcommand_from diff sync drift watch status promote rollback render health image preview completions help" -f -a "render" -d 'Print the desired objects as YAML (or a JSON list with -o json), in apply order. Needs no cluster'
complete -c gitsync -n "__fish_gitsync_using_subcommand help; and not __fish_seen_subcommand_from diff sync drift watch status promote rollback render health image preview completions help" -f -a "health" -d 'Look at the health of objects as sync judges it'
complete -c gitsync -n "__fish_gitsync_using_subcommand help; and not __fish_seen_subcommand_from diff sync drift watch status promote rollback render health image preview completions help" -f -a "image" -d 'Image updates: the newest image each gitsync.yaml `images:` policy allows, written into the marked scalars of the repository\'s files'
complete -c gitsync -n "__fish_gitsync_using_subcommand help; and not __fish_seen_subcommand_from diff sync drift watch status promote rollback render health image preview completions help" -f -a "preview" -d 'Preview environments: one namespace per pull request (or any ref a `previews:` entry of gitsync.yaml matches), for CI'
complete -c gitsync -n "__fish_gitsync_using_subcommand help; and not __fish_seen_subcommand_from diff sync drift watch status promote rollback render health image preview completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c gitsync -n "__fish_gitsync_using_subcommand help; and not __fish_seen_subcommand_from diff sync drift watch status promote rollback render health image preview completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gitsync -n "__fish_gitsync_using_subcommand help; and __fish_seen_subcommand_from health" -f -a "explain" -d 'Say which rule decides one live object\'s health (gitsync.yaml\'s healthCheckExprs, a built-in rule for a custom resource, Job completion, or kstatus) and why it is what it is now'
complete -c gitsync -n "__fish_gitsync_using_subcommand help; and __fish_seen_subcommand_from image" -f -a "list" -d 'Per policy: what Git holds, the newest allowed tag, and why others were passed over'
complete -c gitsync -n "__fish_gitsync_using_subcommand help; and __fish_seen_subcommand_from image" -f -a "update" -d 'Write the newest allowed images into the marked files, as one commit of the local repository listing each change'
complete -c gitsync -n "__fish_gitsync_using_subcommand help; and __fish_seen_subcommand_from preview" -f -a "list" -d 'Every preview the remote\'s refs ask for and every one open, with its commit, namespace, health, URL and state (open, outdated, pending, closing, orphaned)'
complete -c gitsync -n "__fish_gitsync_using_subcommand help; and __fish_seen_subcommand_from preview" -f -a "up" -d 'Open the preview of REF, or bring it to REF\'s commit: render the entry\'s target at REF into the preview\'s namespace, sync, wait'
complete -c gitsync -n "__fish_gitsync_using_subcommand help; and __fish_seen_subcommand_from preview" -f -a "down" -d 'Close the preview of REF: delete everything it created, then its namespace, and nothing else'
