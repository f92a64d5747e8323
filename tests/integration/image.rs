//! `gitsync image list | update` against a real OCI registry
//! (go-containerregistry's `crane registry serve`, built by
//! scripts/registry-tools), with tags pushed by `crane`.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use libtest_mimic::Trial;

use crate::check;
use crate::harness::{Cluster, GitRepo, Run, TestResult, gitsync, kubectl, project_root, run};
use crate::watch::{Daemon, free_port, within};

pub fn tests() -> Vec<Trial> {
    vec![
        crate::trial!(policies_pick_the_newest_tags_and_one_commit_edits_every_marker),
        crate::trial!(bad_input_makes_no_commit),
        crate::trial!(an_htpasswd_registry_takes_credentials_from_a_docker_config),
        crate::trial!(a_signed_update_is_pushed_and_made_again_on_a_moved_branch),
        crate::trial!(watch_brings_a_newly_pushed_tag_into_the_cluster),
    ]
}

/// A registry on a free loopback port, stopped on drop: `crane registry
/// serve`, or the distribution registry with htpasswd authentication.
pub(crate) struct Registry {
    child: Child,
    pub(crate) host: String,
    crane: PathBuf,
    pub(crate) dir: tempfile::TempDir,
}

/// The user and password of the htpasswd registry, and the bcrypt hash
/// of the password (made once with golang.org/x/crypto/bcrypt).
pub(crate) const USER: &str = "bot";
pub(crate) const PASSWORD: &str = "s3cret-pass";
const HTPASSWD: &str = "bot:$2a$10$xfPuyb1EOZX0s4hHJXxkpulIfeuug131NABC3b9sGEqLkVj26pfBa\n";

pub(crate) fn tools() -> Result<PathBuf, libtest_mimic::Failed> {
    let out = Command::new(project_root().join("scripts/registry-tools"))
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("scripts/registry-tools: {e}"))?;
    if !out.status.success() {
        return Err(format!("scripts/registry-tools failed: {}", out.status).into());
    }
    Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

impl Registry {
    pub(crate) fn start() -> Result<Registry, libtest_mimic::Failed> {
        let tools = tools()?;
        let host = format!("127.0.0.1:{}", free_port());
        let child = Command::new(tools.join("crane"))
            .args(["registry", "serve", "--address", &host])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting crane registry serve: {e}"))?;
        Registry::up(child, host, tools, tempfile::tempdir()?)
    }

    /// The distribution registry, asking for `USER`/`PASSWORD` (Basic);
    /// crane is logged in to it (its config.json in the temp dir).
    pub(crate) fn with_htpasswd() -> Result<Registry, libtest_mimic::Failed> {
        Registry::with_htpasswd_on("127.0.0.1")
    }

    /// [`Registry::with_htpasswd`] listening on `bind` (`0.0.0.0`: every
    /// address); `host` is its loopback address either way.
    pub(crate) fn with_htpasswd_on(bind: &str) -> Result<Registry, libtest_mimic::Failed> {
        let tools = tools()?;
        let dir = tempfile::tempdir()?;
        let port = free_port();
        let host = format!("127.0.0.1:{port}");
        let listen = format!("{bind}:{port}");
        let d = dir.path().display();
        std::fs::write(dir.path().join("htpasswd"), HTPASSWD)?;
        let config = format!(
            "version: 0.1\nlog: {{level: error}}\nstorage:\n  filesystem: {{rootdirectory: {d}/data}}\nhttp: {{addr: \"{listen}\"}}\nauth:\n  htpasswd: {{realm: gitsync-test, path: {d}/htpasswd}}\n"
        );
        std::fs::write(dir.path().join("config.yml"), config)?;
        let child = Command::new(tools.join("registry"))
            .arg("serve")
            .arg(dir.path().join("config.yml"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting the distribution registry: {e}"))?;
        let registry = Registry::up(child, host, tools, dir)?;
        registry.crane(&["auth", "login", &registry.host, "-u", USER, "-p", PASSWORD]);
        Ok(registry)
    }

    pub(crate) fn up(
        child: Child,
        host: String,
        tools: PathBuf,
        dir: tempfile::TempDir,
    ) -> Result<Registry, libtest_mimic::Failed> {
        let up = within(Duration::from_secs(20), || {
            std::net::TcpStream::connect(&host).is_ok()
        });
        let registry = Registry {
            child,
            host,
            crane: tools.join("crane"),
            dir,
        };
        if up.is_none() {
            return Err("the registry did not listen within 20 s".into());
        }
        Ok(registry)
    }

    /// Where crane keeps its login (a Docker config.json).
    pub(crate) fn docker_config(&self) -> PathBuf {
        self.dir.path().join("docker")
    }

    pub(crate) fn crane(&self, args: &[&str]) {
        let out = Command::new(&self.crane)
            .env("DOCKER_CONFIG", self.docker_config())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("running crane");
        assert!(
            out.status.success(),
            "crane {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Pushes an image with one layer holding `content` as `repo:tag`.
    pub(crate) fn push(&self, repo: &str, tag: &str, content: &str) {
        let dir = self.dir.path().join(format!("layer-{content}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("file"), content).unwrap();
        let tar = self.dir.path().join(format!("{content}.tar"));
        let ok = Command::new("tar")
            .arg("cf")
            .arg(&tar)
            .arg("-C")
            .arg(&dir)
            .arg("file")
            .status()
            .unwrap();
        assert!(ok.success());
        let target = format!("{}/{repo}:{tag}", self.host);
        self.crane(&["append", "-f", tar.to_str().unwrap(), "-t", &target]);
    }

    /// Tags `repo:from` as each of `tags`.
    pub(crate) fn tag(&self, repo: &str, from: &str, tags: &[String]) {
        let source = format!("{}/{repo}:{from}", self.host);
        for t in tags {
            self.crane(&["tag", &source, t]);
        }
    }

    pub(crate) fn digest(&self, repo: &str, tag: &str) -> String {
        let out = Command::new(&self.crane)
            .env("DOCKER_CONFIG", self.docker_config())
            .args(["digest", &format!("{}/{repo}:{tag}", self.host)])
            .output()
            .expect("crane digest");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn gs(repo: &GitRepo, args: &[&str]) -> Run {
    run(gitsync(repo.path()).env("HOME", repo.path()).args(args))
}

pub(crate) fn head(repo: &GitRepo) -> String {
    repo.git(&["rev-parse", "HEAD"])
}

fn policies(host: &str) -> String {
    format!(
        "targets:\n  - {{name: app, path: deploy}}\nimages:\n  - name: web\n    namespace: flux-system\n    image: {host}/web\n    semver: \">=1.0.0 <2\"\n  - name: worker\n    image: {host}/worker\n    pattern: '^main-(?P<n>[0-9]+)-[a-z]+$'\n    order: numerical\n    exclude: 'bad'\n  - name: base\n    image: {host}/base\n    digest: stable\n"
    )
}

const DEPLOY: &str = "# the web app\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web   # keep\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: \"HOST/web:1.0.0\" # {\"$imagepolicy\": \"flux-system:web\"}\n\n        - name: base\n          image: 'HOST/base:stable' # {\"$imagepolicy\": \"base\"}\n";
const KUSTOMIZATION: &str = "resources: [deploy.yaml]\nimages:\n  - name: worker\n    newName: HOST/worker # {\"$imagepolicy\": \"worker:name\"}\n    newTag: main-1-aaa   # {\"$imagepolicy\": \"worker:tag\"}\n";
const VALUES: &str = "web:\n  repository: HOST/web # {\"$imagepolicy\": \"flux-system:web:name\"}\n  tag: \"1.0.0\" # {\"$imagepolicy\": \"flux-system:web:tag\"}\n  pullPolicy: IfNotPresent\n";

fn policies_pick_the_newest_tags_and_one_commit_edits_every_marker() -> TestResult {
    let registry = Registry::start()?;
    let host = registry.host.clone();
    // web: 130 versions (more than one page of 100), a pre-release and a
    // major version the range leaves out.
    registry.push("web", "1.0.0", "web");
    let mut versions: Vec<String> = (1..130).map(|p| format!("1.0.{p}")).collect();
    versions.extend(["1.1.0-rc.1", "2.0.0", "latest", "1.9.0"].map(String::from));
    registry.tag("web", "1.0.0", &versions);
    registry.push("worker", "main-1-aaa", "worker");
    let builds: Vec<String> = ["main-2-bbb", "main-10-ccc", "main-11-bad", "pr-99-ddd"]
        .map(String::from)
        .to_vec();
    registry.tag("worker", "main-1-aaa", &builds);
    registry.push("base", "stable", "base-v2");
    let base_digest = registry.digest("base", "stable");

    let repo = GitRepo::new();
    repo.git(&["config", "user.name", "Image Bot"]);
    repo.git(&["config", "user.email", "bot@example.com"]);
    let (deploy, kustomization, values) = (
        DEPLOY.replace("HOST", &host),
        KUSTOMIZATION.replace("HOST", &host),
        VALUES.replace("HOST", &host),
    );
    repo.commit(
        &[
            ("gitsync.yaml", &policies(&host)),
            ("deploy/deploy.yaml", &deploy),
            ("deploy/kustomization.yaml", &kustomization),
            ("chart/values.yaml", &values),
        ],
        "images",
    );
    let before = head(&repo);

    let r = gs(&repo, &["image", "list", "-o", "json"]);
    check!(r.code == 0, r, "image list exits 0");
    let list: serde_json::Value = serde_json::from_str(&r.stdout)?;
    let latest = |p: &str| {
        list.as_array()
            .and_then(|a| a.iter().find(|s| s["policy"] == p))
            .map(|s| s["latest"].clone())
    };
    check!(
        latest("web") == Some("1.9.0".into()),
        r,
        "semver over every page: 1.9.0"
    );
    check!(
        latest("worker") == Some("main-10-ccc".into()),
        r,
        "numerical pattern, excluded and non-matching tags passed over"
    );

    let r = gs(&repo, &["image", "update", "--dry-run"]);
    check!(
        r.code == 0 && r.stdout.contains("+  tag: \"1.9.0\"") && head(&repo) == before,
        r,
        "--dry-run prints the diff and commits nothing"
    );

    let r = gs(&repo, &["image", "update"]);
    check!(r.code == 0, r, "image update exits 0");
    check!(
        repo.git(&["rev-parse", "HEAD~1"]) == before,
        r,
        "one commit on HEAD"
    );
    let expect = |file: &str, text: String| -> TestResult {
        let got = repo.git(&["show", &format!("HEAD:{file}")]);
        check!(
            got == text.trim_end(),
            r,
            "{file} changed in its marked scalars only:\n{got}"
        );
        Ok(())
    };
    expect(
        "deploy/deploy.yaml",
        deploy
            .replace("web:1.0.0\"", "web:1.9.0\"")
            .replace("base:stable'", &format!("base@{base_digest}'")),
    )?;
    expect(
        "deploy/kustomization.yaml",
        kustomization.replace("main-1-aaa ", "main-10-ccc "),
    )?;
    expect(
        "chart/values.yaml",
        values.replace("\"1.0.0\"", "\"1.9.0\""),
    )?;
    let message = repo.git(&["log", "-1", "--format=%an%n%B"]);
    for want in [
        "Image Bot",
        "Update images (4 changes)",
        &format!("- web: {host}/web:1.0.0 → {host}/web:1.9.0 (deploy/deploy.yaml:11)"),
        "- worker: main-1-aaa → main-10-ccc (deploy/kustomization.yaml:5)",
        "- web: 1.0.0 → 1.9.0 (chart/values.yaml:3)",
    ] {
        check!(
            message.contains(want),
            r,
            "the message says {want:?}:\n{message}"
        );
    }
    check!(
        repo.git(&["status", "--porcelain"]).is_empty(),
        r,
        "work tree and index match the commit"
    );

    let updated = head(&repo);
    let r = gs(&repo, &["image", "update"]);
    check!(
        r.code == 0 && r.stdout.contains("nothing newer") && head(&repo) == updated,
        r,
        "a second run: nothing newer, exit 0, no commit"
    );
    Ok(())
}

fn bad_input_makes_no_commit() -> TestResult {
    let registry = Registry::start()?;
    let host = registry.host.clone();
    registry.push("web", "1.0.0", "web");
    registry.push("worker", "main-1-aaa", "worker");
    registry.push("base", "stable", "base");
    let repo = GitRepo::new();
    repo.git(&["config", "user.name", "Image Bot"]);
    repo.git(&["config", "user.email", "bot@example.com"]);
    let unknown = "image: x # {\"$imagepolicy\": \"nope\"}\n";
    repo.commit(
        &[
            ("gitsync.yaml", &policies(&host)),
            ("deploy/a.yaml", "kind: ConfigMap\n"),
            ("deploy/b.yaml", unknown),
        ],
        "unknown policy",
    );
    let r = gs(&repo, &["image", "update"]);
    check!(
        r.code == 2 && r.stderr.contains("deploy/b.yaml (line 1)") && r.stderr.contains("\"nope\""),
        r,
        "a marker naming an unknown policy: exit 2, file and line"
    );
    repo.commit(&[("deploy/b.yaml", "image: x\n")], "no marker");
    let narrow = policies(&host).replace(">=1.0.0 <2", ">=3");
    repo.commit(&[("gitsync.yaml", &narrow)], "a range nothing matches");
    let r = gs(&repo, &["image", "update"]);
    check!(
        r.code == 2 && r.stderr.contains("no tag of") && r.stderr.contains("web"),
        r,
        "a policy matching no tag: exit 2"
    );
    let down = policies(&format!("127.0.0.1:{}", free_port()));
    repo.commit(&[("gitsync.yaml", &down)], "a registry that is down");
    let r = gs(&repo, &["image", "update"]);
    check!(
        r.code == 2 && r.stderr.contains("registry 127.0.0.1:"),
        r,
        "a registry that is down: exit 2, naming it"
    );
    let commits = repo.git(&["rev-list", "--count", "HEAD"]);
    check!(commits == "4", r, "no commit but the test's own: {commits}");
    Ok(())
}

/// Basic authentication: credentials only from the Docker config.json the
/// operator names (here the one `crane auth login` wrote), never shown.
fn an_htpasswd_registry_takes_credentials_from_a_docker_config() -> TestResult {
    let registry = Registry::with_htpasswd()?;
    let host = registry.host.clone();
    registry.push("web", "1.0.0", "web");
    registry.tag("web", "1.0.0", &["1.2.0".to_string()]);
    let repo = GitRepo::new();
    let config = format!(
        "targets:\n  - {{name: app, path: deploy}}\nimages:\n  - {{name: web, image: {host}/web, semver: \"^1\"}}\n"
    );
    let marked = format!("image: {host}/web:1.0.0 # {{\"$imagepolicy\": \"web\"}}\n");
    repo.commit(
        &[("gitsync.yaml", &config), ("deploy/app.yaml", &marked)],
        "images",
    );
    let r = gs(&repo, &["image", "list"]);
    check!(
        r.code == 2 && r.stderr.contains("needs credentials"),
        r,
        "without credentials: exit 2, saying so"
    );
    let creds = registry.docker_config().join("config.json");
    let r = gs(
        &repo,
        &[
            "image",
            "list",
            "--registry-credentials",
            creds.to_str().unwrap(),
        ],
    );
    check!(
        r.code == 0 && r.stdout.contains("newest:  1.2.0"),
        r,
        "with crane's config.json: the newest tag"
    );
    let wrong = registry.dir.path().join("wrong.json");
    let token = base64_of(&format!("{USER}:not-{PASSWORD}"));
    std::fs::write(
        &wrong,
        format!("{{\"auths\": {{\"{host}\": {{\"auth\": \"{token}\"}}}}}}"),
    )?;
    let r = gs(
        &repo,
        &[
            "image",
            "update",
            "--registry-credentials",
            wrong.to_str().unwrap(),
        ],
    );
    check!(
        r.code == 2
            && r.stderr.contains("not accepted")
            && !r.stderr.contains(PASSWORD)
            && !r.stderr.contains(&token),
        r,
        "wrong credentials: exit 2, and neither the password nor its encoding is shown"
    );
    Ok(())
}

/// Standard base64, as Docker writes `auths.*.auth`.
pub(crate) fn base64_of(s: &str) -> String {
    let out = Command::new("base64")
        .arg("-w0")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(s.as_bytes())?;
            c.wait_with_output()
        })
        .expect("base64");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// `image update --push BRANCH --signing-key KEY`: the signed commit
/// reaches the remote branch; when someone moved the branch meanwhile,
/// the update is made again on its new tip (their commit kept), and what
/// the remote holds passes `--verify-signatures head`.
fn a_signed_update_is_pushed_and_made_again_on_a_moved_branch() -> TestResult {
    let registry = Registry::start()?;
    let host = registry.host.clone();
    registry.push("web", "1.0.0", "web");
    registry.tag("web", "1.0.0", &["1.1.0".to_string()]);
    let repo = GitRepo::new();
    repo.git(&["config", "user.name", "Image Bot"]);
    repo.git(&["config", "user.email", "bot@example.com"]);
    let config = format!(
        "targets:\n  - {{name: app, path: deploy}}\nimages:\n  - {{name: web, image: {host}/web, semver: \"^1\"}}\n"
    );
    let marked = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: app}}\ndata:\n  image: {host}/web:1.0.0 # {{\"$imagepolicy\": \"web\"}}\n"
    );
    repo.commit(
        &[("gitsync.yaml", &config), ("deploy/app.yaml", &marked)],
        "images",
    );
    let remote = tempfile::tempdir()?;
    let bare = remote.path().join("deploy.git");
    let bare_s = bare.to_str().unwrap();
    repo.git(&["init", "-q", "--bare", "-b", "main", bare_s]);
    repo.git(&["remote", "add", "origin", bare_s]);
    repo.git(&["push", "-q", "origin", "main"]);
    let keys = tempfile::tempdir()?;
    let key = keys.path().join("bot");
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "bot", "-f"])
        .arg(&key)
        .status()?;
    check!(made.success(), Run::default(), "ssh-keygen");
    let public = std::fs::read_to_string(key.with_extension("pub"))?;
    let trusted_dir = keys.path().join("trusted");
    std::fs::create_dir_all(&trusted_dir)?;
    std::fs::write(
        trusted_dir.join("allowed_signers"),
        format!("bot@example.com {}", public.trim()),
    )?;
    let key_s = key.to_str().unwrap();
    let update = [
        "image",
        "update",
        "--push",
        "image-updates",
        "--signing-key",
        key_s,
    ];
    let at_remote = |rev: &str| repo.git(&["--git-dir", bare_s, "show", rev]);

    let r = gs(&repo, &update);
    check!(r.code == 0, r, "update and push");
    check!(
        at_remote("image-updates:deploy/app.yaml").contains("web:1.1.0 #"),
        r,
        "the remote branch holds the update"
    );

    // Someone else pushes to the branch; then a new tag.
    let other = tempfile::tempdir()?;
    let other_s = other.path().to_str().unwrap();
    repo.git(&["clone", "-q", "-b", "image-updates", bare_s, other_s]);
    std::fs::write(other.path().join("notes.md"), "a note\n")?;
    let theirs = |args: &[&str]| repo.git(&[&["-C", other_s][..], args].concat());
    theirs(&["add", "notes.md"]);
    theirs(&["commit", "-q", "-m", "a note"]);
    theirs(&["push", "-q", "origin", "image-updates"]);
    let moved = theirs(&["rev-parse", "HEAD"]);
    registry.tag("web", "1.0.0", &["1.2.0".to_string()]);

    let r = gs(&repo, &update);
    check!(
        r.code == 0,
        r,
        "the rejected push is made again on the new tip"
    );
    check!(
        at_remote("image-updates:deploy/app.yaml").contains("web:1.2.0 #")
            && repo.git(&["--git-dir", bare_s, "rev-parse", "image-updates~1"]) == moved
            && at_remote("image-updates:notes.md") == "a note",
        r,
        "on top of their commit, which stays"
    );
    // A cluster that only takes signed commits takes the update...
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("image-signed");
    let url = format!("file://{bare_s}");
    let trusted = trusted_dir.to_str().unwrap();
    let kubeconfig = cluster.kubeconfig().to_str().unwrap();
    let sync = || {
        gs(
            &repo,
            &[
                "sync",
                "--repo",
                &url,
                "--revision",
                "image-updates",
                "--verify-signatures",
                "head",
                "--trusted-keys",
                trusted,
                "--kubeconfig",
                kubeconfig,
                "-n",
                &ns.name,
            ],
        )
    };
    let r = sync();
    let image = || configmap_value_of(cluster, &ns.name, "image");
    check!(
        r.code == 0 && image().contains("web:1.2.0"),
        r,
        "sync --verify-signatures head accepts the signed update and applies it"
    );
    // ...and refuses an unsigned one on the same branch.
    theirs(&["pull", "-q", "--no-rebase", "origin", "image-updates"]);
    std::fs::write(
        other.path().join("deploy/app.yaml"),
        marked.replace("1.0.0", "6.6.6"),
    )?;
    theirs(&["commit", "-q", "-am", "unsigned"]);
    theirs(&["push", "-q", "origin", "image-updates"]);
    let r = sync();
    check!(
        r.code == 2 && image().contains("web:1.2.0"),
        r,
        "an unsigned commit is refused and the cluster keeps the signed update"
    );
    Ok(())
}

/// `data.image` of ConfigMap `app` in `ns`.
fn configmap_value_of(cluster: &Cluster, ns: &str, key: &str) -> String {
    let r = kubectl(
        cluster,
        &[
            "get",
            "configmap",
            "app",
            "-n",
            ns,
            "-o",
            &format!("jsonpath={{.data.{key}}}"),
        ],
    );
    r.stdout
}

/// `watch --image-interval`: a tag pushed to the registry becomes a commit
/// on the remote's branch and then the Deployment's image, with nobody
/// running anything.
fn watch_brings_a_newly_pushed_tag_into_the_cluster() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("image-watch");
    let registry = Registry::start()?;
    let host = registry.host.clone();
    registry.push("web", "1.0.0", "web");
    let repo = GitRepo::new();
    let config = format!(
        "targets:\n  - {{name: app, path: deploy, namespace: {}}}\nimages:\n  - {{name: web, image: {host}/web, semver: \"^1\"}}\n",
        ns.name
    );
    let deployment = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  replicas: 1\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec:\n      containers:\n        - name: web\n          image: {host}/web:1.0.0 # {{\"$imagepolicy\": \"web\"}}\n"
    );
    repo.commit(
        &[("gitsync.yaml", &config), ("deploy/web.yaml", &deployment)],
        "web",
    );
    let remote = tempfile::tempdir()?;
    let bare = remote.path().join("deploy.git");
    let bare_s = bare.to_str().unwrap();
    repo.git(&["init", "-q", "--bare", "-b", "main", bare_s]);
    repo.git(&["push", "-q", bare_s, "main"]);
    let url = format!("file://{bare_s}");
    let kubeconfig = cluster.kubeconfig().to_str().unwrap();
    let daemon = Daemon::spawn(
        &[
            "--repo",
            &url,
            "--kubeconfig",
            kubeconfig,
            "--interval",
            "1s",
            "--image-interval",
            "1s",
        ],
        &[],
    );
    let image = || {
        kubectl(
            cluster,
            &[
                "get",
                "deployment",
                "web",
                "-n",
                &ns.name,
                "-o",
                "jsonpath={.spec.template.spec.containers[0].image}",
            ],
        )
        .stdout
    };
    let first = format!("{host}/web:1.0.0");
    check!(
        within(Duration::from_secs(60), || image() == first).is_some(),
        daemon.as_run(),
        "the first sync"
    );
    registry.tag("web", "1.0.0", &["1.1.0".to_string()]);
    let next = format!("{host}/web:1.1.0");
    check!(
        within(Duration::from_secs(60), || image() == next).is_some(),
        daemon.as_run(),
        "the new tag reaches the Deployment"
    );
    let log = repo.git(&[
        "--git-dir",
        bare_s,
        "log",
        "-1",
        "--format=%an <%ae>%n%s",
        "main",
    ]);
    check!(
        log == "gitsync <gitsync@localhost>\nUpdate image (1 change)",
        daemon.as_run(),
        "one commit on the remote's main, by gitsync: {log}"
    );
    Ok(())
}
