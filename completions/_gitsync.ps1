
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'gitsync' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'gitsync'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'gitsync' {
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that')
            [CompletionResult]::new('--revision', '--revision', [CompletionResultType]::ParameterName, 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote''s HEAD')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Directory inside the repository holding the manifests (default: the repository root, or the target''s path in gitsync.yaml)')
            [CompletionResult]::new('--verify-signatures', '--verify-signatures', [CompletionResultType]::ParameterName, 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision')
            [CompletionResult]::new('--trusted-keys', '--trusted-keys', [CompletionResultType]::ParameterName, 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml''s verifySignatures asks for')
            [CompletionResult]::new('--max-checkout-size', '--max-checkout-size', [CompletionResultType]::ParameterName, 'Most bytes a commit''s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)')
            [CompletionResult]::new('--max-checkout-file-size', '--max-checkout-file-size', [CompletionResultType]::ParameterName, 'Most bytes any one file of a commit may have when written to disk')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target of gitsync.yaml to use; repeat for several')
            [CompletionResult]::new('--parallel-targets', '--parallel-targets', [CompletionResultType]::ParameterName, 'How many of several targets diff, sync, drift and status work on at once')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: its current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output. NO_COLOR in the environment means never')
            [CompletionResult]::new('--all-targets', '--all-targets', [CompletionResultType]::ParameterName, 'Use every target of gitsync.yaml')
            [CompletionResult]::new('--trust-repo-kubeconfig', '--trust-repo-kubeconfig', [CompletionResultType]::ParameterName, 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are only drawn on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Show what would change if the cluster were synced now')
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'Make the cluster match Git: apply, prune what Git removed, wait healthy')
            [CompletionResult]::new('drift', 'drift', [CompletionResultType]::ParameterValue, 'Show what was changed in the cluster behind Git''s back, and by whom')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'Run the pull / compare / sync loop as a daemon, self-healing drift')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show per target what its cluster runs: the revision last synced (when, by whose commit), health, drift, and whether Git is ahead')
            [CompletionResult]::new('promote', 'promote', [CompletionResultType]::ParameterValue, 'Promote the revision one target last synced to another target: write it as that target''s `revision:` in gitsync.yaml and commit')
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'Print the desired objects as YAML (or a JSON list with -o json), in apply order. Needs no cluster')
            [CompletionResult]::new('health', 'health', [CompletionResultType]::ParameterValue, 'Look at the health of objects as sync judges it')
            [CompletionResult]::new('image', 'image', [CompletionResultType]::ParameterValue, 'Image updates: the newest image each gitsync.yaml `images:` policy allows, written into the marked scalars of the repository''s files')
            [CompletionResult]::new('preview', 'preview', [CompletionResultType]::ParameterValue, 'Preview environments: one namespace per pull request (or any ref a `previews:` entry of gitsync.yaml matches), for CI')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'gitsync;diff' {
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'Helm values file for a chart, relative to the repository (repeatable; adds to the target''s values files)')
            [CompletionResult]::new('--release-name', '--release-name', [CompletionResultType]::ParameterName, 'Helm release name (default: the target''s name, else the chart''s name)')
            [CompletionResult]::new('--kube-version', '--kube-version', [CompletionResultType]::ParameterName, 'Kubernetes version helm renders for (.Capabilities.KubeVersion). Default: the connected cluster''s; `render`, which connects to no cluster, leaves helm''s built-in default (v1.20.0)')
            [CompletionResult]::new('--api-versions', '--api-versions', [CompletionResultType]::ParameterName, 'API versions helm may assume (.Capabilities.APIVersions), e.g. `monitoring.coreos.com/v1` or `apps/v1/Deployment`; repeatable or comma-separated. Default: what the connected cluster serves; `render` assumes only helm''s built-in API versions')
            [CompletionResult]::new('--render-timeout', '--render-timeout', [CompletionResultType]::ParameterName, 'How long helm or kustomize may run for one directory before it is stopped (e.g. 90s, 5m)')
            [CompletionResult]::new('--sops-age-key-file', '--sops-age-key-file', [CompletionResultType]::ParameterName, 'age identities for SOPS-encrypted files (only this file; without it: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, else $XDG_CONFIG_HOME/sops/age/keys.txt or ~/.config/sops/age/keys.txt)')
            [CompletionResult]::new('--sops-pgp-key-file', '--sops-pgp-key-file', [CompletionResultType]::ParameterName, 'Armored OpenPGP secret keys (no passphrase) for SOPS-encrypted files')
            [CompletionResult]::new('-U', '-U ', [CompletionResultType]::ParameterName, 'Lines of context around each change in text diffs (like diff -U)')
            [CompletionResult]::new('--unified', '--unified', [CompletionResultType]::ParameterName, 'Lines of context around each change in text diffs (like diff -U)')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Name of the ApplySet that owns this target''s objects (default: derived from the repository and the target''s path)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Server-side dry runs sent at once')
            [CompletionResult]::new('--base', '--base', [CompletionResultType]::ParameterName, 'Compare Git at REV (a branch, tag or commit) with the revision read (--revision, or the work tree) instead of with the cluster: both are rendered offline, no kubeconfig is read and no cluster is asked. For pull requests, also from forks')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that')
            [CompletionResult]::new('--revision', '--revision', [CompletionResultType]::ParameterName, 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote''s HEAD')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Directory inside the repository holding the manifests (default: the repository root, or the target''s path in gitsync.yaml)')
            [CompletionResult]::new('--verify-signatures', '--verify-signatures', [CompletionResultType]::ParameterName, 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision')
            [CompletionResult]::new('--trusted-keys', '--trusted-keys', [CompletionResultType]::ParameterName, 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml''s verifySignatures asks for')
            [CompletionResult]::new('--max-checkout-size', '--max-checkout-size', [CompletionResultType]::ParameterName, 'Most bytes a commit''s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)')
            [CompletionResult]::new('--max-checkout-file-size', '--max-checkout-file-size', [CompletionResultType]::ParameterName, 'Most bytes any one file of a commit may have when written to disk')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target of gitsync.yaml to use; repeat for several')
            [CompletionResult]::new('--parallel-targets', '--parallel-targets', [CompletionResultType]::ParameterName, 'How many of several targets diff, sync, drift and status work on at once')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: its current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output. NO_COLOR in the environment means never')
            [CompletionResult]::new('--no-prune', '--no-prune', [CompletionResultType]::ParameterName, 'Do not delete objects that Git no longer has')
            [CompletionResult]::new('--force-conflicts', '--force-conflicts', [CompletionResultType]::ParameterName, 'Take over fields owned by other field managers instead of failing')
            [CompletionResult]::new('--force-replace', '--force-replace', [CompletionResultType]::ParameterName, 'Delete and recreate objects whose change touches an immutable field')
            [CompletionResult]::new('--prune-pvcs', '--prune-pvcs', [CompletionResultType]::ParameterName, 'Allow pruning PersistentVolumeClaims, whose volumes'' data may be deleted with them (refused otherwise)')
            [CompletionResult]::new('--take-over', '--take-over', [CompletionResultType]::ParameterName, 'Use an ApplySet whose parent records another repository or path (refused otherwise: both would prune each other''s objects)')
            [CompletionResult]::new('--no-hooks', '--no-hooks', [CompletionResultType]::ParameterName, 'Do not run lifecycle hooks (Argo CD and Helm hooks); they are listed as not run')
            [CompletionResult]::new('--no-decrypt', '--no-decrypt', [CompletionResultType]::ParameterName, 'Decrypt nothing: every SOPS-encrypted value renders as a placeholder (shown as a change, masked) and no key is read. For untrusted pull requests, whose templates could carry a decrypted value out in another form')
            [CompletionResult]::new('--all-targets', '--all-targets', [CompletionResultType]::ParameterName, 'Use every target of gitsync.yaml')
            [CompletionResult]::new('--trust-repo-kubeconfig', '--trust-repo-kubeconfig', [CompletionResultType]::ParameterName, 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are only drawn on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gitsync;sync' {
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'Helm values file for a chart, relative to the repository (repeatable; adds to the target''s values files)')
            [CompletionResult]::new('--release-name', '--release-name', [CompletionResultType]::ParameterName, 'Helm release name (default: the target''s name, else the chart''s name)')
            [CompletionResult]::new('--kube-version', '--kube-version', [CompletionResultType]::ParameterName, 'Kubernetes version helm renders for (.Capabilities.KubeVersion). Default: the connected cluster''s; `render`, which connects to no cluster, leaves helm''s built-in default (v1.20.0)')
            [CompletionResult]::new('--api-versions', '--api-versions', [CompletionResultType]::ParameterName, 'API versions helm may assume (.Capabilities.APIVersions), e.g. `monitoring.coreos.com/v1` or `apps/v1/Deployment`; repeatable or comma-separated. Default: what the connected cluster serves; `render` assumes only helm''s built-in API versions')
            [CompletionResult]::new('--render-timeout', '--render-timeout', [CompletionResultType]::ParameterName, 'How long helm or kustomize may run for one directory before it is stopped (e.g. 90s, 5m)')
            [CompletionResult]::new('--sops-age-key-file', '--sops-age-key-file', [CompletionResultType]::ParameterName, 'age identities for SOPS-encrypted files (only this file; without it: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, else $XDG_CONFIG_HOME/sops/age/keys.txt or ~/.config/sops/age/keys.txt)')
            [CompletionResult]::new('--sops-pgp-key-file', '--sops-pgp-key-file', [CompletionResultType]::ParameterName, 'Armored OpenPGP secret keys (no passphrase) for SOPS-encrypted files')
            [CompletionResult]::new('-U', '-U ', [CompletionResultType]::ParameterName, 'Lines of context around each change in text diffs (like diff -U)')
            [CompletionResult]::new('--unified', '--unified', [CompletionResultType]::ParameterName, 'Lines of context around each change in text diffs (like diff -U)')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Name of the ApplySet that owns this target''s objects (default: derived from the repository and the target''s path)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Server-side dry runs sent at once')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for health (e.g. 90s, 5m, 1h)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'How long to wait while another sync (or watch) writes the same ApplySet before failing with its name (0s: do not wait)')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that')
            [CompletionResult]::new('--revision', '--revision', [CompletionResultType]::ParameterName, 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote''s HEAD')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Directory inside the repository holding the manifests (default: the repository root, or the target''s path in gitsync.yaml)')
            [CompletionResult]::new('--verify-signatures', '--verify-signatures', [CompletionResultType]::ParameterName, 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision')
            [CompletionResult]::new('--trusted-keys', '--trusted-keys', [CompletionResultType]::ParameterName, 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml''s verifySignatures asks for')
            [CompletionResult]::new('--max-checkout-size', '--max-checkout-size', [CompletionResultType]::ParameterName, 'Most bytes a commit''s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)')
            [CompletionResult]::new('--max-checkout-file-size', '--max-checkout-file-size', [CompletionResultType]::ParameterName, 'Most bytes any one file of a commit may have when written to disk')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target of gitsync.yaml to use; repeat for several')
            [CompletionResult]::new('--parallel-targets', '--parallel-targets', [CompletionResultType]::ParameterName, 'How many of several targets diff, sync, drift and status work on at once')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: its current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output. NO_COLOR in the environment means never')
            [CompletionResult]::new('--no-prune', '--no-prune', [CompletionResultType]::ParameterName, 'Do not delete objects that Git no longer has')
            [CompletionResult]::new('--force-conflicts', '--force-conflicts', [CompletionResultType]::ParameterName, 'Take over fields owned by other field managers instead of failing')
            [CompletionResult]::new('--force-replace', '--force-replace', [CompletionResultType]::ParameterName, 'Delete and recreate objects whose change touches an immutable field')
            [CompletionResult]::new('--prune-pvcs', '--prune-pvcs', [CompletionResultType]::ParameterName, 'Allow pruning PersistentVolumeClaims, whose volumes'' data may be deleted with them (refused otherwise)')
            [CompletionResult]::new('--take-over', '--take-over', [CompletionResultType]::ParameterName, 'Use an ApplySet whose parent records another repository or path (refused otherwise: both would prune each other''s objects)')
            [CompletionResult]::new('--no-hooks', '--no-hooks', [CompletionResultType]::ParameterName, 'Do not run lifecycle hooks (Argo CD and Helm hooks); they are listed as not run')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan exactly as `diff` does and change nothing')
            [CompletionResult]::new('--allow-empty', '--allow-empty', [CompletionResultType]::ParameterName, 'Allow an empty desired set to prune every member of the ApplySet')
            [CompletionResult]::new('--no-wait', '--no-wait', [CompletionResultType]::ParameterName, 'Do not wait for applied objects to become healthy')
            [CompletionResult]::new('--wait-for-jobs', '--wait-for-jobs', [CompletionResultType]::ParameterName, 'Wait for Jobs to complete (a failed Job fails the sync, naming its Pods'' exit codes), not only to start. Per Job, the annotation gitsync.io/wait-for-completion ("true" or "false") decides instead')
            [CompletionResult]::new('--all-targets', '--all-targets', [CompletionResultType]::ParameterName, 'Use every target of gitsync.yaml')
            [CompletionResult]::new('--trust-repo-kubeconfig', '--trust-repo-kubeconfig', [CompletionResultType]::ParameterName, 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are only drawn on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gitsync;drift' {
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'Helm values file for a chart, relative to the repository (repeatable; adds to the target''s values files)')
            [CompletionResult]::new('--release-name', '--release-name', [CompletionResultType]::ParameterName, 'Helm release name (default: the target''s name, else the chart''s name)')
            [CompletionResult]::new('--kube-version', '--kube-version', [CompletionResultType]::ParameterName, 'Kubernetes version helm renders for (.Capabilities.KubeVersion). Default: the connected cluster''s; `render`, which connects to no cluster, leaves helm''s built-in default (v1.20.0)')
            [CompletionResult]::new('--api-versions', '--api-versions', [CompletionResultType]::ParameterName, 'API versions helm may assume (.Capabilities.APIVersions), e.g. `monitoring.coreos.com/v1` or `apps/v1/Deployment`; repeatable or comma-separated. Default: what the connected cluster serves; `render` assumes only helm''s built-in API versions')
            [CompletionResult]::new('--render-timeout', '--render-timeout', [CompletionResultType]::ParameterName, 'How long helm or kustomize may run for one directory before it is stopped (e.g. 90s, 5m)')
            [CompletionResult]::new('--sops-age-key-file', '--sops-age-key-file', [CompletionResultType]::ParameterName, 'age identities for SOPS-encrypted files (only this file; without it: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, else $XDG_CONFIG_HOME/sops/age/keys.txt or ~/.config/sops/age/keys.txt)')
            [CompletionResult]::new('--sops-pgp-key-file', '--sops-pgp-key-file', [CompletionResultType]::ParameterName, 'Armored OpenPGP secret keys (no passphrase) for SOPS-encrypted files')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Name of the ApplySet (as given to `sync --name`)')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that')
            [CompletionResult]::new('--revision', '--revision', [CompletionResultType]::ParameterName, 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote''s HEAD')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Directory inside the repository holding the manifests (default: the repository root, or the target''s path in gitsync.yaml)')
            [CompletionResult]::new('--verify-signatures', '--verify-signatures', [CompletionResultType]::ParameterName, 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision')
            [CompletionResult]::new('--trusted-keys', '--trusted-keys', [CompletionResultType]::ParameterName, 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml''s verifySignatures asks for')
            [CompletionResult]::new('--max-checkout-size', '--max-checkout-size', [CompletionResultType]::ParameterName, 'Most bytes a commit''s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)')
            [CompletionResult]::new('--max-checkout-file-size', '--max-checkout-file-size', [CompletionResultType]::ParameterName, 'Most bytes any one file of a commit may have when written to disk')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target of gitsync.yaml to use; repeat for several')
            [CompletionResult]::new('--parallel-targets', '--parallel-targets', [CompletionResultType]::ParameterName, 'How many of several targets diff, sync, drift and status work on at once')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: its current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output. NO_COLOR in the environment means never')
            [CompletionResult]::new('--fix', '--fix', [CompletionResultType]::ParameterName, 'Re-apply the drifted objects at the last synced revision')
            [CompletionResult]::new('--all-targets', '--all-targets', [CompletionResultType]::ParameterName, 'Use every target of gitsync.yaml')
            [CompletionResult]::new('--trust-repo-kubeconfig', '--trust-repo-kubeconfig', [CompletionResultType]::ParameterName, 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are only drawn on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gitsync;watch' {
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'Helm values file for a chart, relative to the repository (repeatable; adds to the target''s values files)')
            [CompletionResult]::new('--release-name', '--release-name', [CompletionResultType]::ParameterName, 'Helm release name (default: the target''s name, else the chart''s name)')
            [CompletionResult]::new('--kube-version', '--kube-version', [CompletionResultType]::ParameterName, 'Kubernetes version helm renders for (.Capabilities.KubeVersion). Default: the connected cluster''s; `render`, which connects to no cluster, leaves helm''s built-in default (v1.20.0)')
            [CompletionResult]::new('--api-versions', '--api-versions', [CompletionResultType]::ParameterName, 'API versions helm may assume (.Capabilities.APIVersions), e.g. `monitoring.coreos.com/v1` or `apps/v1/Deployment`; repeatable or comma-separated. Default: what the connected cluster serves; `render` assumes only helm''s built-in API versions')
            [CompletionResult]::new('--render-timeout', '--render-timeout', [CompletionResultType]::ParameterName, 'How long helm or kustomize may run for one directory before it is stopped (e.g. 90s, 5m)')
            [CompletionResult]::new('--sops-age-key-file', '--sops-age-key-file', [CompletionResultType]::ParameterName, 'age identities for SOPS-encrypted files (only this file; without it: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, else $XDG_CONFIG_HOME/sops/age/keys.txt or ~/.config/sops/age/keys.txt)')
            [CompletionResult]::new('--sops-pgp-key-file', '--sops-pgp-key-file', [CompletionResultType]::ParameterName, 'Armored OpenPGP secret keys (no passphrase) for SOPS-encrypted files')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Name of the ApplySet (as given to `sync --name`)')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'How often to ask whether the remote moved')
            [CompletionResult]::new('--resync', '--resync', [CompletionResultType]::ParameterName, 'Full resync period, a safety net beside the watch streams')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address of the HTTP server (/healthz, /readyz, /metrics, /webhook)')
            [CompletionResult]::new('--webhook-secret-file', '--webhook-secret-file', [CompletionResultType]::ParameterName, 'File holding the secret that authenticates POST /webhook')
            [CompletionResult]::new('--image-interval', '--image-interval', [CompletionResultType]::ParameterName, 'Also ask the registries of gitsync.yaml''s `images:` policies this often, and commit and push any update to the branch followed (--revision''s, else main); it is then synced as any commit. Needs --repo as a URL')
            [CompletionResult]::new('--image-author', '--image-author', [CompletionResultType]::ParameterName, 'Author and committer of image update commits')
            [CompletionResult]::new('--registry-credentials', '--registry-credentials', [CompletionResultType]::ParameterName, 'A Docker config.json whose `auths` hold registry credentials (default: $DOCKER_CONFIG/config.json, else ~/.docker/config.json)')
            [CompletionResult]::new('--insecure-registry', '--insecure-registry', [CompletionResultType]::ParameterName, 'A registry host (`HOST[:PORT]`) spoken to over plain HTTP (loopback hosts always are); repeatable')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr')
            [CompletionResult]::new('--stall-timeout', '--stall-timeout', [CompletionResultType]::ParameterName, '/healthz fails (503) once one step (poll, sync, heal) has been running this long, so that a wedged daemon gets restarted')
            [CompletionResult]::new('--grace-period', '--grace-period', [CompletionResultType]::ParameterName, 'On SIGTERM or SIGINT, how long the step in flight may still run (no new write starts meanwhile). Keep it below the pod''s terminationGracePeriodSeconds (120 in deploy/)')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that')
            [CompletionResult]::new('--revision', '--revision', [CompletionResultType]::ParameterName, 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote''s HEAD')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Directory inside the repository holding the manifests (default: the repository root, or the target''s path in gitsync.yaml)')
            [CompletionResult]::new('--verify-signatures', '--verify-signatures', [CompletionResultType]::ParameterName, 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision')
            [CompletionResult]::new('--trusted-keys', '--trusted-keys', [CompletionResultType]::ParameterName, 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml''s verifySignatures asks for')
            [CompletionResult]::new('--max-checkout-size', '--max-checkout-size', [CompletionResultType]::ParameterName, 'Most bytes a commit''s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)')
            [CompletionResult]::new('--max-checkout-file-size', '--max-checkout-file-size', [CompletionResultType]::ParameterName, 'Most bytes any one file of a commit may have when written to disk')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target of gitsync.yaml to use; repeat for several')
            [CompletionResult]::new('--parallel-targets', '--parallel-targets', [CompletionResultType]::ParameterName, 'How many of several targets diff, sync, drift and status work on at once')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: its current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output. NO_COLOR in the environment means never')
            [CompletionResult]::new('--no-self-heal', '--no-self-heal', [CompletionResultType]::ParameterName, 'Only report and count drift; do not revert it')
            [CompletionResult]::new('--leader-elect', '--leader-elect', [CompletionResultType]::ParameterName, 'Hold a coordination.k8s.io Lease per target so that only one replica acts on each; several replicas spread the targets')
            [CompletionResult]::new('--previews', '--previews', [CompletionResultType]::ParameterName, 'Also open, update and close preview environments (gitsync.yaml `previews:`) as their refs appear, move and disappear, or their TTL passes; checked every --interval')
            [CompletionResult]::new('--all-targets', '--all-targets', [CompletionResultType]::ParameterName, 'Use every target of gitsync.yaml')
            [CompletionResult]::new('--trust-repo-kubeconfig', '--trust-repo-kubeconfig', [CompletionResultType]::ParameterName, 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are only drawn on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gitsync;status' {
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'Helm values file for a chart, relative to the repository (repeatable; adds to the target''s values files)')
            [CompletionResult]::new('--release-name', '--release-name', [CompletionResultType]::ParameterName, 'Helm release name (default: the target''s name, else the chart''s name)')
            [CompletionResult]::new('--kube-version', '--kube-version', [CompletionResultType]::ParameterName, 'Kubernetes version helm renders for (.Capabilities.KubeVersion). Default: the connected cluster''s; `render`, which connects to no cluster, leaves helm''s built-in default (v1.20.0)')
            [CompletionResult]::new('--api-versions', '--api-versions', [CompletionResultType]::ParameterName, 'API versions helm may assume (.Capabilities.APIVersions), e.g. `monitoring.coreos.com/v1` or `apps/v1/Deployment`; repeatable or comma-separated. Default: what the connected cluster serves; `render` assumes only helm''s built-in API versions')
            [CompletionResult]::new('--render-timeout', '--render-timeout', [CompletionResultType]::ParameterName, 'How long helm or kustomize may run for one directory before it is stopped (e.g. 90s, 5m)')
            [CompletionResult]::new('--sops-age-key-file', '--sops-age-key-file', [CompletionResultType]::ParameterName, 'age identities for SOPS-encrypted files (only this file; without it: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, else $XDG_CONFIG_HOME/sops/age/keys.txt or ~/.config/sops/age/keys.txt)')
            [CompletionResult]::new('--sops-pgp-key-file', '--sops-pgp-key-file', [CompletionResultType]::ParameterName, 'Armored OpenPGP secret keys (no passphrase) for SOPS-encrypted files')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Name of the ApplySet (as given to `sync --name`)')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that')
            [CompletionResult]::new('--revision', '--revision', [CompletionResultType]::ParameterName, 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote''s HEAD')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Directory inside the repository holding the manifests (default: the repository root, or the target''s path in gitsync.yaml)')
            [CompletionResult]::new('--verify-signatures', '--verify-signatures', [CompletionResultType]::ParameterName, 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision')
            [CompletionResult]::new('--trusted-keys', '--trusted-keys', [CompletionResultType]::ParameterName, 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml''s verifySignatures asks for')
            [CompletionResult]::new('--max-checkout-size', '--max-checkout-size', [CompletionResultType]::ParameterName, 'Most bytes a commit''s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)')
            [CompletionResult]::new('--max-checkout-file-size', '--max-checkout-file-size', [CompletionResultType]::ParameterName, 'Most bytes any one file of a commit may have when written to disk')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target of gitsync.yaml to use; repeat for several')
            [CompletionResult]::new('--parallel-targets', '--parallel-targets', [CompletionResultType]::ParameterName, 'How many of several targets diff, sync, drift and status work on at once')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: its current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output. NO_COLOR in the environment means never')
            [CompletionResult]::new('--all-targets', '--all-targets', [CompletionResultType]::ParameterName, 'Use every target of gitsync.yaml')
            [CompletionResult]::new('--trust-repo-kubeconfig', '--trust-repo-kubeconfig', [CompletionResultType]::ParameterName, 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are only drawn on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gitsync;promote' {
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'Helm values file for a chart, relative to the repository (repeatable; adds to the target''s values files)')
            [CompletionResult]::new('--release-name', '--release-name', [CompletionResultType]::ParameterName, 'Helm release name (default: the target''s name, else the chart''s name)')
            [CompletionResult]::new('--kube-version', '--kube-version', [CompletionResultType]::ParameterName, 'Kubernetes version helm renders for (.Capabilities.KubeVersion). Default: the connected cluster''s; `render`, which connects to no cluster, leaves helm''s built-in default (v1.20.0)')
            [CompletionResult]::new('--api-versions', '--api-versions', [CompletionResultType]::ParameterName, 'API versions helm may assume (.Capabilities.APIVersions), e.g. `monitoring.coreos.com/v1` or `apps/v1/Deployment`; repeatable or comma-separated. Default: what the connected cluster serves; `render` assumes only helm''s built-in API versions')
            [CompletionResult]::new('--render-timeout', '--render-timeout', [CompletionResultType]::ParameterName, 'How long helm or kustomize may run for one directory before it is stopped (e.g. 90s, 5m)')
            [CompletionResult]::new('--sops-age-key-file', '--sops-age-key-file', [CompletionResultType]::ParameterName, 'age identities for SOPS-encrypted files (only this file; without it: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, else $XDG_CONFIG_HOME/sops/age/keys.txt or ~/.config/sops/age/keys.txt)')
            [CompletionResult]::new('--sops-pgp-key-file', '--sops-pgp-key-file', [CompletionResultType]::ParameterName, 'Armored OpenPGP secret keys (no passphrase) for SOPS-encrypted files')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Target whose last synced revision is promoted')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Target whose `revision:` in gitsync.yaml is set to it')
            [CompletionResult]::new('--soak', '--soak', [CompletionResultType]::ParameterName, 'Refuse unless --from was synced at least this long ago (e.g. 1h)')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Name of --from''s ApplySet (as given to `sync --name`)')
            [CompletionResult]::new('--signing-key', '--signing-key', [CompletionResultType]::ParameterName, 'Sign the commit with this key, so that targets verifying signatures accept it: an OpenSSH private key or an armored OpenPGP secret key, without a passphrase')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that')
            [CompletionResult]::new('--revision', '--revision', [CompletionResultType]::ParameterName, 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote''s HEAD')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Directory inside the repository holding the manifests (default: the repository root, or the target''s path in gitsync.yaml)')
            [CompletionResult]::new('--verify-signatures', '--verify-signatures', [CompletionResultType]::ParameterName, 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision')
            [CompletionResult]::new('--trusted-keys', '--trusted-keys', [CompletionResultType]::ParameterName, 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml''s verifySignatures asks for')
            [CompletionResult]::new('--max-checkout-size', '--max-checkout-size', [CompletionResultType]::ParameterName, 'Most bytes a commit''s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)')
            [CompletionResult]::new('--max-checkout-file-size', '--max-checkout-file-size', [CompletionResultType]::ParameterName, 'Most bytes any one file of a commit may have when written to disk')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target of gitsync.yaml to use; repeat for several')
            [CompletionResult]::new('--parallel-targets', '--parallel-targets', [CompletionResultType]::ParameterName, 'How many of several targets diff, sync, drift and status work on at once')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: its current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output. NO_COLOR in the environment means never')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the change to gitsync.yaml and the commit message; commit nothing')
            [CompletionResult]::new('--all-targets', '--all-targets', [CompletionResultType]::ParameterName, 'Use every target of gitsync.yaml')
            [CompletionResult]::new('--trust-repo-kubeconfig', '--trust-repo-kubeconfig', [CompletionResultType]::ParameterName, 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are only drawn on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gitsync;render' {
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'Helm values file for a chart, relative to the repository (repeatable; adds to the target''s values files)')
            [CompletionResult]::new('--release-name', '--release-name', [CompletionResultType]::ParameterName, 'Helm release name (default: the target''s name, else the chart''s name)')
            [CompletionResult]::new('--kube-version', '--kube-version', [CompletionResultType]::ParameterName, 'Kubernetes version helm renders for (.Capabilities.KubeVersion). Default: the connected cluster''s; `render`, which connects to no cluster, leaves helm''s built-in default (v1.20.0)')
            [CompletionResult]::new('--api-versions', '--api-versions', [CompletionResultType]::ParameterName, 'API versions helm may assume (.Capabilities.APIVersions), e.g. `monitoring.coreos.com/v1` or `apps/v1/Deployment`; repeatable or comma-separated. Default: what the connected cluster serves; `render` assumes only helm''s built-in API versions')
            [CompletionResult]::new('--render-timeout', '--render-timeout', [CompletionResultType]::ParameterName, 'How long helm or kustomize may run for one directory before it is stopped (e.g. 90s, 5m)')
            [CompletionResult]::new('--sops-age-key-file', '--sops-age-key-file', [CompletionResultType]::ParameterName, 'age identities for SOPS-encrypted files (only this file; without it: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, else $XDG_CONFIG_HOME/sops/age/keys.txt or ~/.config/sops/age/keys.txt)')
            [CompletionResult]::new('--sops-pgp-key-file', '--sops-pgp-key-file', [CompletionResultType]::ParameterName, 'Armored OpenPGP secret keys (no passphrase) for SOPS-encrypted files')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that')
            [CompletionResult]::new('--revision', '--revision', [CompletionResultType]::ParameterName, 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote''s HEAD')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Directory inside the repository holding the manifests (default: the repository root, or the target''s path in gitsync.yaml)')
            [CompletionResult]::new('--verify-signatures', '--verify-signatures', [CompletionResultType]::ParameterName, 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision')
            [CompletionResult]::new('--trusted-keys', '--trusted-keys', [CompletionResultType]::ParameterName, 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml''s verifySignatures asks for')
            [CompletionResult]::new('--max-checkout-size', '--max-checkout-size', [CompletionResultType]::ParameterName, 'Most bytes a commit''s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)')
            [CompletionResult]::new('--max-checkout-file-size', '--max-checkout-file-size', [CompletionResultType]::ParameterName, 'Most bytes any one file of a commit may have when written to disk')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target of gitsync.yaml to use; repeat for several')
            [CompletionResult]::new('--parallel-targets', '--parallel-targets', [CompletionResultType]::ParameterName, 'How many of several targets diff, sync, drift and status work on at once')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: its current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output. NO_COLOR in the environment means never')
            [CompletionResult]::new('--reveal-secrets', '--reveal-secrets', [CompletionResultType]::ParameterName, 'Print the values of SOPS-encrypted documents in clear (default: masked, like every Secret value in the other commands'' output)')
            [CompletionResult]::new('--no-decrypt', '--no-decrypt', [CompletionResultType]::ParameterName, 'Decrypt nothing: every SOPS-encrypted value renders as a placeholder and no key is read. For untrusted pull requests, whose templates could carry a decrypted value out in another form')
            [CompletionResult]::new('--explain-vars', '--explain-vars', [CompletionResultType]::ParameterName, 'Instead of the manifests, each target''s `${name}` variables: the value, where gitsync.yaml set it and which documents use it')
            [CompletionResult]::new('--all-targets', '--all-targets', [CompletionResultType]::ParameterName, 'Use every target of gitsync.yaml')
            [CompletionResult]::new('--trust-repo-kubeconfig', '--trust-repo-kubeconfig', [CompletionResultType]::ParameterName, 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are only drawn on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gitsync;health' {
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that')
            [CompletionResult]::new('--revision', '--revision', [CompletionResultType]::ParameterName, 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote''s HEAD')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Directory inside the repository holding the manifests (default: the repository root, or the target''s path in gitsync.yaml)')
            [CompletionResult]::new('--verify-signatures', '--verify-signatures', [CompletionResultType]::ParameterName, 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision')
            [CompletionResult]::new('--trusted-keys', '--trusted-keys', [CompletionResultType]::ParameterName, 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml''s verifySignatures asks for')
            [CompletionResult]::new('--max-checkout-size', '--max-checkout-size', [CompletionResultType]::ParameterName, 'Most bytes a commit''s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)')
            [CompletionResult]::new('--max-checkout-file-size', '--max-checkout-file-size', [CompletionResultType]::ParameterName, 'Most bytes any one file of a commit may have when written to disk')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target of gitsync.yaml to use; repeat for several')
            [CompletionResult]::new('--parallel-targets', '--parallel-targets', [CompletionResultType]::ParameterName, 'How many of several targets diff, sync, drift and status work on at once')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: its current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output. NO_COLOR in the environment means never')
            [CompletionResult]::new('--all-targets', '--all-targets', [CompletionResultType]::ParameterName, 'Use every target of gitsync.yaml')
            [CompletionResult]::new('--trust-repo-kubeconfig', '--trust-repo-kubeconfig', [CompletionResultType]::ParameterName, 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are only drawn on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Say which rule decides one live object''s health (gitsync.yaml''s healthCheckExprs, a built-in rule for a custom resource, Job completion, or kstatus) and why it is what it is now')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'gitsync;health;explain' {
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that')
            [CompletionResult]::new('--revision', '--revision', [CompletionResultType]::ParameterName, 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote''s HEAD')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Directory inside the repository holding the manifests (default: the repository root, or the target''s path in gitsync.yaml)')
            [CompletionResult]::new('--verify-signatures', '--verify-signatures', [CompletionResultType]::ParameterName, 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision')
            [CompletionResult]::new('--trusted-keys', '--trusted-keys', [CompletionResultType]::ParameterName, 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml''s verifySignatures asks for')
            [CompletionResult]::new('--max-checkout-size', '--max-checkout-size', [CompletionResultType]::ParameterName, 'Most bytes a commit''s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)')
            [CompletionResult]::new('--max-checkout-file-size', '--max-checkout-file-size', [CompletionResultType]::ParameterName, 'Most bytes any one file of a commit may have when written to disk')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target of gitsync.yaml to use; repeat for several')
            [CompletionResult]::new('--parallel-targets', '--parallel-targets', [CompletionResultType]::ParameterName, 'How many of several targets diff, sync, drift and status work on at once')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: its current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output. NO_COLOR in the environment means never')
            [CompletionResult]::new('--wait-for-jobs', '--wait-for-jobs', [CompletionResultType]::ParameterName, 'Judge a Job as `sync --wait-for-jobs` does: healthy only once complete')
            [CompletionResult]::new('--all-targets', '--all-targets', [CompletionResultType]::ParameterName, 'Use every target of gitsync.yaml')
            [CompletionResult]::new('--trust-repo-kubeconfig', '--trust-repo-kubeconfig', [CompletionResultType]::ParameterName, 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are only drawn on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gitsync;health;help' {
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Say which rule decides one live object''s health (gitsync.yaml''s healthCheckExprs, a built-in rule for a custom resource, Job completion, or kstatus) and why it is what it is now')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'gitsync;health;help;explain' {
            break
        }
        'gitsync;health;help;help' {
            break
        }
        'gitsync;image' {
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that')
            [CompletionResult]::new('--revision', '--revision', [CompletionResultType]::ParameterName, 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote''s HEAD')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Directory inside the repository holding the manifests (default: the repository root, or the target''s path in gitsync.yaml)')
            [CompletionResult]::new('--verify-signatures', '--verify-signatures', [CompletionResultType]::ParameterName, 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision')
            [CompletionResult]::new('--trusted-keys', '--trusted-keys', [CompletionResultType]::ParameterName, 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml''s verifySignatures asks for')
            [CompletionResult]::new('--max-checkout-size', '--max-checkout-size', [CompletionResultType]::ParameterName, 'Most bytes a commit''s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)')
            [CompletionResult]::new('--max-checkout-file-size', '--max-checkout-file-size', [CompletionResultType]::ParameterName, 'Most bytes any one file of a commit may have when written to disk')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target of gitsync.yaml to use; repeat for several')
            [CompletionResult]::new('--parallel-targets', '--parallel-targets', [CompletionResultType]::ParameterName, 'How many of several targets diff, sync, drift and status work on at once')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: its current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output. NO_COLOR in the environment means never')
            [CompletionResult]::new('--all-targets', '--all-targets', [CompletionResultType]::ParameterName, 'Use every target of gitsync.yaml')
            [CompletionResult]::new('--trust-repo-kubeconfig', '--trust-repo-kubeconfig', [CompletionResultType]::ParameterName, 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are only drawn on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Per policy: what Git holds, the newest allowed tag, and why others were passed over')
            [CompletionResult]::new('update', 'update', [CompletionResultType]::ParameterValue, 'Write the newest allowed images into the marked files, as one commit of the local repository listing each change')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'gitsync;image;list' {
            [CompletionResult]::new('--registry-credentials', '--registry-credentials', [CompletionResultType]::ParameterName, 'A Docker config.json whose `auths` hold registry credentials (default: $DOCKER_CONFIG/config.json, else ~/.docker/config.json)')
            [CompletionResult]::new('--insecure-registry', '--insecure-registry', [CompletionResultType]::ParameterName, 'A registry host (`HOST[:PORT]`) spoken to over plain HTTP (loopback hosts always are); repeatable')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that')
            [CompletionResult]::new('--revision', '--revision', [CompletionResultType]::ParameterName, 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote''s HEAD')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Directory inside the repository holding the manifests (default: the repository root, or the target''s path in gitsync.yaml)')
            [CompletionResult]::new('--verify-signatures', '--verify-signatures', [CompletionResultType]::ParameterName, 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision')
            [CompletionResult]::new('--trusted-keys', '--trusted-keys', [CompletionResultType]::ParameterName, 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml''s verifySignatures asks for')
            [CompletionResult]::new('--max-checkout-size', '--max-checkout-size', [CompletionResultType]::ParameterName, 'Most bytes a commit''s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)')
            [CompletionResult]::new('--max-checkout-file-size', '--max-checkout-file-size', [CompletionResultType]::ParameterName, 'Most bytes any one file of a commit may have when written to disk')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target of gitsync.yaml to use; repeat for several')
            [CompletionResult]::new('--parallel-targets', '--parallel-targets', [CompletionResultType]::ParameterName, 'How many of several targets diff, sync, drift and status work on at once')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: its current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output. NO_COLOR in the environment means never')
            [CompletionResult]::new('--all-targets', '--all-targets', [CompletionResultType]::ParameterName, 'Use every target of gitsync.yaml')
            [CompletionResult]::new('--trust-repo-kubeconfig', '--trust-repo-kubeconfig', [CompletionResultType]::ParameterName, 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are only drawn on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gitsync;image;update' {
            [CompletionResult]::new('--registry-credentials', '--registry-credentials', [CompletionResultType]::ParameterName, 'A Docker config.json whose `auths` hold registry credentials (default: $DOCKER_CONFIG/config.json, else ~/.docker/config.json)')
            [CompletionResult]::new('--insecure-registry', '--insecure-registry', [CompletionResultType]::ParameterName, 'A registry host (`HOST[:PORT]`) spoken to over plain HTTP (loopback hosts always are); repeatable')
            [CompletionResult]::new('--signing-key', '--signing-key', [CompletionResultType]::ParameterName, 'Sign the commit with this key (as `promote --signing-key`)')
            [CompletionResult]::new('--push', '--push', [CompletionResultType]::ParameterName, 'Push the commit to this branch (runs `git push`, bounded, no prompt); a push rejected because the branch moved is made again once on its new tip')
            [CompletionResult]::new('--push-remote', '--push-remote', [CompletionResultType]::ParameterName, 'The remote --push pushes to')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that')
            [CompletionResult]::new('--revision', '--revision', [CompletionResultType]::ParameterName, 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote''s HEAD')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Directory inside the repository holding the manifests (default: the repository root, or the target''s path in gitsync.yaml)')
            [CompletionResult]::new('--verify-signatures', '--verify-signatures', [CompletionResultType]::ParameterName, 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision')
            [CompletionResult]::new('--trusted-keys', '--trusted-keys', [CompletionResultType]::ParameterName, 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml''s verifySignatures asks for')
            [CompletionResult]::new('--max-checkout-size', '--max-checkout-size', [CompletionResultType]::ParameterName, 'Most bytes a commit''s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)')
            [CompletionResult]::new('--max-checkout-file-size', '--max-checkout-file-size', [CompletionResultType]::ParameterName, 'Most bytes any one file of a commit may have when written to disk')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target of gitsync.yaml to use; repeat for several')
            [CompletionResult]::new('--parallel-targets', '--parallel-targets', [CompletionResultType]::ParameterName, 'How many of several targets diff, sync, drift and status work on at once')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: its current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output. NO_COLOR in the environment means never')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the changes as a diff; commit nothing')
            [CompletionResult]::new('--all-targets', '--all-targets', [CompletionResultType]::ParameterName, 'Use every target of gitsync.yaml')
            [CompletionResult]::new('--trust-repo-kubeconfig', '--trust-repo-kubeconfig', [CompletionResultType]::ParameterName, 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are only drawn on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gitsync;image;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Per policy: what Git holds, the newest allowed tag, and why others were passed over')
            [CompletionResult]::new('update', 'update', [CompletionResultType]::ParameterValue, 'Write the newest allowed images into the marked files, as one commit of the local repository listing each change')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'gitsync;image;help;list' {
            break
        }
        'gitsync;image;help;update' {
            break
        }
        'gitsync;image;help;help' {
            break
        }
        'gitsync;preview' {
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that')
            [CompletionResult]::new('--revision', '--revision', [CompletionResultType]::ParameterName, 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote''s HEAD')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Directory inside the repository holding the manifests (default: the repository root, or the target''s path in gitsync.yaml)')
            [CompletionResult]::new('--verify-signatures', '--verify-signatures', [CompletionResultType]::ParameterName, 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision')
            [CompletionResult]::new('--trusted-keys', '--trusted-keys', [CompletionResultType]::ParameterName, 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml''s verifySignatures asks for')
            [CompletionResult]::new('--max-checkout-size', '--max-checkout-size', [CompletionResultType]::ParameterName, 'Most bytes a commit''s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)')
            [CompletionResult]::new('--max-checkout-file-size', '--max-checkout-file-size', [CompletionResultType]::ParameterName, 'Most bytes any one file of a commit may have when written to disk')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target of gitsync.yaml to use; repeat for several')
            [CompletionResult]::new('--parallel-targets', '--parallel-targets', [CompletionResultType]::ParameterName, 'How many of several targets diff, sync, drift and status work on at once')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: its current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output. NO_COLOR in the environment means never')
            [CompletionResult]::new('--all-targets', '--all-targets', [CompletionResultType]::ParameterName, 'Use every target of gitsync.yaml')
            [CompletionResult]::new('--trust-repo-kubeconfig', '--trust-repo-kubeconfig', [CompletionResultType]::ParameterName, 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are only drawn on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Every preview the remote''s refs ask for and every one open, with its commit, namespace, health, URL and state (open, outdated, pending, closing, orphaned)')
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Open the preview of REF, or bring it to REF''s commit: render the entry''s target at REF into the preview''s namespace, sync, wait')
            [CompletionResult]::new('down', 'down', [CompletionResultType]::ParameterValue, 'Close the preview of REF: delete everything it created, then its namespace, and nothing else')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'gitsync;preview;list' {
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'Helm values file for a chart, relative to the repository (repeatable; adds to the target''s values files)')
            [CompletionResult]::new('--release-name', '--release-name', [CompletionResultType]::ParameterName, 'Helm release name (default: the target''s name, else the chart''s name)')
            [CompletionResult]::new('--kube-version', '--kube-version', [CompletionResultType]::ParameterName, 'Kubernetes version helm renders for (.Capabilities.KubeVersion). Default: the connected cluster''s; `render`, which connects to no cluster, leaves helm''s built-in default (v1.20.0)')
            [CompletionResult]::new('--api-versions', '--api-versions', [CompletionResultType]::ParameterName, 'API versions helm may assume (.Capabilities.APIVersions), e.g. `monitoring.coreos.com/v1` or `apps/v1/Deployment`; repeatable or comma-separated. Default: what the connected cluster serves; `render` assumes only helm''s built-in API versions')
            [CompletionResult]::new('--render-timeout', '--render-timeout', [CompletionResultType]::ParameterName, 'How long helm or kustomize may run for one directory before it is stopped (e.g. 90s, 5m)')
            [CompletionResult]::new('--sops-age-key-file', '--sops-age-key-file', [CompletionResultType]::ParameterName, 'age identities for SOPS-encrypted files (only this file; without it: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, else $XDG_CONFIG_HOME/sops/age/keys.txt or ~/.config/sops/age/keys.txt)')
            [CompletionResult]::new('--sops-pgp-key-file', '--sops-pgp-key-file', [CompletionResultType]::ParameterName, 'Armored OpenPGP secret keys (no passphrase) for SOPS-encrypted files')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that')
            [CompletionResult]::new('--revision', '--revision', [CompletionResultType]::ParameterName, 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote''s HEAD')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Directory inside the repository holding the manifests (default: the repository root, or the target''s path in gitsync.yaml)')
            [CompletionResult]::new('--verify-signatures', '--verify-signatures', [CompletionResultType]::ParameterName, 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision')
            [CompletionResult]::new('--trusted-keys', '--trusted-keys', [CompletionResultType]::ParameterName, 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml''s verifySignatures asks for')
            [CompletionResult]::new('--max-checkout-size', '--max-checkout-size', [CompletionResultType]::ParameterName, 'Most bytes a commit''s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)')
            [CompletionResult]::new('--max-checkout-file-size', '--max-checkout-file-size', [CompletionResultType]::ParameterName, 'Most bytes any one file of a commit may have when written to disk')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target of gitsync.yaml to use; repeat for several')
            [CompletionResult]::new('--parallel-targets', '--parallel-targets', [CompletionResultType]::ParameterName, 'How many of several targets diff, sync, drift and status work on at once')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: its current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output. NO_COLOR in the environment means never')
            [CompletionResult]::new('--all-targets', '--all-targets', [CompletionResultType]::ParameterName, 'Use every target of gitsync.yaml')
            [CompletionResult]::new('--trust-repo-kubeconfig', '--trust-repo-kubeconfig', [CompletionResultType]::ParameterName, 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are only drawn on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gitsync;preview;up' {
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'Helm values file for a chart, relative to the repository (repeatable; adds to the target''s values files)')
            [CompletionResult]::new('--release-name', '--release-name', [CompletionResultType]::ParameterName, 'Helm release name (default: the target''s name, else the chart''s name)')
            [CompletionResult]::new('--kube-version', '--kube-version', [CompletionResultType]::ParameterName, 'Kubernetes version helm renders for (.Capabilities.KubeVersion). Default: the connected cluster''s; `render`, which connects to no cluster, leaves helm''s built-in default (v1.20.0)')
            [CompletionResult]::new('--api-versions', '--api-versions', [CompletionResultType]::ParameterName, 'API versions helm may assume (.Capabilities.APIVersions), e.g. `monitoring.coreos.com/v1` or `apps/v1/Deployment`; repeatable or comma-separated. Default: what the connected cluster serves; `render` assumes only helm''s built-in API versions')
            [CompletionResult]::new('--render-timeout', '--render-timeout', [CompletionResultType]::ParameterName, 'How long helm or kustomize may run for one directory before it is stopped (e.g. 90s, 5m)')
            [CompletionResult]::new('--sops-age-key-file', '--sops-age-key-file', [CompletionResultType]::ParameterName, 'age identities for SOPS-encrypted files (only this file; without it: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, else $XDG_CONFIG_HOME/sops/age/keys.txt or ~/.config/sops/age/keys.txt)')
            [CompletionResult]::new('--sops-pgp-key-file', '--sops-pgp-key-file', [CompletionResultType]::ParameterName, 'Armored OpenPGP secret keys (no passphrase) for SOPS-encrypted files')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for health (e.g. 90s, 5m)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'How long to wait while another writer holds the preview')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that')
            [CompletionResult]::new('--revision', '--revision', [CompletionResultType]::ParameterName, 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote''s HEAD')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Directory inside the repository holding the manifests (default: the repository root, or the target''s path in gitsync.yaml)')
            [CompletionResult]::new('--verify-signatures', '--verify-signatures', [CompletionResultType]::ParameterName, 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision')
            [CompletionResult]::new('--trusted-keys', '--trusted-keys', [CompletionResultType]::ParameterName, 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml''s verifySignatures asks for')
            [CompletionResult]::new('--max-checkout-size', '--max-checkout-size', [CompletionResultType]::ParameterName, 'Most bytes a commit''s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)')
            [CompletionResult]::new('--max-checkout-file-size', '--max-checkout-file-size', [CompletionResultType]::ParameterName, 'Most bytes any one file of a commit may have when written to disk')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target of gitsync.yaml to use; repeat for several')
            [CompletionResult]::new('--parallel-targets', '--parallel-targets', [CompletionResultType]::ParameterName, 'How many of several targets diff, sync, drift and status work on at once')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: its current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output. NO_COLOR in the environment means never')
            [CompletionResult]::new('--no-wait', '--no-wait', [CompletionResultType]::ParameterName, 'Do not wait for the preview''s objects to become healthy')
            [CompletionResult]::new('--all-targets', '--all-targets', [CompletionResultType]::ParameterName, 'Use every target of gitsync.yaml')
            [CompletionResult]::new('--trust-repo-kubeconfig', '--trust-repo-kubeconfig', [CompletionResultType]::ParameterName, 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are only drawn on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gitsync;preview;down' {
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'Helm values file for a chart, relative to the repository (repeatable; adds to the target''s values files)')
            [CompletionResult]::new('--release-name', '--release-name', [CompletionResultType]::ParameterName, 'Helm release name (default: the target''s name, else the chart''s name)')
            [CompletionResult]::new('--kube-version', '--kube-version', [CompletionResultType]::ParameterName, 'Kubernetes version helm renders for (.Capabilities.KubeVersion). Default: the connected cluster''s; `render`, which connects to no cluster, leaves helm''s built-in default (v1.20.0)')
            [CompletionResult]::new('--api-versions', '--api-versions', [CompletionResultType]::ParameterName, 'API versions helm may assume (.Capabilities.APIVersions), e.g. `monitoring.coreos.com/v1` or `apps/v1/Deployment`; repeatable or comma-separated. Default: what the connected cluster serves; `render` assumes only helm''s built-in API versions')
            [CompletionResult]::new('--render-timeout', '--render-timeout', [CompletionResultType]::ParameterName, 'How long helm or kustomize may run for one directory before it is stopped (e.g. 90s, 5m)')
            [CompletionResult]::new('--sops-age-key-file', '--sops-age-key-file', [CompletionResultType]::ParameterName, 'age identities for SOPS-encrypted files (only this file; without it: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, else $XDG_CONFIG_HOME/sops/age/keys.txt or ~/.config/sops/age/keys.txt)')
            [CompletionResult]::new('--sops-pgp-key-file', '--sops-pgp-key-file', [CompletionResultType]::ParameterName, 'Armored OpenPGP secret keys (no passphrase) for SOPS-encrypted files')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'How long to wait while another writer holds the preview')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that')
            [CompletionResult]::new('--revision', '--revision', [CompletionResultType]::ParameterName, 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote''s HEAD')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Directory inside the repository holding the manifests (default: the repository root, or the target''s path in gitsync.yaml)')
            [CompletionResult]::new('--verify-signatures', '--verify-signatures', [CompletionResultType]::ParameterName, 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision')
            [CompletionResult]::new('--trusted-keys', '--trusted-keys', [CompletionResultType]::ParameterName, 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml''s verifySignatures asks for')
            [CompletionResult]::new('--max-checkout-size', '--max-checkout-size', [CompletionResultType]::ParameterName, 'Most bytes a commit''s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)')
            [CompletionResult]::new('--max-checkout-file-size', '--max-checkout-file-size', [CompletionResultType]::ParameterName, 'Most bytes any one file of a commit may have when written to disk')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target of gitsync.yaml to use; repeat for several')
            [CompletionResult]::new('--parallel-targets', '--parallel-targets', [CompletionResultType]::ParameterName, 'How many of several targets diff, sync, drift and status work on at once')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: its current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output. NO_COLOR in the environment means never')
            [CompletionResult]::new('--all-targets', '--all-targets', [CompletionResultType]::ParameterName, 'Use every target of gitsync.yaml')
            [CompletionResult]::new('--trust-repo-kubeconfig', '--trust-repo-kubeconfig', [CompletionResultType]::ParameterName, 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are only drawn on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gitsync;preview;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Every preview the remote''s refs ask for and every one open, with its commit, namespace, health, URL and state (open, outdated, pending, closing, orphaned)')
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Open the preview of REF, or bring it to REF''s commit: render the entry''s target at REF into the preview''s namespace, sync, wait')
            [CompletionResult]::new('down', 'down', [CompletionResultType]::ParameterValue, 'Close the preview of REF: delete everything it created, then its namespace, and nothing else')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'gitsync;preview;help;list' {
            break
        }
        'gitsync;preview;help;up' {
            break
        }
        'gitsync;preview;help;down' {
            break
        }
        'gitsync;preview;help;help' {
            break
        }
        'gitsync;completions' {
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Repository to read: a local path (its work tree, uncommitted edits included) or a URL (https://, ssh://, git@host:path, file://), which is cloned once into a cache and fetched incrementally after that')
            [CompletionResult]::new('--revision', '--revision', [CompletionResultType]::ParameterName, 'Commit to read (branch, tag, short or full SHA) from the object database instead of the work tree. For a URL: defaults to the remote''s HEAD')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Directory inside the repository holding the manifests (default: the repository root, or the target''s path in gitsync.yaml)')
            [CompletionResult]::new('--verify-signatures', '--verify-signatures', [CompletionResultType]::ParameterName, 'Refuse a revision without a trusted signature: on its commit (head), on the annotated tag --revision names (tag), or both (tag-and-head). Needs --trusted-keys. A work tree cannot be verified: give --revision')
            [CompletionResult]::new('--trusted-keys', '--trusted-keys', [CompletionResultType]::ParameterName, 'Keys whose signatures are trusted: a file or directory of armored OpenPGP public keys and/or SSH allowed_signers files. Alone, it verifies only what gitsync.yaml''s verifySignatures asks for')
            [CompletionResult]::new('--max-checkout-size', '--max-checkout-size', [CompletionResultType]::ParameterName, 'Most bytes a commit''s files may take together when written to disk (a --revision, or any URL); checked before anything is written. Units: B, KiB, MiB, GiB (also K, M, G)')
            [CompletionResult]::new('--max-checkout-file-size', '--max-checkout-file-size', [CompletionResultType]::ParameterName, 'Most bytes any one file of a commit may have when written to disk')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target of gitsync.yaml to use; repeat for several')
            [CompletionResult]::new('--parallel-targets', '--parallel-targets', [CompletionResultType]::ParameterName, 'How many of several targets diff, sync, drift and status work on at once')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: its current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that name none (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Longest one request to the API server may take (connecting, answering and retries of transient errors included); a hung or unreachable server is an error after this long')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output. NO_COLOR in the environment means never')
            [CompletionResult]::new('--all-targets', '--all-targets', [CompletionResultType]::ParameterName, 'Use every target of gitsync.yaml')
            [CompletionResult]::new('--trust-repo-kubeconfig', '--trust-repo-kubeconfig', [CompletionResultType]::ParameterName, 'Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by default: a kubeconfig can run programs (exec credential plugins), and the repository is written by whoever can push or open a pull request')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are only drawn on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gitsync;help' {
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Show what would change if the cluster were synced now')
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'Make the cluster match Git: apply, prune what Git removed, wait healthy')
            [CompletionResult]::new('drift', 'drift', [CompletionResultType]::ParameterValue, 'Show what was changed in the cluster behind Git''s back, and by whom')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'Run the pull / compare / sync loop as a daemon, self-healing drift')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show per target what its cluster runs: the revision last synced (when, by whose commit), health, drift, and whether Git is ahead')
            [CompletionResult]::new('promote', 'promote', [CompletionResultType]::ParameterValue, 'Promote the revision one target last synced to another target: write it as that target''s `revision:` in gitsync.yaml and commit')
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'Print the desired objects as YAML (or a JSON list with -o json), in apply order. Needs no cluster')
            [CompletionResult]::new('health', 'health', [CompletionResultType]::ParameterValue, 'Look at the health of objects as sync judges it')
            [CompletionResult]::new('image', 'image', [CompletionResultType]::ParameterValue, 'Image updates: the newest image each gitsync.yaml `images:` policy allows, written into the marked scalars of the repository''s files')
            [CompletionResult]::new('preview', 'preview', [CompletionResultType]::ParameterValue, 'Preview environments: one namespace per pull request (or any ref a `previews:` entry of gitsync.yaml matches), for CI')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'gitsync;help;diff' {
            break
        }
        'gitsync;help;sync' {
            break
        }
        'gitsync;help;drift' {
            break
        }
        'gitsync;help;watch' {
            break
        }
        'gitsync;help;status' {
            break
        }
        'gitsync;help;promote' {
            break
        }
        'gitsync;help;render' {
            break
        }
        'gitsync;help;health' {
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Say which rule decides one live object''s health (gitsync.yaml''s healthCheckExprs, a built-in rule for a custom resource, Job completion, or kstatus) and why it is what it is now')
            break
        }
        'gitsync;help;health;explain' {
            break
        }
        'gitsync;help;image' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Per policy: what Git holds, the newest allowed tag, and why others were passed over')
            [CompletionResult]::new('update', 'update', [CompletionResultType]::ParameterValue, 'Write the newest allowed images into the marked files, as one commit of the local repository listing each change')
            break
        }
        'gitsync;help;image;list' {
            break
        }
        'gitsync;help;image;update' {
            break
        }
        'gitsync;help;preview' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Every preview the remote''s refs ask for and every one open, with its commit, namespace, health, URL and state (open, outdated, pending, closing, orphaned)')
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Open the preview of REF, or bring it to REF''s commit: render the entry''s target at REF into the preview''s namespace, sync, wait')
            [CompletionResult]::new('down', 'down', [CompletionResultType]::ParameterValue, 'Close the preview of REF: delete everything it created, then its namespace, and nothing else')
            break
        }
        'gitsync;help;preview;list' {
            break
        }
        'gitsync;help;preview;up' {
            break
        }
        'gitsync;help;preview;down' {
            break
        }
        'gitsync;help;completions' {
            break
        }
        'gitsync;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
