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
        crate::trial!(a_held_back_revision_shows_its_diff_masked_with_hooks_and_events),
        crate::trial!(new_targets_appear_live_and_the_overview_works_by_keyboard),
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

    /// A DevTools command's result (null when the browser is gone).
    fn call(&mut self, method: &str, params: serde_json::Value) -> serde_json::Value {
        self.next += 1;
        let id = self.next;
        let msg = serde_json::json!({"id": id, "method": method, "params": params});
        if self.ws.send(msg.to_string().into()).is_err() {
            return serde_json::Value::Null;
        }
        while let Ok(m) = self.ws.read() {
            let v: serde_json::Value =
                serde_json::from_str(m.to_text().unwrap_or("")).unwrap_or_default();
            if v["id"] == id {
                return v["result"].clone();
            }
        }
        serde_json::Value::Null
    }

    /// `expression` evaluated in the page, as a string.
    fn eval(&mut self, expression: &str) -> String {
        let r = self.call(
            "Runtime.evaluate",
            serde_json::json!({"expression": expression, "returnByValue": true}),
        );
        let value = &r["result"]["value"];
        value
            .as_str()
            .map(String::from)
            .unwrap_or_else(|| value.to_string())
    }

    /// Presses and releases a key, as a keyboard would (Tab, Enter).
    fn press(&mut self, key: &str, code: u32) {
        let text = if key == "Enter" { "\r" } else { "" };
        for kind in ["keyDown", "keyUp"] {
            self.call(
                "Input.dispatchKeyEvent",
                serde_json::json!({"type": kind, "key": key, "code": key,
                    "windowsVirtualKeyCode": code, "text": if kind == "keyDown" { text } else { "" }}),
            );
        }
    }

    fn navigate(&mut self, url: &str) {
        self.call("Page.navigate", serde_json::json!({ "url": url }));
    }

    /// Waits until `expression` is true in the page.
    fn until(&mut self, secs: u64, expression: &str) -> bool {
        within(Duration::from_secs(secs), || {
            self.eval(expression) == "true"
        })
        .is_some()
    }

    /// Text whose WCAG contrast is below AA, in each colour scheme the
    /// stylesheet has, as `(scheme, report)`; the report is empty when
    /// all is well.
    fn contrast_failures(&mut self) -> Vec<(String, String)> {
        let dark = include_str!("../../src/web/assets/style.css").contains("prefers-color-scheme");
        let schemes: &[&str] = if dark { &["light", "dark"] } else { &["light"] };
        let mut out = Vec::new();
        for scheme in schemes {
            self.call(
                "Emulation.setEmulatedMedia",
                serde_json::json!({"features": [{"name": "prefers-color-scheme", "value": scheme}]}),
            );
            let r = self.eval(CONTRAST_JS);
            let v: serde_json::Value = serde_json::from_str(&r).unwrap_or_default();
            let checked = v["checked"].as_u64().unwrap_or(0);
            let bad = v["bad"].as_array().cloned().unwrap_or_default();
            if checked < 10 || !bad.is_empty() {
                out.push((
                    scheme.to_string(),
                    format!("{checked} texts checked, failing: {bad:#?}"),
                ));
            }
        }
        out
    }
}

/// For every visible element with text of its own (and form controls):
/// the WCAG 2 contrast of its colour against its effective background
/// (the backgrounds of it and its ancestors composed down to the first
/// opaque one, over a white canvas); AA asks 4.5, or 3 for large text
/// (24px, or 18.66px bold).
const CONTRAST_JS: &str = r#"(function () {
  function rgba(c) {
    const m = /rgba?\(([^)]+)\)/.exec(c);
    if (!m) return null;
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  }
  function over(top, under) {
    const a = top[3];
    return [0, 1, 2].map(function (i) { return top[i] * a + under[i] * (1 - a); }).concat([1]);
  }
  function lum(c) {
    const f = function (v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  }
  function background(e) {
    const layers = [];
    for (let n = e; n; n = n.parentElement) {
      const b = rgba(getComputedStyle(n).backgroundColor);
      if (b && b[3] > 0) { layers.push(b); if (b[3] >= 1) break; }
    }
    let c = [255, 255, 255, 1];
    for (let i = layers.length - 1; i >= 0; i--) c = over(layers[i], c);
    return c;
  }
  const bad = [];
  let checked = 0;
  document.querySelectorAll("body *").forEach(function (e) {
    const own = ["INPUT", "SELECT", "BUTTON"].includes(e.tagName) ||
      Array.from(e.childNodes).some(function (n) { return n.nodeType === 3 && n.textContent.trim(); });
    if (!own || e.getClientRects().length === 0) return;
    const s = getComputedStyle(e);
    if (s.visibility !== "visible") return;
    const bg = background(e);
    const fg = over(rgba(s.color), bg);
    const hi = Math.max(lum(fg), lum(bg)), lo = Math.min(lum(fg), lum(bg));
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(s.fontSize), bold = parseInt(s.fontWeight, 10) >= 700;
    const need = size >= 24 || (size >= 18.66 && bold) ? 3 : 4.5;
    checked++;
    if (ratio < need) bad.push(e.tagName.toLowerCase() + "." + e.className + " '" +
      e.textContent.trim().slice(0, 30) + "': " + ratio.toFixed(2) + " < " + need + " (" + s.color + " on rgb(" + bg.slice(0, 3).join(",") + "))");
  });
  return JSON.stringify({ checked: checked, bad: bad });
})()"#;

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

/// `/api/targets/NAME` as JSON.
fn api_one(w: &Watch, name: &str) -> serde_json::Value {
    let (_, body) = w.get(&format!("/api/targets/{name}"), &[]);
    serde_json::from_str(&body).unwrap_or_default()
}

/// One target `web` in gitsync.yaml, with `extra` lines under it.
fn one_target(ns: &str, extra: &str) -> String {
    format!(
        "targets:\n  - name: web\n    path: app\n    namespace: {ns}\n    cluster: {{context: local}}\n{extra}"
    )
}

fn secret(value: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\nstringData:\n  password: {value}\n"
    )
}

/// A new revision held back by a sync window is planned without being
/// written, and its diff shows on the target page and in its JSON with
/// the changed field, a Secret's values only as masks; the hooks of the
/// run before and the Events gitsync wrote show beside it, and both
/// pages meet WCAG AA contrast.
fn a_held_back_revision_shows_its_diff_masked_with_hooks_and_events() -> TestResult {
    chromium()?;
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("dash-held");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    let hook = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: smoke\n  annotations:\n    argocd.argoproj.io/hook: PreSync\nspec:\n  backoffLimit: 0\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: main, image: busybox}]\n";
    // Secret values, and how the API server stores them.
    let (before, after) = ("plain-before-7f3a", "plain-after-9c2e");
    let (before_b64, after_b64) = ("cGxhaW4tYmVmb3JlLTdmM2E=", "cGxhaW4tYWZ0ZXItOWMyZQ==");
    let first = repo.commit(
        &[
            ("gitsync.yaml", &one_target(n, "")),
            ("app/cm.yaml", &cm("one")),
            ("app/secret.yaml", &secret(before)),
            ("app/hook.yaml", hook),
        ],
        "web with a hook",
    );
    let w = Watch::start(
        cluster,
        &repo,
        n,
        "127.0.0.1",
        &["--all-targets", "--no-self-heal"],
    );
    let synced = within(Duration::from_secs(60), || {
        let t = api_one(&w, "web");
        t["revision"]["sha"] == first.as_str() && t["hooks"][0]["result"] == "succeeded"
    });
    check!(synced.is_some(), w.as_run(), "synced, its hook succeeded");

    // Without self-heal, drift stays: what a sync would put back is pending.
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
    let drift = within(Duration::from_secs(15), || {
        let p = &api_one(&w, "web")["pending"];
        p["kind"] == "drift"
            && p["changes"][0]["diff"]
                .as_str()
                .is_some_and(|d| d.contains("-  value: hacked\n+  value: one"))
    });
    check!(
        drift.is_some(),
        w.as_run(),
        "the drift is pending: {}",
        api_one(&w, "web")["pending"]
    );

    // A deny window that is always open holds the next revision back.
    let window = "    windows:\n      - {kind: deny, schedule: \"* * * * *\", duration: 1h}\n";
    let held = repo.commit(
        &[
            ("gitsync.yaml", &one_target(n, window)),
            ("app/cm.yaml", &cm("two")),
            ("app/secret.yaml", &secret(after)),
        ],
        "two, in a freeze",
    );
    let pending = within(Duration::from_secs(30), || {
        api_one(&w, "web")["pending"]["revision"] == held.as_str()
    });
    check!(
        pending.is_some(),
        w.as_run(),
        "the held revision is pending"
    );
    let (_, json) = w.get("/api/targets/web", &[]);
    let leaks = |text: &str| {
        [before, after, before_b64, after_b64]
            .into_iter()
            .filter(|v| text.contains(v))
            .collect::<Vec<_>>()
    };
    check!(
        leaks(&json).is_empty(),
        w.as_run(),
        "/api/targets/web holds {:?}",
        leaks(&json)
    );
    let t: serde_json::Value = serde_json::from_str(&json)?;
    let p = &t["pending"];
    check!(
        p["kind"] == "held" && p["reason"].as_str().is_some_and(|r| r.contains("deny")),
        w.as_run(),
        "held by the window: {p}"
    );
    let diff_of = |kind: &str| {
        p["changes"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["kind"] == kind))
            .and_then(|c| c["diff"].as_str().map(String::from))
            .unwrap_or_default()
    };
    check!(
        diff_of("ConfigMap").contains("+  value: two"),
        w.as_run(),
        "the ConfigMap's new value in the diff: {p}"
    );
    check!(
        diff_of("Secret").contains("<secret hash:"),
        w.as_run(),
        "the Secret's change, as masks: {p}"
    );
    check!(
        crate::harness::configmap_value(cluster, n, "watched") == "hacked",
        w.as_run(),
        "held back: nothing written"
    );

    let mut page = Browser::open(&w.url("/targets/web"))?;
    // Drawn by the page's script from /api/events, not only by the server.
    let shown = page.until(
        10,
        &format!(
            "{LIVE} && document.getElementById('pending').textContent.includes('+  value: two')"
        ),
    );
    check!(
        shown,
        w.as_run(),
        "the target page shows the pending diff: {}",
        page.eval(
            "document.getElementById('pending') && document.getElementById('pending').textContent"
        )
    );
    let dom = page.eval("document.documentElement.outerHTML");
    check!(
        leaks(&dom).is_empty() && dom.contains("secret hash:"),
        w.as_run(),
        "the page holds {:?} (masks shown: {})",
        leaks(&dom),
        dom.contains("secret hash:")
    );
    let hooks = page.eval("document.getElementById('hooks').textContent");
    check!(
        hooks.contains("PreSync") && hooks.contains("smoke") && hooks.contains("succeeded"),
        w.as_run(),
        "the last run's hooks: {hooks}"
    );
    let events = page.eval("document.getElementById('events').textContent");
    check!(
        events.contains(&format!("synced {first}")) && events.contains("DriftDetected"),
        w.as_run(),
        "the Events gitsync wrote: {events}"
    );
    for (scheme, report) in page.contrast_failures() {
        check!(false, w.as_run(), "target page, {scheme}: {report}");
    }
    page.navigate(&w.url("/"));
    check!(
        page.until(
            10,
            &format!("{LIVE} && !!document.querySelector('tr[data-name=\"web\"]')")
        ),
        w.as_run(),
        "the overview loads"
    );
    for (scheme, report) in page.contrast_failures() {
        check!(false, w.as_run(), "overview, {scheme}: {report}");
    }
    Ok(())
}

/// Two targets, `a` and `b`, each a ConfigMap in its own path.
fn targets(ns: &str, names: &[&str]) -> String {
    let mut yaml = "targets:\n".to_string();
    for t in names {
        yaml.push_str(&format!(
            "  - name: {t}\n    path: {t}\n    namespace: {ns}\n    cluster: {{context: local}}\n"
        ));
    }
    yaml
}

fn named_cm(name: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  value: one\n")
}

/// The open overview gains a row for a target added to gitsync.yaml and
/// loses the row of one removed, without a reload; then from the page's
/// start Tab reaches the filter, the state filter and each target's link
/// in order, each with a visible focus ring, and Enter opens a target.
fn new_targets_appear_live_and_the_overview_works_by_keyboard() -> TestResult {
    chromium()?;
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("dash-keys");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(
        &[
            ("gitsync.yaml", &targets(n, &["a", "b"])),
            ("a/cm.yaml", &named_cm("a")),
            ("b/cm.yaml", &named_cm("b")),
        ],
        "a and b",
    );
    let w = Watch::start(cluster, &repo, n, "127.0.0.1", &["--all-targets"]);
    let synced = within(Duration::from_secs(60), || {
        ["a", "b"]
            .iter()
            .all(|t| api_one(&w, t)["health"] == "Healthy")
    });
    check!(synced.is_some(), w.as_run(), "both synced");
    let mut page = Browser::open(&w.url("/"))?;
    check!(
        page.until(
            10,
            "document.querySelectorAll('#targets tr[data-name]').length === 2"
        ),
        w.as_run(),
        "two rows"
    );
    // Survives only if the page is never reloaded.
    page.eval("window.kept = 'yes'");
    repo.commit(
        &[
            ("gitsync.yaml", &targets(n, &["b", "c"])),
            ("c/cm.yaml", &named_cm("c")),
        ],
        "c instead of a",
    );
    let rows = "Array.from(document.querySelectorAll('#targets tr[data-name]')).map(function (r) { return r.dataset.name; }).join(',')";
    let live = within(Duration::from_secs(30), || page.eval(rows) == "b,c");
    check!(
        live.is_some(),
        w.as_run(),
        "c appears and a goes without a reload: rows {}",
        page.eval(rows)
    );
    check!(
        page.eval("window.kept") == "yes",
        w.as_run(),
        "the page was not reloaded"
    );
    check!(
        page.until(
            30,
            "document.querySelector('tr[data-name=\"c\"] .health').textContent === 'Healthy'"
        ),
        w.as_run(),
        "the new row follows its target"
    );

    // Keyboard: from the start of the page, Tab by Tab.
    page.call(
        "Emulation.setFocusEmulationEnabled",
        serde_json::json!({"enabled": true}),
    );
    page.eval("document.activeElement && document.activeElement.blur(); window.getSelection().removeAllRanges()");
    let focused = "(function () { const e = document.activeElement; const s = getComputedStyle(e); \
        const ring = e.matches(':focus-visible') && s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; \
        return (e.id || e.getAttribute('href') || e.tagName) + (ring ? '' : ' (no visible focus)'); })()";
    let mut order = Vec::new();
    for _ in 0..5 {
        page.press("Tab", 9);
        order.push(page.eval(focused));
    }
    check!(
        order
            == [
                "/",
                "filter-text",
                "filter-state",
                "/targets/b",
                "/targets/c"
            ],
        w.as_run(),
        "Tab order and focus rings: {order:?}"
    );
    page.press("Enter", 13);
    check!(
        page.until(
            10,
            "location.pathname === '/targets/c' && !!document.getElementById('target')"
        ),
        w.as_run(),
        "Enter opens the focused target: {}",
        page.eval("location.href")
    );
    Ok(())
}
