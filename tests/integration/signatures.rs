//! `--verify-signatures`: commits and tags signed by real `git` with
//! `ssh-keygen` and `gpg` keys made here, verified by gitsync without
//! either. Mostly `render` (no cluster); one `sync` and one `watch`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use libtest_mimic::Trial;

use crate::check;
use crate::harness::{Cluster, GitRepo, Run, TestResult, gitsync, kubectl, run};
use crate::watch::{Daemon, within};

pub fn tests() -> Vec<Trial> {
    vec![
        crate::trial!(trusted_ssh_keys_of_every_kind_pass),
        crate::trial!(openpgp_primary_keys_and_signing_subkeys_pass),
        crate::trial!(untrusted_tampered_unsigned_and_expired_are_refused),
        crate::trial!(a_revoked_openpgp_key_is_refused),
        crate::trial!(each_mode_checks_what_it_names),
        crate::trial!(a_signed_tag_under_another_name_is_refused),
        crate::trial!(work_trees_and_diff_are_refused_too),
        crate::trial!(gitsync_yaml_can_only_raise_the_mode),
        crate::trial!(sync_records_who_signed),
        crate::trial!(watch_skips_an_unsigned_commit),
        crate::trial!(watch_follows_a_signed_tag),
        crate::trial!(promote_signs_with_an_ssh_or_openpgp_key),
    ]
}

const EMAIL: &str = "author@example.com";

fn cm(value: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: signed\ndata:\n  value: {value}\n")
}

/// Keys (SSH files, a GnuPG home) and the trusted-keys directories, in a
/// temp dir; the gpg-agent it may start is stopped on drop.
struct Keys {
    dir: tempfile::TempDir,
}

impl Keys {
    fn new() -> Keys {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("gnupg")).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(
                dir.path().join("gnupg"),
                std::fs::Permissions::from_mode(0o700),
            )
            .unwrap();
        }
        Keys { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A new SSH key (`ed25519`, `ecdsa`, `rsa`); its private key's path.
    fn ssh(&self, name: &str, kind: &str) -> PathBuf {
        let key = self.path(name);
        let mut cmd = Command::new("ssh-keygen");
        cmd.args(["-q", "-t", kind, "-N", "", "-C", name, "-f"])
            .arg(&key);
        if kind == "rsa" {
            cmd.args(["-b", "3072"]);
        }
        must(&mut cmd, "ssh-keygen");
        key
    }

    fn ssh_public(&self, key: &Path) -> String {
        std::fs::read_to_string(key.with_extension("pub"))
            .unwrap()
            .trim()
            .to_string()
    }

    /// `SHA256:…` of an SSH key.
    fn ssh_fingerprint(&self, key: &Path) -> String {
        let out = must(
            Command::new("ssh-keygen")
                .arg("-lf")
                .arg(key.with_extension("pub")),
            "ssh-keygen -l",
        );
        out.split_whitespace().nth(1).unwrap().to_string()
    }

    fn gpg(&self, args: &[&str]) -> String {
        must(
            Command::new("gpg")
                .args(["--batch", "--pinentry-mode", "loopback", "--passphrase", ""])
                .args(args)
                .env("GNUPGHOME", self.path("gnupg")),
            "gpg",
        )
    }

    /// A new OpenPGP key whose primary key may only `usage` (`sign`,
    /// `cert`); the fingerprints of its primary key and of each subkey.
    fn openpgp(&self, name: &str, usage: &str) -> Vec<String> {
        self.gpg(&[
            "--quick-gen-key",
            &format!("{name} <{EMAIL}>"),
            "ed25519",
            usage,
            "never",
        ]);
        self.fingerprints(name)
    }

    fn fingerprints(&self, name: &str) -> Vec<String> {
        self.gpg(&["--with-colons", "--list-keys", name])
            .lines()
            .filter_map(|l| l.strip_prefix("fpr:"))
            .map(|l| l.trim_matches(':').to_string())
            .collect()
    }

    /// Writes the armored public key of `fpr` to `dir/name.asc`.
    fn export(&self, fpr: &str, dir: &Path) {
        std::fs::create_dir_all(dir).unwrap();
        let armored = self.gpg(&["--armor", "--export", fpr]);
        std::fs::write(dir.join(format!("{fpr}.asc")), armored).unwrap();
    }

    /// Writes an allowed_signers file `dir/allowed_signers`.
    fn allowed_signers(&self, dir: &Path, lines: &[String]) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("allowed_signers"), lines.join("\n") + "\n").unwrap();
    }

    /// git with the GnuPG home set, committing as [`EMAIL`].
    fn git(&self, repo: &GitRepo, args: &[&str]) -> String {
        must(
            Command::new("git")
                .args(["-c", "user.name=Test Author", "-c"])
                .arg(format!("user.email={EMAIL}"))
                .args(args)
                .current_dir(repo.path())
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("HOME", self.dir.path())
                .env("GNUPGHOME", self.path("gnupg")),
            "git",
        )
    }

    /// Commits `files` signed with the SSH key; the SHA.
    fn commit_ssh(&self, repo: &GitRepo, key: &Path, value: &str) -> String {
        repo.write(&[("cm.yaml", &cm(value))]);
        self.git(repo, &["add", "-A"]);
        let signing = format!("user.signingkey={}", key.display());
        self.git(
            repo,
            &[
                "-c",
                "gpg.format=ssh",
                "-c",
                &signing,
                "commit",
                "-q",
                "-S",
                "-m",
                value,
            ],
        );
        self.git(repo, &["rev-parse", "HEAD"])
    }

    /// Commits signed by the OpenPGP key `fpr` (gpg picks its signing
    /// subkey if it has one).
    fn commit_openpgp(&self, repo: &GitRepo, fpr: &str, value: &str) -> String {
        repo.write(&[("cm.yaml", &cm(value))]);
        self.git(repo, &["add", "-A"]);
        self.git(
            repo,
            &[
                "-c",
                &format!("user.signingkey={fpr}"),
                "commit",
                "-q",
                "-S",
                "-m",
                value,
            ],
        );
        self.git(repo, &["rev-parse", "HEAD"])
    }
}

impl Drop for Keys {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .args(["--kill", "gpg-agent"])
            .env("GNUPGHOME", self.path("gnupg"))
            .stdin(Stdio::null())
            .output();
    }
}

fn must(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// `gitsync render --revision REV --verify-signatures MODE --trusted-keys DIR`.
fn render(repo: &GitRepo, rev: &str, mode: &str, trusted: &Path) -> Run {
    run(gitsync(repo.path())
        .args([
            "render",
            "-v",
            "--revision",
            rev,
            "--verify-signatures",
            mode,
            "--trusted-keys",
        ])
        .arg(trusted))
}

fn refused(r: &Run, words: &[&str]) -> TestResult {
    check!(r.code == 2, r, "refused with exit 2");
    check!(r.stdout.is_empty(), r, "nothing rendered");
    for w in words {
        check!(r.stderr.contains(w), r, "the error says {w:?}");
    }
    Ok(())
}

fn trusted_ssh_keys_of_every_kind_pass() -> TestResult {
    let keys = Keys::new();
    let repo = GitRepo::new();
    let trusted = keys.path("trusted");
    let kinds = ["ed25519", "ecdsa", "rsa"];
    let made: Vec<PathBuf> = kinds.iter().map(|k| keys.ssh(k, k)).collect();
    let lines: Vec<String> = made
        .iter()
        .map(|k| format!("*@example.com namespaces=\"git\" {}", keys.ssh_public(k)))
        .collect();
    keys.allowed_signers(&trusted, &lines);
    for (kind, key) in kinds.iter().zip(&made) {
        let sha = keys.commit_ssh(&repo, key, kind);
        let r = render(&repo, &sha, "head", &trusted);
        check!(r.code == 0, r, "a commit signed by the {kind} key renders");
        check!(
            r.stdout.contains(&format!("value: {kind}")),
            r,
            "the commit's content"
        );
        let signer = format!("ssh:{EMAIL} {}", keys.ssh_fingerprint(key));
        check!(
            r.stderr.contains(&signer),
            r,
            "the log names the signer {signer}"
        );
    }
    Ok(())
}

fn openpgp_primary_keys_and_signing_subkeys_pass() -> TestResult {
    let keys = Keys::new();
    let repo = GitRepo::new();
    let trusted = keys.path("trusted");
    let alice = keys.openpgp("Alice", "sign");
    // Bob's primary key only certifies; his signing subkey signs.
    let bob = keys.openpgp("Bob", "cert");
    keys.gpg(&["--quick-add-key", &bob[0], "ed25519", "sign", "never"]);
    let bob = keys.fingerprints("Bob");
    check!(bob.len() == 2, Run::default(), "bob has a subkey: {bob:?}");
    keys.export(&alice[0], &trusted);
    keys.export(&bob[0], &trusted);

    let sha = keys.commit_openpgp(&repo, &alice[0], "alice");
    let r = render(&repo, &sha, "head", &trusted);
    check!(r.code == 0, r, "signed by a trusted primary key");
    check!(
        r.stderr.contains(&format!("openpgp:{}", alice[0])),
        r,
        "names alice's key"
    );

    let sha = keys.commit_openpgp(&repo, &bob[0], "bob");
    let r = render(&repo, &sha, "head", &trusted);
    check!(
        r.code == 0,
        r,
        "signed by a trusted primary key's signing subkey"
    );
    check!(
        r.stderr.contains(&format!("openpgp:{}", bob[1])),
        r,
        "names bob's subkey {}",
        bob[1]
    );
    Ok(())
}

fn untrusted_tampered_unsigned_and_expired_are_refused() -> TestResult {
    let keys = Keys::new();
    let repo = GitRepo::new();
    let trusted_key = keys.ssh("trusted", "ed25519");
    let stranger = keys.ssh("stranger", "ed25519");
    let trusted = keys.path("trusted-dir");
    keys.allowed_signers(
        &trusted,
        &[format!("{EMAIL} {}", keys.ssh_public(&trusted_key))],
    );

    // Signed by a key nobody trusts.
    let sha = keys.commit_ssh(&repo, &stranger, "stranger");
    let fp = keys.ssh_fingerprint(&stranger);
    refused(
        &render(&repo, &sha, "head", &trusted),
        &[
            &format!("commit {sha}"),
            &format!("ssh:{fp}"),
            "not a trusted key",
        ],
    )?;

    // Signed by the trusted key, then changed: same signature, new content.
    let signed = keys.commit_ssh(&repo, &trusted_key, "good");
    let raw = keys.git(&repo, &["cat-file", "commit", &signed]) + "\n";
    let forged = keys.path("forged");
    std::fs::write(
        &forged,
        raw.replace("value: good", "x")
            .replace("\ngood\n", "\nevil\n"),
    )
    .unwrap();
    let tampered = keys.git(
        &repo,
        &[
            "hash-object",
            "-t",
            "commit",
            "-w",
            forged.to_str().unwrap(),
        ],
    );
    check!(tampered != signed, Run::default(), "a different commit");
    refused(
        &render(&repo, &tampered, "head", &trusted),
        &[
            &format!("commit {tampered}"),
            &format!("ssh:{}", keys.ssh_fingerprint(&trusted_key)),
            "does not match the content",
        ],
    )?;
    check!(
        render(&repo, &signed, "head", &trusted).code == 0,
        Run::default(),
        "the original still passes"
    );

    // Not signed at all.
    let unsigned = repo.commit(&[("cm.yaml", &cm("unsigned"))], "unsigned");
    refused(
        &render(&repo, &unsigned, "head", &trusted),
        &[&format!("commit {unsigned}"), "it is not signed"],
    )?;

    // An allowed_signers entry past its valid-before.
    let expired = keys.path("expired-dir");
    keys.allowed_signers(
        &expired,
        &[format!(
            "{EMAIL} valid-before=\"20200101\" {}",
            keys.ssh_public(&trusted_key)
        )],
    );
    refused(
        &render(&repo, &signed, "head", &expired),
        &[
            &format!("commit {signed}"),
            "expired at 2020-01-01T00:00:00Z",
            "valid-before",
        ],
    )?;
    Ok(())
}

fn a_revoked_openpgp_key_is_refused() -> TestResult {
    let keys = Keys::new();
    let repo = GitRepo::new();
    let fpr = keys.openpgp("Carol", "sign")[0].clone();
    let sha = keys.commit_openpgp(&repo, &fpr, "carol");
    let trusted = keys.path("trusted");
    keys.export(&fpr, &trusted);
    let r = render(&repo, &sha, "head", &trusted);
    check!(r.code == 0, r, "passes before the revocation");

    // gpg made a revocation certificate with the key; importing it revokes.
    let cert = keys.path(&format!("gnupg/openpgp-revocs.d/{fpr}.rev"));
    let text = std::fs::read_to_string(&cert).unwrap();
    let armed = keys.path("revoke.asc");
    std::fs::write(&armed, text.replace(":-----BEGIN PGP", "-----BEGIN PGP")).unwrap();
    keys.gpg(&["--import", armed.to_str().unwrap()]);
    keys.export(&fpr, &trusted);
    refused(
        &render(&repo, &sha, "head", &trusted),
        &[
            &format!("commit {sha}"),
            &format!("openpgp:{fpr}"),
            "revoked",
        ],
    )
}

fn each_mode_checks_what_it_names() -> TestResult {
    let keys = Keys::new();
    let repo = GitRepo::new();
    let key = keys.ssh("k", "ed25519");
    let trusted = keys.path("trusted");
    keys.allowed_signers(
        &trusted,
        &[format!("*@example.com {}", keys.ssh_public(&key))],
    );
    let signing = format!("user.signingkey={}", key.display());

    // A signed tag on an unsigned commit.
    repo.commit(&[("cm.yaml", &cm("one"))], "unsigned");
    keys.git(
        &repo,
        &[
            "-c",
            "gpg.format=ssh",
            "-c",
            &signing,
            "tag",
            "-s",
            "v1",
            "-m",
            "v1",
        ],
    );
    check!(
        render(&repo, "v1", "tag", &trusted).code == 0,
        render(&repo, "v1", "tag", &trusted),
        "tag: a signed tag passes"
    );
    refused(
        &render(&repo, "v1", "head", &trusted),
        &["commit ", "not signed"],
    )?;
    refused(
        &render(&repo, "v1", "tag-and-head", &trusted),
        &["commit ", "not signed"],
    )?;

    // A signed commit under an unsigned annotated tag.
    keys.commit_ssh(&repo, &key, "two");
    keys.git(&repo, &["tag", "-a", "v2", "-m", "v2"]);
    let r = render(&repo, "v2", "head", &trusted);
    check!(
        r.code == 0 && r.stdout.contains("value: two"),
        r,
        "head: a signed commit passes"
    );
    refused(
        &render(&repo, "v2", "tag", &trusted),
        &["tag v2", "not signed"],
    )?;
    refused(
        &render(&repo, "v2", "tag-and-head", &trusted),
        &["tag v2", "not signed"],
    )?;

    // Both signed: every mode passes. A branch names no tag.
    keys.git(
        &repo,
        &[
            "-c",
            "gpg.format=ssh",
            "-c",
            &signing,
            "tag",
            "-s",
            "v3",
            "-m",
            "v3",
        ],
    );
    for mode in ["head", "tag", "tag-and-head"] {
        let r = render(&repo, "v3", mode, &trusted);
        check!(r.code == 0, r, "{mode}: signed tag on a signed commit");
    }
    refused(
        &render(&repo, "main", "tag", &trusted),
        &["names no annotated tag"],
    )
}

/// Whoever can push refs points `v2` at the object signed as `v1`: the
/// signature vouches for the name `v1` only, so `v2` is not a signed
/// release, and the error names both.
fn a_signed_tag_under_another_name_is_refused() -> TestResult {
    let keys = Keys::new();
    let repo = GitRepo::new();
    let key = keys.ssh("k", "ed25519");
    let trusted = keys.path("trusted");
    keys.allowed_signers(
        &trusted,
        &[format!("*@example.com {}", keys.ssh_public(&key))],
    );
    let signing = format!("user.signingkey={}", key.display());
    repo.commit(&[("cm.yaml", &cm("one"))], "one");
    keys.git(
        &repo,
        &[
            "-c",
            "gpg.format=ssh",
            "-c",
            &signing,
            "tag",
            "-s",
            "v1",
            "-m",
            "v1",
        ],
    );
    let v1 = repo.git(&["rev-parse", "refs/tags/v1"]);
    repo.git(&["update-ref", "refs/tags/v2", &v1]);
    let r = render(&repo, "v1", "tag", &trusted);
    check!(r.code == 0, r, "v1 is signed as v1");
    let r = render(&repo, &v1, "tag", &trusted);
    check!(
        r.code == 0,
        r,
        "the tag object named by its id asks for no name"
    );
    for rev in ["v2", "refs/tags/v2"] {
        refused(
            &render(&repo, rev, "tag", &trusted),
            &["tag v1 (", "named \"v1\", not \"v2\""],
        )?;
    }
    Ok(())
}

fn work_trees_and_diff_are_refused_too() -> TestResult {
    let keys = Keys::new();
    let repo = GitRepo::new();
    let key = keys.ssh("k", "ed25519");
    let trusted = keys.path("trusted");
    keys.allowed_signers(&trusted, &[format!("{EMAIL} {}", keys.ssh_public(&key))]);
    keys.commit_ssh(&repo, &key, "signed");
    let r = run(gitsync(repo.path())
        .args(["render", "--verify-signatures", "head", "--trusted-keys"])
        .arg(&trusted));
    refused(&r, &["work tree", "--revision"])?;

    let unsigned = repo.commit(&[("cm.yaml", &cm("unsigned"))], "unsigned");
    // diff reads the revision before it connects: the kubeconfig is never
    // needed to refuse.
    let r = run(gitsync(repo.path())
        .args(["diff", "--revision", "HEAD", "--kubeconfig", "/nonexistent"])
        .args(["--verify-signatures", "head", "--trusted-keys"])
        .arg(&trusted));
    refused(&r, &[&format!("commit {unsigned}"), "not signed"])
}

fn gitsync_yaml_can_only_raise_the_mode() -> TestResult {
    let keys = Keys::new();
    let repo = GitRepo::new();
    let key = keys.ssh("k", "ed25519");
    let trusted = keys.path("trusted");
    keys.allowed_signers(&trusted, &[format!("{EMAIL} {}", keys.ssh_public(&key))]);
    let yaml = "targets:\n  - name: prod\n    path: app\n    verifySignatures: {mode: head}\n";
    let unsigned = repo.commit(
        &[("gitsync.yaml", yaml), ("app/cm.yaml", &cm("one"))],
        "unsigned",
    );

    // Without keys, the repository's demand is refused, not ignored.
    let r = run(gitsync(repo.path()).args(["render", "--revision", "HEAD"]));
    refused(&r, &["target \"prod\"", "no --trusted-keys"])?;
    // With keys, its mode applies although the flags ask for nothing.
    let r = run(gitsync(repo.path())
        .args(["render", "--revision", "HEAD", "--trusted-keys"])
        .arg(&trusted));
    refused(&r, &[&format!("commit {unsigned}"), "not signed"])?;
    keys.commit_ssh(&repo, &key, "signed");
    let r = run(gitsync(repo.path())
        .args(["render", "--revision", "HEAD", "--trusted-keys"])
        .arg(&trusted));
    check!(
        r.code == 0,
        r,
        "a signed commit passes the repository's mode"
    );

    // It cannot lower the flags' mode (head and tag make tag-and-head)...
    let r = render(&repo, "HEAD", "tag", &trusted);
    refused(&r, &["names no annotated tag"])?;
    keys.git(&repo, &["tag", "-a", "v1", "-m", "unsigned tag"]);
    refused(
        &render(&repo, "v1", "tag", &trusted),
        &["tag v1", "not signed"],
    )?;
    // ...nor bring keys of its own.
    let keyed = "targets:\n  - name: prod\n    path: app\n    verifySignatures: {mode: head, trustedKeys: keys/}\n";
    repo.write(&[("gitsync.yaml", keyed)]);
    keys.commit_ssh(&repo, &key, "keyed");
    refused(&render(&repo, "HEAD", "head", &trusted), &["trustedKeys"])
}

fn sync_records_who_signed() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("signed-sync");
    let n = ns.name.as_str();
    let keys = Keys::new();
    let repo = GitRepo::new();
    let key = keys.ssh("k", "ecdsa");
    let trusted = keys.path("trusted");
    keys.allowed_signers(&trusted, &[format!("{EMAIL} {}", keys.ssh_public(&key))]);
    let sha = keys.commit_ssh(&repo, &key, "one");
    let r = run(gitsync(repo.path())
        .args([
            "sync",
            "-n",
            n,
            "--revision",
            "HEAD",
            "--verify-signatures",
            "head",
        ])
        .arg("--trusted-keys")
        .arg(&trusted)
        .arg("--kubeconfig")
        .arg(cluster.kubeconfig()));
    check!(r.code == 0, r, "a signed commit syncs");
    let parents = kubectl(
        cluster,
        &[
            "get",
            "configmap",
            "-n",
            n,
            "-l",
            "applyset.kubernetes.io/id",
            "-o",
            "json",
        ],
    );
    let parents: serde_json::Value = serde_json::from_str(&parents.stdout)?;
    let record = &parents["items"][0]["data"];
    let signer = format!("ssh:{EMAIL} {}", keys.ssh_fingerprint(&key));
    check!(
        record["revision"] == sha.as_str() && record["signedBy"] == signer.as_str(),
        r,
        "the parent records {signer}: {record}"
    );
    // status shows who signed what runs there.
    let r = run(gitsync(repo.path())
        .args(["status", "-n", n, "--revision", "HEAD"])
        .arg("--kubeconfig")
        .arg(cluster.kubeconfig()));
    check!(
        r.code == 0 && r.stdout.contains(&format!("signed:   {signer}")),
        r,
        "status names the signer"
    );
    Ok(())
}

fn watch_skips_an_unsigned_commit() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("signed-watch");
    let n = ns.name.as_str();
    let keys = Keys::new();
    let repo = GitRepo::new();
    let key = keys.ssh("k", "ed25519");
    let trusted = keys.path("trusted");
    keys.allowed_signers(&trusted, &[format!("{EMAIL} {}", keys.ssh_public(&key))]);
    keys.commit_ssh(&repo, &key, "one");
    let trusted_arg = trusted.to_str().unwrap();
    let extra = [
        "--interval",
        "1s",
        "--verify-signatures",
        "head",
        "--trusted-keys",
        trusted_arg,
    ];
    let daemon = Daemon::start(cluster.kubeconfig(), &repo, n, &extra);
    let value = || crate::harness::configmap_value(cluster, n, "signed");
    check!(
        within(Duration::from_secs(30), || value() == "one").is_some(),
        daemon.as_run(),
        "the signed commit is applied"
    );

    let unsigned = repo.commit(&[("cm.yaml", &cm("two"))], "unsigned");
    let counted = within(Duration::from_secs(10), || {
        daemon
            .get("/metrics")
            .1
            .contains("gitsync_signature_rejections_total 1")
    });
    check!(
        counted.is_some(),
        daemon.as_run(),
        "the rejection is counted"
    );
    check!(
        value() == "one",
        daemon.as_run(),
        "the last good revision stays"
    );
    let log = daemon.log();
    check!(
        log.contains("revision refused") && log.contains(&unsigned) && log.contains("not signed"),
        daemon.as_run(),
        "the log says which commit was refused and why"
    );

    keys.commit_ssh(&repo, &key, "three");
    check!(
        within(Duration::from_secs(10), || value() == "three").is_some(),
        daemon.as_run(),
        "the next signed commit is applied"
    );
    check!(
        daemon
            .get("/metrics")
            .1
            .contains("gitsync_signature_rejections_total 1"),
        daemon.as_run(),
        "the unsigned commit was refused once, not retried"
    );
    Ok(())
}

fn watch_follows_a_signed_tag() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("signed-tag-watch");
    let n = ns.name.as_str();
    let keys = Keys::new();
    let repo = GitRepo::new();
    let key = keys.ssh("k", "ed25519");
    let trusted = keys.path("trusted");
    keys.allowed_signers(&trusted, &[format!("{EMAIL} {}", keys.ssh_public(&key))]);
    // An unsigned commit under a signed tag: what mode tag accepts.
    repo.commit(&[("cm.yaml", &cm("tagged"))], "unsigned");
    let signing = format!("user.signingkey={}", key.display());
    keys.git(
        &repo,
        &[
            "-c",
            "gpg.format=ssh",
            "-c",
            &signing,
            "tag",
            "-s",
            "live",
            "-m",
            "live",
        ],
    );
    let trusted_arg = trusted.to_str().unwrap();
    let extra = [
        "--interval",
        "1s",
        "--revision",
        "live",
        "--verify-signatures",
        "tag",
        "--trusted-keys",
        trusted_arg,
    ];
    let daemon = Daemon::start(cluster.kubeconfig(), &repo, n, &extra);
    let value = || crate::harness::configmap_value(cluster, n, "signed");
    check!(
        within(Duration::from_secs(30), || value() == "tagged").is_some(),
        daemon.as_run(),
        "the commit under the signed tag is applied"
    );
    Ok(())
}

/// `promote --signing-key`: the promotion commit carries a signature that
/// git itself and `--verify-signatures head` accept, with an SSH key and
/// with an OpenPGP key; a key file that is neither is exit 2 and no
/// commit.
fn promote_signs_with_an_ssh_or_openpgp_key() -> TestResult {
    use crate::multi::{configmap, promotable};
    let (two, _) = promotable("promote-signed", &configmap("app", "staging-2"))?;
    let keys = Keys::new();
    let ssh = keys.ssh("promoter", "ed25519");
    let fpr = keys.openpgp("Pro Moter", "sign")[0].clone();
    let trusted = keys.path("trusted");
    let signer = format!("promoter@example.com {}", keys.ssh_public(&ssh));
    keys.allowed_signers(&trusted, std::slice::from_ref(&signer));
    keys.export(&fpr, &trusted);
    let secret = keys.path("openpgp.asc");
    std::fs::write(
        &secret,
        keys.gpg(&["--armor", "--export-secret-keys", &fpr]),
    )?;
    let head = || two.repo.git(&["rev-parse", "HEAD"]);

    let not_a_key = keys.path("not-a-key");
    std::fs::write(&not_a_key, "hello\n")?;
    let before = head();
    let promote = |key: &Path| {
        let key = key.to_str().unwrap();
        two.gitsync(&[
            "promote",
            "--from",
            "staging",
            "--to",
            "prod",
            "--soak",
            "0s",
            "--signing-key",
            key,
        ])
    };
    let r = promote(&not_a_key);
    check!(
        r.code == 2 && r.stderr.contains("neither an OpenSSH private key") && head() == before,
        r,
        "a file that is no key: exit 2, nothing committed"
    );

    let verified = |rev: &str| {
        run(gitsync(two.repo.path())
            .args(["render", "--target", "staging", "--revision", rev])
            .args(["--verify-signatures", "head", "--trusted-keys"])
            .arg(&trusted))
    };
    for (n, key) in [(2, &ssh), (3, &secret)] {
        if n == 3 {
            two.repo.commit(
                &[("staging/app.yaml", &configmap("app", "staging-3"))],
                "staging again",
            );
        }
        let r = two.gitsync(&["sync", "--target", "staging"]);
        check!(r.code == 0, r, "sync staging");
        let r = promote(key);
        check!(r.code == 0, r, "promoted with {}", key.display());
        let r = verified("HEAD");
        check!(
            r.code == 0,
            r,
            "--verify-signatures head accepts the promotion commit ({})",
            key.display()
        );
        let r = verified("HEAD~1");
        check!(r.code == 2, r, "and refuses the unsigned one before it");
    }
    // git itself accepts both: the SSH one with the allowed signers, the
    // OpenPGP one (HEAD) with the GnuPG home that made its key (`must`
    // fails the test when git refuses).
    let allowed = format!(
        "gpg.ssh.allowedSignersFile={}",
        trusted.join("allowed_signers").display()
    );
    let promotions = two.repo.git(&["log", "--format=%H", "--grep", "^Promote"]);
    let ssh_promotion = promotions.lines().last().ok_or("two promotions")?;
    keys.git(&two.repo, &["-c", &allowed, "verify-commit", ssh_promotion]);
    keys.git(&two.repo, &["verify-commit", "HEAD"]);
    Ok(())
}
