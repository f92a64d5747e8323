//! SOPS-encrypted files: made at test time by the real `sops` (built by
//! scripts/render-tools) with age keys made here and an OpenPGP key made
//! by gpg, decrypted by gitsync, applied in clear, never printed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use age::secrecy::ExposeSecret;
use libtest_mimic::Trial;

use crate::check;
use crate::harness::{
    Cluster, GitRepo, Run, TestResult, gitsync, kubectl, path_with, render_tools, run,
};

pub fn tests() -> Vec<Trial> {
    vec![
        crate::trial!(an_age_encrypted_secret_syncs_and_its_values_stay_masked),
        crate::trial!(kustomize_output_and_helm_values_are_decrypted),
        crate::trial!(an_openpgp_encrypted_secret_syncs),
        crate::trial!(undecryptable_files_exit_2_and_leave_the_cluster_alone),
        crate::trial!(watch_decrypts_once_its_key_is_mounted),
        crate::trial!(helm_errors_never_show_a_decrypted_value),
        crate::trial!(no_decrypt_renders_placeholders_without_a_key),
        crate::trial!(decrypted_values_live_only_in_the_renderers_private_directory),
    ]
}

/// Runs a helper program (sops, gpg) with a time limit.
fn limited(cmd: &mut Command) -> Result<Run, String> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{cmd:?}: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().map_err(|e| e.to_string())?.is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err(format!("{cmd:?} did not finish within 120s"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out: Run = child.wait_with_output().map_err(|e| e.to_string())?.into();
    if out.code != 0 {
        return Err(format!("{cmd:?} failed: {}", out.stderr));
    }
    Ok(out)
}

/// An age key pair and the sops that encrypts for it.
struct Sops {
    sops: PathBuf,
    tools: PathBuf,
    dir: tempfile::TempDir,
    recipient: String,
    /// The identity file gitsync is given.
    key_file: PathBuf,
}

impl Sops {
    fn new() -> Result<Sops, libtest_mimic::Failed> {
        let tools = render_tools()?;
        let dir = tempfile::Builder::new().prefix("gitsync-sops-").tempdir()?;
        let identity = age::x25519::Identity::generate();
        let key_file = dir.path().join("keys.txt");
        std::fs::write(
            &key_file,
            format!("# test key\n{}\n", identity.to_string().expose_secret()),
        )?;
        Ok(Sops {
            sops: tools.join("sops"),
            tools,
            recipient: identity.to_public().to_string(),
            key_file,
            dir,
        })
    }

    /// `plain` (YAML) encrypted by sops for this key, with `args` (such as
    /// `--encrypted-regex`).
    fn encrypt(&self, plain: &str, args: &[&str]) -> Result<String, String> {
        self.encrypt_for(plain, &["--age", &self.recipient], args)
    }

    fn encrypt_for(&self, plain: &str, keys: &[&str], args: &[&str]) -> Result<String, String> {
        let input = self.dir.path().join("plain.yaml");
        std::fs::write(&input, plain).map_err(|e| e.to_string())?;
        let out = limited(
            Command::new(&self.sops)
                .current_dir(self.dir.path())
                .env_remove("SOPS_AGE_KEY_FILE")
                .env_remove("SOPS_AGE_KEY")
                .args(["encrypt"])
                .args(keys)
                .args(args)
                .arg(&input),
        )?;
        std::fs::remove_file(&input).map_err(|e| e.to_string())?;
        Ok(out.stdout)
    }

    /// gitsync with the render tools on PATH, this key in
    /// SOPS_AGE_KEY_FILE and no other key anywhere (HOME is empty).
    fn gitsync(&self, cwd: &Path, cluster: &Cluster) -> Command {
        let mut cmd = self.gitsync_without_key(cwd, cluster);
        cmd.env("SOPS_AGE_KEY_FILE", &self.key_file);
        cmd
    }

    fn gitsync_without_key(&self, cwd: &Path, cluster: &Cluster) -> Command {
        let home = self.dir.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        let mut cmd = gitsync(cwd);
        cmd.env("PATH", path_with(&self.tools))
            .env("HOME", &home)
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("SOPS_AGE_KEY")
            .env_remove("SOPS_AGE_KEY_FILE")
            .env_remove("SOPS_PGP_KEY_FILE")
            .arg("--kubeconfig")
            .arg(cluster.kubeconfig());
        cmd
    }
}

fn secret(ns: &str, password: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: {ns}\ntype: Opaque\n\
         stringData:\n  password: {password}\ndata:\n  token: dG9rZW4tdjEtcGxhaW50ZXh0\n"
    )
}

/// A Secret's value as the cluster holds it, decoded.
fn secret_value(cluster: &Cluster, ns: &str, name: &str, key: &str) -> String {
    use base64::Engine;
    let r = kubectl(
        cluster,
        &[
            "get",
            "secret",
            name,
            "-n",
            ns,
            "-o",
            &format!("jsonpath={{.data.{key}}}"),
        ],
    );
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(r.stdout.trim())
        .unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

fn configmap_value(cluster: &Cluster, ns: &str, name: &str, key: &str) -> String {
    kubectl(
        cluster,
        &[
            "get",
            "configmap",
            name,
            "-n",
            ns,
            "-o",
            &format!("jsonpath={{.data.{key}}}"),
        ],
    )
    .stdout
}

/// Fails when any of `plain` appears anywhere in what gitsync printed.
fn no_plaintext(r: &Run, what: &str, plain: &[&str]) -> TestResult {
    for p in plain {
        check!(
            !r.stdout.contains(p) && !r.stderr.contains(p),
            r,
            "{what} printed the cleartext {p:?}"
        );
    }
    Ok(())
}

fn an_age_encrypted_secret_syncs_and_its_values_stay_masked() -> TestResult {
    let cluster = Cluster::shared()?;
    let sops = Sops::new()?;
    let ns = cluster.namespace("sops-age");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    let regex = ["--encrypted-regex", "^(data|stringData)$"];
    std::fs::write(
        repo.path().join("secret.yaml"),
        sops.encrypt(&secret(n, "pw-one-plaintext"), &regex)?,
    )?;
    // A ConfigMap with everything encrypted: not a Secret, masked all the same.
    std::fs::write(
        repo.path().join("config.yaml"),
        sops.encrypt(
            &format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: {n}\n\
                 data:\n  url: https://app:cm-plaintext@db.example\n"
            ),
            &[],
        )?,
    )?;
    repo.commit(&[], "encrypted secret and config");
    let plain = [
        "pw-one-plaintext",
        "token-v1-plaintext",
        "dG9rZW4tdjEtcGxhaW50ZXh0",
        "cm-plaintext",
    ];
    let gitsync_in = |args: &[&str]| {
        run(sops
            .gitsync(repo.path(), cluster)
            .args(args)
            .args(["--name", "sops-age", "-vv"]))
    };

    let r = gitsync_in(&["sync", "--no-wait"]);
    check!(r.code == 0, r, "sync of the encrypted files");
    no_plaintext(&r, "sync -vv", &plain)?;
    check!(
        secret_value(cluster, n, "db", "password") == "pw-one-plaintext"
            && secret_value(cluster, n, "db", "token") == "token-v1-plaintext",
        r,
        "the cluster holds the cleartext Secret"
    );
    check!(
        configmap_value(cluster, n, "cfg", "url") == "https://app:cm-plaintext@db.example",
        r,
        "the cluster holds the cleartext ConfigMap"
    );

    for args in [
        &["diff"][..],
        &["diff", "-o", "json"],
        &["diff", "-o", "markdown"],
        &["drift"],
    ] {
        let r = gitsync_in(args);
        check!(r.code == 0, r, "{args:?} right after sync finds nothing");
        no_plaintext(&r, &format!("{args:?} -vv"), &plain)?;
    }
    let r = run(sops.gitsync(repo.path(), cluster).args(["render", "-vv"]));
    check!(
        r.code == 0 && r.stdout.contains("<secret hash:") && !r.stdout.contains("sops:"),
        r,
        "render masks the decrypted values"
    );
    no_plaintext(&r, "render -vv", &plain)?;
    let r = run(sops
        .gitsync(repo.path(), cluster)
        .args(["render", "--reveal-secrets"]));
    check!(
        r.code == 0 && r.stdout.contains("pw-one-plaintext") && r.stdout.contains("cm-plaintext"),
        r,
        "render --reveal-secrets prints them"
    );

    // A value changed and encrypted again: a masked change.
    std::fs::write(
        repo.path().join("secret.yaml"),
        sops.encrypt(&secret(n, "pw-two-plaintext"), &regex)?,
    )?;
    let plain2 = [&plain[..], &["pw-two-plaintext"]].concat();
    let r = gitsync_in(&["diff"]);
    check!(
        r.code == 1
            && r.stdout
                .lines()
                .any(|l| l.trim_start().starts_with("-  password: <secret hash:"))
            && r.stdout
                .lines()
                .any(|l| l.trim_start().starts_with("+  password: <secret hash:")),
        r,
        "the changed value shows as a changed mask"
    );
    no_plaintext(&r, "diff -vv of the change", &plain2)?;
    let r = gitsync_in(&["diff", "-o", "json"]);
    check!(r.code == 1, r, "json diff of the change");
    no_plaintext(&r, "diff -o json -vv of the change", &plain2)?;

    // Someone edits the encrypted ConfigMap in the cluster: drift says
    // where, and prints neither value.
    let k = kubectl(
        cluster,
        &[
            "patch",
            "configmap",
            "cfg",
            "-n",
            n,
            "--type=merge",
            "-p",
            r#"{"data":{"url":"live-edit-plaintext"}}"#,
        ],
    );
    check!(k.code == 0, k, "kubectl patch");
    let r = gitsync_in(&["drift"]);
    check!(
        r.code == 1 && r.stdout.contains("cfg"),
        r,
        "drift finds the edited ConfigMap"
    );
    no_plaintext(
        &r,
        "drift -vv",
        &[&plain2[..], &["live-edit-plaintext"]].concat(),
    )?;
    // The patch made kubectl-patch an owner of the field: take it back.
    let r = gitsync_in(&["sync", "--no-wait", "--force-conflicts"]);
    check!(r.code == 0, r, "sync of the change");
    no_plaintext(
        &r,
        "sync -vv of the change",
        &[&plain2[..], &["live-edit-plaintext"]].concat(),
    )?;
    check!(
        secret_value(cluster, n, "db", "password") == "pw-two-plaintext",
        r,
        "the new value is applied"
    );
    Ok(())
}

fn kustomize_output_and_helm_values_are_decrypted() -> TestResult {
    let cluster = Cluster::shared()?;
    let sops = Sops::new()?;
    let ns = cluster.namespace("sops-render");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    let root = repo.path();
    let write = |path: &str, text: &str| -> TestResult {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap())?;
        std::fs::write(p, text)?;
        Ok(())
    };
    let regex = ["--encrypted-regex", "^(data|stringData)$"];
    write(
        "kust/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n\
         resources: [secret.enc.yaml]\n",
    )?;
    write(
        "kust/secret.enc.yaml",
        &sops.encrypt(
            &format!(
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: kust\n  namespace: {n}\n\
                 stringData:\n  key: kustomize-plaintext\n"
            ),
            &regex,
        )?,
    )?;
    write(
        "chart/Chart.yaml",
        "apiVersion: v2\nname: app\nversion: 0.1.0\n",
    )?;
    write("chart/values.yaml", "password: default\ndsn: default\n")?;
    write(
        "chart/templates/objects.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: helm\n\
         stringData:\n  password: {{ .Values.password | quote }}\n---\n\
         apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: helm\n\
         data:\n  dsn: {{ printf \"postgres://app:%s@db\" .Values.dsn | quote }}\n",
    )?;
    // Inside the chart, so that the plain walk does not take it for a
    // manifest.
    write(
        "chart/secrets.enc.yaml",
        &sops.encrypt("password: helm-plaintext\ndsn: dsn-plaintext\n", &[])?,
    )?;
    repo.commit(&[], "kustomize and helm");
    let plain = ["kustomize-plaintext", "helm-plaintext", "dsn-plaintext"];
    let gitsync_in = |args: &[&str]| {
        let mut cmd = sops.gitsync(root, cluster);
        cmd.args(args);
        if args[0] != "render" {
            cmd.args(["--name", "sops-render"]);
        }
        run(cmd.args(["-n", n, "--values", "chart/secrets.enc.yaml", "-vv"]))
    };
    let r = gitsync_in(&["sync", "--no-wait"]);
    check!(r.code == 0, r, "sync through kustomize and helm");
    no_plaintext(&r, "sync -vv", &plain)?;
    check!(
        secret_value(cluster, n, "kust", "key") == "kustomize-plaintext"
            && secret_value(cluster, n, "helm", "password") == "helm-plaintext"
            && configmap_value(cluster, n, "helm", "dsn") == "postgres://app:dsn-plaintext@db",
        r,
        "the cluster holds what kustomize and helm made of the cleartext"
    );
    for args in [&["diff"][..], &["drift"], &["render"]] {
        let r = gitsync_in(args);
        check!(r.code == 0, r, "{args:?} after sync");
        no_plaintext(&r, &format!("{args:?} -vv"), &plain)?;
    }
    // The decrypted copy of the values file is gone after helm ran.
    let leftovers: Vec<_> = std::fs::read_dir(std::env::temp_dir())?
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("gitsync-values-")
        })
        .filter(|e| std::fs::read_to_string(e.path()).is_ok_and(|t| t.contains("helm-plaintext")))
        .map(|e| e.path())
        .collect();
    check!(
        leftovers.is_empty(),
        r,
        "decrypted values files left behind: {leftovers:?}"
    );
    Ok(())
}

fn an_openpgp_encrypted_secret_syncs() -> TestResult {
    let cluster = Cluster::shared()?;
    let sops = Sops::new()?;
    let ns = cluster.namespace("sops-pgp");
    let n = ns.name.as_str();
    // A throwaway key in a private GnuPG home (gpg is what sops encrypts
    // OpenPGP with).
    let gnupg = tempfile::Builder::new()
        .prefix("gitsync-gnupg-")
        .tempdir()?;
    let gpg = |args: &[&str]| {
        limited(
            Command::new("gpg")
                .env("GNUPGHOME", gnupg.path())
                .args(["--batch", "--pinentry-mode", "loopback", "--passphrase", ""])
                .args(args),
        )
    };
    gpg(&[
        "--quick-gen-key",
        "gitsync test <test@gitsync.invalid>",
        "default",
        "default",
        "never",
    ])
    .map_err(|e| format!("gpg is needed for this test: {e}"))?;
    let listing = gpg(&["--list-secret-keys", "--with-colons"])?;
    let fpr = listing
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("fpr:"))
        .and_then(|l| l.split(':').find(|f| f.len() == 40))
        .ok_or("no fingerprint")?
        .to_string();
    let key_file = sops.dir.path().join("pgp.asc");
    std::fs::write(
        &key_file,
        gpg(&["--armor", "--export-secret-keys", &fpr])?.stdout,
    )?;
    let input = sops.dir.path().join("plain.yaml");
    std::fs::write(&input, secret(n, "pgp-plaintext"))?;
    let encrypted = limited(
        Command::new(&sops.sops)
            .current_dir(sops.dir.path())
            .env("GNUPGHOME", gnupg.path())
            .args([
                "encrypt",
                "--pgp",
                &fpr,
                "--encrypted-regex",
                "^(data|stringData)$",
            ])
            .arg(&input),
    )?
    .stdout;
    let repo = tempfile::tempdir()?;
    std::fs::write(repo.path().join("secret.yaml"), encrypted)?;
    let r = run(sops
        .gitsync_without_key(repo.path(), cluster)
        .env("SOPS_PGP_KEY_FILE", &key_file)
        .args(["sync", "--no-wait", "--name", "sops-pgp", "-vv"]));
    check!(r.code == 0, r, "sync with the OpenPGP key");
    no_plaintext(&r, "sync -vv", &["pgp-plaintext"])?;
    check!(
        secret_value(cluster, n, "db", "password") == "pgp-plaintext",
        r,
        "the cluster holds the cleartext"
    );
    // Without the key: the fingerprint is named.
    let r = run(sops
        .gitsync_without_key(repo.path(), cluster)
        .args(["diff", "--name", "sops-pgp"]));
    check!(
        r.code == 2 && r.stderr.contains(&format!("pgp {fpr}")),
        r,
        "no key names the OpenPGP recipient"
    );
    Ok(())
}

fn undecryptable_files_exit_2_and_leave_the_cluster_alone() -> TestResult {
    let cluster = Cluster::shared()?;
    let sops = Sops::new()?;
    let ns = cluster.namespace("sops-bad");
    let n = ns.name.as_str();
    let base = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: base\n  namespace: {n}\n\
         data:\n  v: original\n"
    );
    let good = tempfile::tempdir()?;
    std::fs::write(good.path().join("base.yaml"), &base)?;
    let r =
        run(sops
            .gitsync(good.path(), cluster)
            .args(["sync", "--no-wait", "--name", "sops-bad"]));
    check!(r.code == 0, r, "the first sync");
    let version = || {
        kubectl(
            cluster,
            &[
                "get",
                "configmap",
                "base",
                "-n",
                n,
                "-o",
                "jsonpath={.metadata.resourceVersion}",
            ],
        )
        .stdout
    };
    let before = version();

    let encrypted = sops.encrypt(
        &secret(n, "bad-case-plaintext"),
        &["--encrypted-regex", "^(data|stringData)$"],
    )?;
    let doc: serde_json::Value = serde_saphyr::from_str(&encrypted)?;
    let password = doc["stringData"]["password"].as_str().unwrap().to_string();
    let token = doc["data"]["token"].as_str().unwrap().to_string();
    let mac = doc["sops"]["mac"].as_str().unwrap().to_string();
    let other = age::x25519::Identity::generate();
    let other_key = sops.dir.path().join("other.txt");
    std::fs::write(
        &other_key,
        format!("{}\n", other.to_string().expose_secret()),
    )?;
    let kms_only = format!(
        "{}sops:\n  kms:\n    - arn: arn:aws:kms:eu-west-1:111:key/test\n      enc: AAAA\n  \
         lastmodified: '2024-01-01T00:00:00Z'\n  mac: ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]\n",
        secret(n, "kms-plaintext").replace(
            "password: kms-plaintext",
            "password: ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]"
        )
    );
    let recipient = format!("age {}", sops.recipient);
    let cases: Vec<(&str, String, Option<&Path>, Vec<&str>)> = vec![
        (
            "wrong key",
            encrypted.clone(),
            Some(&other_key),
            vec!["encrypted with SOPS, but no key given opens it", &recipient],
        ),
        (
            "missing key",
            encrypted.clone(),
            None,
            vec!["no key was found", &recipient, "SOPS_AGE_KEY_FILE"],
        ),
        (
            "tampered ciphertext",
            encrypted.replace(&password, &token),
            Some(&sops.key_file),
            vec![
                "SOPS value at stringData.password cannot be decrypted",
                "tampered",
            ],
        ),
        (
            "tampered cleartext under the MAC",
            encrypted.replace("type: Opaque", "type: Other"),
            Some(&sops.key_file),
            vec!["SOPS MAC mismatch"],
        ),
        (
            "tampered MAC",
            encrypted.replace(&mac, &mac.replacen("data:", "data:AB", 1)),
            Some(&sops.key_file),
            vec!["SOPS MAC mismatch"],
        ),
        (
            "KMS only",
            kms_only,
            Some(&sops.key_file),
            vec![
                "only for aws kms arn:aws:kms:eu-west-1:111:key/test",
                "not support yet",
            ],
        ),
    ];
    for (what, text, key, expect) in cases {
        let repo = tempfile::tempdir()?;
        std::fs::write(
            repo.path().join("base.yaml"),
            base.replace("original", "changed"),
        )?;
        std::fs::write(repo.path().join("secret.yaml"), &text)?;
        let mut cmd = sops.gitsync_without_key(repo.path(), cluster);
        if let Some(key) = key {
            cmd.env("SOPS_AGE_KEY_FILE", key);
        }
        let r = run(cmd.args(["sync", "--no-wait", "--name", "sops-bad", "-vv"]));
        check!(r.code == 2, r, "{what}: exit code 2");
        check!(
            r.stderr.contains("secret.yaml: document 1 (line 1): "),
            r,
            "{what}: the file and document are named"
        );
        for e in expect {
            check!(r.stderr.contains(e), r, "{what}: the message says {e:?}");
        }
        no_plaintext(
            &r,
            what,
            &["bad-case-plaintext", "dG9rZW4tdjEtcGxhaW50ZXh0"],
        )?;
        check!(version() == before, r, "{what}: the cluster is untouched");
        check!(
            configmap_value(cluster, n, "base", "v") == "original",
            r,
            "{what}: base unchanged"
        );
        let s = kubectl(cluster, &["get", "secret", "db", "-n", n]);
        check!(s.code != 0, s, "{what}: no Secret was created");
    }
    Ok(())
}

fn watch_decrypts_once_its_key_is_mounted() -> TestResult {
    use crate::watch::{Daemon, within};
    let cluster = Cluster::shared()?;
    let sops = Sops::new()?;
    let ns = cluster.namespace("sops-watch");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(
        &[(
            "secret.yaml",
            &sops.encrypt(
                &secret(n, "watch-plaintext"),
                &["--encrypted-regex", "^(data|stringData)$"],
            )?,
        )],
        "encrypted secret",
    );
    // The key is not mounted yet (an optional Secret created later).
    let mounted = sops.dir.path().join("mounted/keys.txt");
    let daemon = Daemon::start_with(
        cluster.kubeconfig(),
        &format!("file://{}", repo.path().display()),
        n,
        &["--interval", "1s"],
        &[
            ("SOPS_AGE_KEY_FILE", mounted.clone().into_os_string()),
            ("SOPS_AGE_KEY", "".into()),
            ("PATH", path_with(&sops.tools)),
        ],
    );
    let waiting = within(Duration::from_secs(30), || {
        daemon.log().contains("reading the SOPS key file")
    });
    check!(
        waiting.is_some(),
        daemon.as_run(),
        "watch says which key file it lacks"
    );
    let none = kubectl(cluster, &["get", "secret", "db", "-n", n]);
    check!(none.code != 0, none, "nothing applied without the key");
    std::fs::create_dir_all(mounted.parent().unwrap())?;
    std::fs::copy(&sops.key_file, &mounted)?;
    // Retried with backoff (1 s doubling), the same commit applies.
    let applied = within(Duration::from_secs(60), || {
        secret_value(cluster, n, "db", "password") == "watch-plaintext"
    });
    check!(
        applied.is_some(),
        daemon.as_run(),
        "the commit is applied once the key is there"
    );
    let run = daemon.as_run();
    no_plaintext(
        &run,
        "watch log",
        &["watch-plaintext", "token-v1-plaintext"],
    )?;
    Ok(())
}

/// A chart at `dir` with `templates`, and its values file encrypted for
/// `sops` (`dir/secrets.enc.yaml`).
fn chart_with_secret_values(
    sops: &Sops,
    root: &Path,
    dir: &str,
    template: &str,
    values: &str,
) -> TestResult {
    let write = |path: &str, text: &str| -> TestResult {
        let p = root.join(dir).join(path);
        std::fs::create_dir_all(p.parent().unwrap())?;
        std::fs::write(p, text)?;
        Ok(())
    };
    write("Chart.yaml", "apiVersion: v2\nname: app\nversion: 0.1.0\n")?;
    write("templates/objects.yaml", template)?;
    write("secrets.enc.yaml", &sops.encrypt(values, &[])?)?;
    Ok(())
}

/// helm quotes values in its template errors (`fail`, `required`, type
/// errors): what it says passes through gitsync's masking first.
fn helm_errors_never_show_a_decrypted_value() -> TestResult {
    let cluster = Cluster::shared()?;
    let sops = Sops::new()?;
    let repo = GitRepo::new();
    chart_with_secret_values(
        &sops,
        repo.path(),
        "chart",
        "{{ fail (printf \"password %s is not allowed, nor %s\" .Values.password .Values.pin) }}\n",
        "password: helm-error-plaintext\npin: 4242\n",
    )?;
    repo.commit(&[], "a chart that fails");
    let r = run(sops.gitsync(repo.path(), cluster).args([
        "render",
        "--path",
        "chart",
        "--values",
        "chart/secrets.enc.yaml",
    ]));
    check!(
        r.code == 2 && r.stderr.contains("password [redacted] is not allowed, nor"),
        r,
        "helm's error is shown, its values redacted"
    );
    no_plaintext(&r, "render", &["helm-error-plaintext", "4242"])
}

/// A pull request's template can carry a decrypted value out in another
/// form (`b64enc`), which no masking recognises. With --no-decrypt,
/// nothing is decrypted (no key needed): the values are placeholders.
fn no_decrypt_renders_placeholders_without_a_key() -> TestResult {
    use base64::Engine;
    let cluster = Cluster::shared()?;
    let sops = Sops::new()?;
    let ns = cluster.namespace("sops-no-decrypt");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    chart_with_secret_values(
        &sops,
        repo.path(),
        "chart",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: exfiltrate\n\
         data:\n  hidden: {{ .Values.password | b64enc | quote }}\n",
        "password: b64-plaintext\n",
    )?;
    std::fs::write(
        repo.path().join("secret.yaml"),
        sops.encrypt(
            &secret(n, "plain-doc-plaintext"),
            &["--encrypted-regex", "^(data|stringData)$"],
        )?,
    )?;
    repo.commit(&[], "a pull request");
    let encoded = base64::engine::general_purpose::STANDARD.encode("b64-plaintext");
    let helm = [
        "--path",
        "chart",
        "--values",
        "chart/secrets.enc.yaml",
        "-n",
        n,
    ];
    // With the key, the encoded value comes out unmasked: the leak.
    let r = run(sops.gitsync(repo.path(), cluster).arg("render").args(helm));
    check!(
        r.code == 0 && r.stdout.contains(&encoded),
        r,
        "the template does encode the value"
    );

    let r = run(sops
        .gitsync_without_key(repo.path(), cluster)
        .args(["render", "--no-decrypt"])
        .args(helm));
    check!(r.code == 0, r, "render --no-decrypt needs no key");
    no_plaintext(&r, "render --no-decrypt", &["b64-plaintext", &encoded])?;
    let r = run(sops
        .gitsync_without_key(repo.path(), cluster)
        .args(["diff", "--no-decrypt", "--name", "sops-no-decrypt"])
        .args(helm));
    check!(
        r.code == 1 && r.stdout.contains("exfiltrate"),
        r,
        "diff --no-decrypt shows the change"
    );
    no_plaintext(&r, "diff --no-decrypt", &["b64-plaintext", &encoded])?;
    // A plain SOPS document: its encrypted fields are placeholders, masked.
    let r = run(sops
        .gitsync_without_key(repo.path(), cluster)
        .args([
            "diff",
            "--no-decrypt",
            "--name",
            "sops-no-decrypt-doc",
            "-n",
            n,
            "--path",
            ".",
        ])
        .args(["--values", "chart/secrets.enc.yaml"]));
    check!(
        r.code == 1 && r.stdout.contains("Secret"),
        r,
        "diff --no-decrypt of a SOPS Secret"
    );
    no_plaintext(
        &r,
        "diff --no-decrypt",
        &["plain-doc-plaintext", "b64-plaintext", &encoded],
    )?;
    let r = run(sops
        .gitsync_without_key(repo.path(), cluster)
        .args(["sync", "--no-decrypt"]));
    check!(
        r.code == 2,
        r,
        "sync has no --no-decrypt: it would apply placeholders"
    );
    Ok(())
}

/// The decrypted copy of a values file is written into helm's own private
/// directory (its HOME: 0700, made for this run, removed afterwards), not
/// into gitsync's temp dir. A stand-in helm reports where it found it.
fn decrypted_values_live_only_in_the_renderers_private_directory() -> TestResult {
    let cluster = Cluster::shared()?;
    let sops = Sops::new()?;
    let repo = GitRepo::new();
    chart_with_secret_values(
        &sops,
        repo.path(),
        "chart",
        "",
        "password: private-plaintext\n",
    )?;
    repo.commit(&[], "a chart");
    let bin = tempfile::tempdir()?;
    let helm = bin.path().join("helm");
    std::fs::write(
        &helm,
        "#!/bin/sh\nfor a in \"$@\"; do [ \"$prev\" = --values ] && v=$a; prev=$a; done\n\
         printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: probe\\ndata:\\n  \
         home: \"%s\"\\n  dir: \"%s\"\\n  mode: \"%s\"\\n' \
         \"$HOME\" \"$(dirname \"$v\")\" \"$(stat -c %a \"$(dirname \"$v\")\")\"\n",
    )?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&helm, std::fs::Permissions::from_mode(0o755))?;
    }
    let r = run(sops
        .gitsync(repo.path(), cluster)
        .env("PATH", path_with(bin.path()))
        .args([
            "render",
            "--path",
            "chart",
            "--values",
            "chart/secrets.enc.yaml",
            "-o",
            "json",
        ]));
    check!(r.code == 0, r, "the stand-in helm ran");
    let out: serde_json::Value = serde_json::from_str(&r.stdout)?;
    let data = out
        .pointer("/0/data")
        .cloned()
        .ok_or("no ConfigMap data in the output")?;
    let field = |k: &str| data[k].as_str().unwrap_or_default().to_string();
    let (home, dir, mode) = (field("home"), field("dir"), field("mode"));
    check!(
        !home.is_empty() && dir == home && mode == "700",
        r,
        "values in helm's private HOME (0700): home {home:?}, values in {dir:?} ({mode})"
    );
    check!(
        !Path::new(&home).exists(),
        r,
        "the private directory is removed after the run"
    );
    Ok(())
}
