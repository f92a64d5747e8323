//! The dashboard `gitsync watch` serves, seen by a real headless Chromium
//! (Debian's `chromium`) against the local cluster.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use libtest_mimic::Trial;

use crate::check;
use crate::harness::{Cluster, GitRepo, Run, TestResult, gitsync, kubectl, project_root};
use crate::watch::{cm, free_port, http, within};

pub fn tests() -> Vec<Trial> {
    vec![
        crate::trial!(overview_shows_revision_and_health),
        crate::trial!(target_page_follows_drift_and_revert_without_reload),
        crate::trial!(a_failing_deployment_is_shown_unhealthy_with_its_reason),
        crate::trial!(non_loopback_without_token_serves_no_data),
        crate::trial!(a_token_opens_the_dashboard_and_refresh_needs_csrf),
    ]
}

const CHROMIUM: &str = "/usr/bin/chromium";

/// A `gitsync watch` on `listen` (an address:port), killed on drop.
struct Watch {
    child: Child,
    port: u16,
    log: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Watch {
    fn start(cluster: &Cluster, repo: &GitRepo, ns: &str, host: &str, extra: &[&str]) -> Watch {
        let port = free_port();
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("watch.log");
        let url = format!("file://{}", repo.path().display());
        let child = gitsync(&project_root())
            .args(["watch", "--repo", &url, "-n", ns, "--interval", "1s"])
            .arg("--kubeconfig")
            .arg(cluster.kubeconfig())
            .args(["--listen", &format!("{host}:{port}")])
            .args(extra)
            .env("RUST_LOG", "gitsync=info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("starting gitsync watch");
        Watch {
            child,
            port,
            log,
            _dir: dir,
        }
    }

    fn get(&self, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
        http(self.port, "GET", path, headers, b"")
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn as_run(&self) -> Run {
        Run {
            code: 0,
            stdout: self.get("/api/targets", &[]).1,
            stderr: std::fs::read_to_string(&self.log).unwrap_or_default(),
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn chromium() -> Result<(), libtest_mimic::Failed> {
    match Path::new(CHROMIUM).exists() {
        true => Ok(()),
        false => Err("no /usr/bin/chromium: apt-get install -y chromium".into()),
    }
}

/// True once the page's script has applied a live update.
const LIVE: &str =
    "(document.getElementById('live') || {}).textContent.startsWith('live, updated')";

/// The DOM once the page's script has applied its first live update.
/// (Not `--dump-dom --virtual-time-budget`: virtual time stands still
/// while the page's event stream waits for news, up to 20 s a turn.)
fn dump_dom(url: &str) -> Run {
    let mut page = match Browser::open(url) {
        Ok(p) => p,
        Err(e) => {
            return Run {
                code: 1,
                stdout: String::new(),
                stderr: e,
            };
        }
    };
    let live = page.until(10, LIVE);
    Run {
        code: if live { 0 } else { 1 },
        stdout: page.eval("document.documentElement.outerHTML"),
        stderr: if live {
            String::new()
        } else {
            "no live update within 10 s".into()
        },
    }
}

fn api_target(w: &Watch) -> serde_json::Value {
    let (_, body) = w.get("/api/targets", &[]);
    serde_json::from_str::<serde_json::Value>(&body).unwrap_or_default()["targets"][0].clone()
}

/// `/api/targets/NAME` as JSON.
fn api_one(w: &Watch, name: &str) -> serde_json::Value {
    let (_, body) = w.get(&format!("/api/targets/{name}"), &[]);
    serde_json::from_str(&body).unwrap_or_default()
}

fn overview_shows_revision_and_health() -> TestResult {
    chromium()?;
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("dash-overview");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    let sha = repo.commit(&[("cm.yaml", &cm("one"))], "first config");
    let w = Watch::start(cluster, &repo, n, "127.0.0.1", &[]);
    let synced = within(Duration::from_secs(30), || {
        let t = api_target(&w);
        t["revision"]["sha"] == sha.as_str() && t["health"] == "Healthy"
    });
    check!(
        synced.is_some(),
        w.as_run(),
        "the API shows the sync, healthy"
    );
    let page = dump_dom(&w.url("/"));
    check!(page.code == 0, page, "chromium ran");
    check!(
        page.stdout.contains(&sha[..7]),
        page,
        "short SHA on the overview"
    );
    check!(
        page.stdout.contains("first config"),
        page,
        "subject on the overview"
    );
    check!(
        page.stdout
            .contains(r#"<span class="badge Healthy">Healthy</span>"#),
        page,
        "healthy on the overview"
    );
    let kb = page.stdout.len()
        + include_str!("../../src/web/assets/app.js").len()
        + include_str!("../../src/web/assets/style.css").len();
    check!(
        kb < 100 * 1024,
        page,
        "page weighs {kb} bytes, under 100 KB"
    );
    Ok(())
}

/// A page kept open in Chromium, read through the DevTools protocol.
struct Browser {
    child: Child,
    ws: tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<TcpStream>>,
    next: u64,
    _profile: tempfile::TempDir,
}

impl Browser {
    fn open(url: &str) -> Result<Browser, String> {
        let profile = tempfile::tempdir().unwrap();
        let mut child = Command::new(CHROMIUM)
            .args(["--headless", "--no-sandbox", "--disable-gpu"])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(["--remote-debugging-port=0", url])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("starting chromium: {e}"))?;
        // "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID"
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let mut port = None;
        for line in stderr.lines().map_while(Result::ok) {
            if let Some(rest) = line.split("ws://127.0.0.1:").nth(1) {
                port = rest.split('/').next().and_then(|p| p.parse::<u16>().ok());
                break;
            }
        }
        let port = port.ok_or("chromium printed no DevTools address")?;
        let mut page_ws = None;
        within(Duration::from_secs(10), || {
            let (_, body) = http(port, "GET", "/json/list", &[], b"");
            let list: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            page_ws = list
                .as_array()
                .into_iter()
                .flatten()
                .find(|p| p["type"] == "page")
                .and_then(|p| p["webSocketDebuggerUrl"].as_str().map(String::from));
            page_ws.is_some()
        });
        // Chromium names the host our request gave ("localhost", no port).
        let page_ws = page_ws
            .ok_or("no page in /json/list")?
            .replace("ws://localhost/", &format!("ws://127.0.0.1:{port}/"));
        let (ws, _) = tungstenite::connect(page_ws.as_str()).map_err(|e| e.to_string())?;
        Ok(Browser {
            child,
            ws,
            next: 0,
            _profile: profile,
        })
    }

    /// `expression` evaluated in the page, as a string.
    fn eval(&mut self, expression: &str) -> String {
        self.next += 1;
        let id = self.next;
        let msg = serde_json::json!({"id": id, "method": "Runtime.evaluate",
            "params": {"expression": expression, "returnByValue": true}});
        if self.ws.send(msg.to_string().into()).is_err() {
            return String::new();
        }
        while let Ok(m) = self.ws.read() {
            let v: serde_json::Value =
                serde_json::from_str(m.to_text().unwrap_or("")).unwrap_or_default();
            if v["id"] == id {
                let value = &v["result"]["result"]["value"];
                return value
                    .as_str()
                    .map(String::from)
                    .unwrap_or_else(|| value.to_string());
            }
        }
        String::new()
    }

    /// Waits until `expression` is true in the page.
    fn until(&mut self, secs: u64, expression: &str) -> bool {
        within(Duration::from_secs(secs), || {
            self.eval(expression) == "true"
        })
        .is_some()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn target_page_follows_drift_and_revert_without_reload() -> TestResult {
    chromium()?;
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("dash-drift");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(&[("cm.yaml", &cm("one"))], "one");
    let w = Watch::start(cluster, &repo, n, "127.0.0.1", &[]);
    let synced = within(Duration::from_secs(30), || {
        api_target(&w)["health"] == "Healthy"
    });
    check!(synced.is_some(), w.as_run(), "synced");
    let mut page = Browser::open(&w.url("/targets/"))?;
    let loaded = within(Duration::from_secs(10), || {
        page.eval("document.getElementById('health') ? document.getElementById('health').textContent : ''") == "Healthy"
    });
    check!(
        loaded.is_some(),
        w.as_run(),
        "the target page shows Healthy"
    );
    // Survives only if the page is never reloaded.
    page.eval("window.kept = 'yes'");

    let r = kubectl(
        cluster,
        &[
            "patch",
            "configmap",
            "watched",
            "-n",
            n,
            "-p",
            r#"{"data":{"value":"hacked"}}"#,
        ],
    );
    check!(r.code == 0, r, "patch");
    let history = "document.getElementById('history').textContent";
    let seen = within(Duration::from_secs(15), || {
        let h = page.eval(history);
        h.contains("drift on ConfigMap watched")
            && h.contains("reverted drift of ConfigMap watched")
    });
    check!(
        seen.is_some(),
        w.as_run(),
        "the open page shows the drift and its revert: {}",
        page.eval(history)
    );
    check!(
        page.eval("document.getElementById('drifted').textContent") == "0",
        w.as_run(),
        "nothing drifted after the revert"
    );
    check!(
        page.eval("window.kept") == "yes",
        w.as_run(),
        "the page was not reloaded"
    );
    check!(
        !page
            .eval("document.getElementById('live-log').textContent")
            .is_empty(),
        w.as_run(),
        "updates came live"
    );
    Ok(())
}

fn a_failing_deployment_is_shown_unhealthy_with_its_reason() -> TestResult {
    chromium()?;
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("dash-fail");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    let deployment = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web, namespace: {n}}}\nspec:\n  replicas: 1\n  progressDeadlineSeconds: 1\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec: {{containers: [{{name: web, image: \"gitsync.test/fail:v1\"}}]}}\n"
    );
    // kwok never runs the image; the deadline makes the Deployment fail
    // (ProgressDeadlineExceeded) rather than progress for ever.
    repo.commit(&[("app.yaml", &deployment)], "bad image");
    let w = Watch::start(cluster, &repo, n, "127.0.0.1", &[]);
    let degraded = within(Duration::from_secs(45), || {
        api_target(&w)["health"] == "Degraded"
    });
    check!(
        degraded.is_some(),
        w.as_run(),
        "the API shows the target degraded"
    );
    // The objects are on the target's own document, not the overview's.
    let reason = api_one(&w, "")["objects"]
        .as_array()
        .and_then(|o| o.iter().find(|o| o["kind"] == "Deployment"))
        .and_then(|o| o["reason"].as_str().map(String::from))
        .unwrap_or_default();
    check!(
        !reason.is_empty(),
        w.as_run(),
        "a reason for the Deployment"
    );
    let page = dump_dom(&w.url("/targets/"));
    check!(
        page.stdout.contains(r#"class="badge Degraded">Degraded"#),
        page,
        "Degraded on the target page"
    );
    // As the DOM serialises text: quotes stay as they are.
    let escaped = reason
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    check!(
        page.stdout.contains(&escaped),
        page,
        "the reason on the target page: {reason}"
    );
    let overview = dump_dom(&w.url("/"));
    check!(
        overview.stdout.contains(r#"data-state="unhealthy""#),
        overview,
        "unhealthy on the overview"
    );
    Ok(())
}

fn non_loopback_without_token_serves_no_data() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("dash-closed");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    let sha = repo.commit(&[("cm.yaml", &cm("one"))], "one");
    // 0.0.0.0 is no loopback address, yet reachable on 127.0.0.1.
    let w = Watch::start(cluster, &repo, n, "0.0.0.0", &[]);
    let up = within(Duration::from_secs(30), || w.get("/readyz", &[]).0 == 200);
    check!(up.is_some(), w.as_run(), "synced");
    for path in [
        "/",
        "/targets/",
        "/api/targets",
        "/api/targets/",
        "/api/events",
    ] {
        let (status, body) = w.get(path, &[]);
        check!(status == 401, w.as_run(), "{path}: {status}");
        check!(
            !body.contains(&sha[..7]) && !body.contains(n),
            w.as_run(),
            "{path} leaks: {body}"
        );
        check!(
            body.contains("loopback"),
            w.as_run(),
            "{path} says why: {body}"
        );
    }
    Ok(())
}

fn a_token_opens_the_dashboard_and_refresh_needs_csrf() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("dash-token");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    let sha = repo.commit(&[("cm.yaml", &cm("one"))], "one");
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "t0ken-for-the-ui\n").unwrap();
    let w = Watch::start(
        cluster,
        &repo,
        n,
        "0.0.0.0",
        &["--ui-token-file", token_file.to_str().unwrap()],
    );
    let bearer = [("Authorization", "Bearer t0ken-for-the-ui")];
    let synced = within(Duration::from_secs(30), || {
        w.get("/api/targets", &bearer).1.contains(&sha)
    });
    check!(synced.is_some(), w.as_run(), "synced, seen with the token");
    let (status, body) = w.get("/api/targets", &[]);
    check!(
        status == 401 && !body.contains(&sha[..7]),
        w.as_run(),
        "no token: {status} {body}"
    );
    let (status, body) = w.get("/", &[("Authorization", "Bearer wrong")]);
    check!(
        status == 401 && !body.contains(&sha[..7]),
        w.as_run(),
        "wrong token: {status}"
    );
    check!(
        body.contains("name=\"token\""),
        w.as_run(),
        "the login form instead: {body}"
    );
    let (status, page) = w.get("/", &bearer);
    check!(
        status == 200 && page.contains(&sha[..7]),
        w.as_run(),
        "with the token: {status}"
    );
    check!(
        !page.contains("t0ken-for-the-ui"),
        w.as_run(),
        "the token is never echoed"
    );
    let csrf = page
        .split("name=\"csrf-token\" content=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_default()
        .to_string();
    check!(
        !csrf.is_empty(),
        w.as_run(),
        "the page carries a CSRF token"
    );
    let (status, _) = http(w.port, "POST", "/api/refresh", &bearer, b"");
    check!(status == 403, w.as_run(), "refresh without CSRF: {status}");
    let (status, _) = http(
        w.port,
        "POST",
        "/api/refresh",
        &[("X-CSRF-Token", &csrf)],
        b"",
    );
    check!(
        status == 401,
        w.as_run(),
        "refresh with CSRF but no token: {status}"
    );
    let with_csrf = [bearer[0], ("X-CSRF-Token", csrf.as_str())];
    let (status, _) = http(w.port, "POST", "/api/refresh", &with_csrf, b"");
    check!(
        status == 202,
        w.as_run(),
        "refresh with token and CSRF: {status}"
    );
    // The login form sets an HttpOnly, SameSite=Strict session cookie.
    let form = b"token=t0ken-for-the-ui";
    let ctype = [("Content-Type", "application/x-www-form-urlencoded")];
    let (status, _) = http(w.port, "POST", "/login", &ctype, form);
    check!(status == 303, w.as_run(), "login: {status}");
    Ok(())
}
