//! The registry client against what real registries do beyond Basic
//! auth: the CNCF distribution registry with token authentication (a
//! token server here issues the ES256 JWTs it verifies against a JWKS
//! file), and `Retry-After` on 429 (a proxy here answers 429 in front of
//! `crane registry serve`).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use libtest_mimic::Trial;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};

use crate::check;
use crate::harness::{GitRepo, Run, TestResult};
use crate::image::{PASSWORD, Registry, USER, base64_of, gs, head, tools};
use crate::receiver::read;
use crate::watch::free_port;

pub fn tests() -> Vec<Trial> {
    vec![
        crate::trial!(a_token_registry_is_read_through_the_bearer_flow),
        crate::trial!(retry_after_is_honoured_and_a_registry_that_keeps_refusing_is_an_error),
        crate::trial!(credentials_never_go_over_plain_http_the_repository_asked_for),
    ]
}

const SERVICE: &str = "gitsync-test-registry";
const ISSUER: &str = "gitsync-test-issuer";
const KID: &str = "gitsync-test-key";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

type Shared = Arc<Mutex<Vec<String>>>;

/// A token server: HTTP Basic `USER`/`PASSWORD` gets a JWT granting the
/// scopes asked for (pull and push); anything else 401. Records each
/// request's path and query, and every token it issued.
struct TokenServer {
    port: u16,
    key: SigningKey,
    asked: Shared,
    issued: Shared,
}

impl TokenServer {
    fn start() -> TokenServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().unwrap().port();
        // A fixed test key: the registry trusts it through the JWKS file.
        let key = SigningKey::from_slice(&[7u8; 32]).expect("a P-256 key");
        let asked: Shared = Arc::default();
        let issued: Shared = Arc::default();
        let (a, i, k) = (asked.clone(), issued.clone(), key.clone());
        std::thread::spawn(move || {
            let good = format!("Basic {}", base64_of(&format!("{USER}:{PASSWORD}")));
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let Some(request) = read(&mut stream) else {
                    continue;
                };
                a.lock().unwrap().push(request.path.clone());
                if request.header("authorization") != Some(good.as_str()) {
                    let _ = write!(
                        stream,
                        "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    );
                    continue;
                }
                let token = jwt(&k, &scopes(&request.path));
                i.lock().unwrap().push(token.clone());
                let body = format!(
                    "{{\"token\": \"{token}\", \"access_token\": \"{token}\", \"expires_in\": 300}}"
                );
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        TokenServer {
            port,
            key,
            asked,
            issued,
        }
    }

    /// The JWKS the registry verifies tokens with.
    fn jwks(&self) -> String {
        let point = self.key.verifying_key().to_encoded_point(false);
        format!(
            "{{\"keys\": [{{\"kty\": \"EC\", \"crv\": \"P-256\", \"kid\": \"{KID}\", \"x\": \"{}\", \"y\": \"{}\"}}]}}",
            b64(point.x().unwrap()),
            b64(point.y().unwrap())
        )
    }
}

/// `repository:NAME:ACTIONS` of every `scope` parameter of a token
/// request, as (name, actions).
fn scopes(path: &str) -> Vec<(String, Vec<String>)> {
    let query = path.split_once('?').map_or("", |(_, q)| q);
    query
        .split('&')
        .filter_map(|p| p.strip_prefix("scope="))
        .map(|s| {
            s.replace("%3A", ":")
                .replace("%3a", ":")
                .replace("%2C", ",")
                .replace("%2c", ",")
        })
        .filter_map(|s| {
            let mut parts = s.splitn(3, ':');
            (parts.next()? == "repository").then_some(())?;
            let name = parts.next()?.to_string();
            let actions = parts
                .next()?
                .split(',')
                .filter(|a| matches!(*a, "pull" | "push"))
                .map(str::to_string)
                .collect();
            Some((name, actions))
        })
        .collect()
}

/// An ES256 JWT as distribution's token auth reads it.
fn jwt(key: &SigningKey, scopes: &[(String, Vec<String>)]) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let access: Vec<String> = scopes
        .iter()
        .map(|(name, actions)| {
            let actions: Vec<String> = actions.iter().map(|a| format!("\"{a}\"")).collect();
            format!(
                "{{\"type\": \"repository\", \"name\": \"{name}\", \"actions\": [{}]}}",
                actions.join(",")
            )
        })
        .collect();
    let header = format!("{{\"alg\": \"ES256\", \"typ\": \"JWT\", \"kid\": \"{KID}\"}}");
    let claims = format!(
        "{{\"iss\": \"{ISSUER}\", \"sub\": \"{USER}\", \"aud\": \"{SERVICE}\", \"exp\": {}, \"nbf\": {}, \"iat\": {now}, \"jti\": \"{now}-{}\", \"access\": [{}]}}",
        now + 300,
        now - 10,
        access.len(),
        access.join(",")
    );
    let input = format!("{}.{}", b64(header.as_bytes()), b64(claims.as_bytes()));
    let signature: Signature = key.sign(input.as_bytes());
    format!("{input}.{}", b64(&signature.to_bytes()))
}

fn a_token_registry_is_read_through_the_bearer_flow() -> TestResult {
    let tokens = TokenServer::start();
    let tools = tools()?;
    let dir = tempfile::tempdir()?;
    let host = format!("127.0.0.1:{}", free_port());
    let d = dir.path().display();
    std::fs::write(dir.path().join("jwks.json"), tokens.jwks())?;
    let config = format!(
        "version: 0.1\nlog: {{level: error}}\nstorage:\n  filesystem: {{rootdirectory: {d}/data}}\nhttp: {{addr: \"{host}\"}}\nauth:\n  token:\n    realm: http://localhost:{}/token\n    service: {SERVICE}\n    issuer: {ISSUER}\n    jwks: {d}/jwks.json\n",
        tokens.port
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
    let registry = Registry::up(child, host.clone(), tools, dir)?;
    registry.crane(&["auth", "login", &host, "-u", USER, "-p", PASSWORD]);
    registry.push("web", "1.0.0", "web");
    registry.tag("web", "1.0.0", &["1.3.0".to_string(), "2.0.0".to_string()]);

    let repo = GitRepo::new();
    repo.git(&["config", "user.name", "Image Bot"]);
    repo.git(&["config", "user.email", "bot@example.com"]);
    let config = format!(
        "targets:\n  - {{name: app, path: deploy}}\nimages:\n  - {{name: web, image: {host}/web, semver: \"^1\"}}\n"
    );
    let marked = format!("image: {host}/web:1.0.0 # {{\"$imagepolicy\": \"web\"}}\n");
    repo.commit(
        &[("gitsync.yaml", &config), ("deploy/app.yaml", &marked)],
        "images",
    );
    let creds = registry.docker_config().join("config.json");
    let creds = creds.to_str().unwrap();
    let before = head(&repo);
    let crane_tokens = tokens.issued.lock().unwrap().len();
    let crane_asked = tokens.asked.lock().unwrap().clone();
    check!(
        crane_tokens > 0
            && crane_asked.iter().any(|p| scopes(p)
                .iter()
                .any(|(n, a)| n == "web" && a.iter().any(|a| a == "push"))),
        Run::default(),
        "crane pushed with a token from the token server: {crane_asked:?}"
    );
    let r = gs(
        &repo,
        &[
            "-vv",
            "image",
            "list",
            "-o",
            "json",
            "--registry-credentials",
            creds,
        ],
    );
    check!(r.code == 0, r, "image list through the token flow exits 0");
    let list: serde_json::Value = serde_json::from_str(&r.stdout)?;
    check!(
        list[0]["policy"] == "web" && list[0]["latest"] == "1.3.0",
        r,
        "the newest tag in range (not 2.0.0): 1.3.0"
    );
    let listed = format!("{}{}", r.stdout, r.stderr);
    let r = gs(
        &repo,
        &["-vv", "image", "update", "--registry-credentials", creds],
    );
    check!(
        r.code == 0,
        r,
        "image update through the token flow exits 0"
    );
    let file = std::fs::read_to_string(repo.path().join("deploy/app.yaml"))?;
    check!(
        file.contains("web:1.3.0 #") && head(&repo) != before,
        r,
        "one commit sets the newest allowed tag:\n{file}"
    );
    let ours: Vec<String> = tokens.issued.lock().unwrap()[crane_tokens..].to_vec();
    check!(
        !ours.is_empty(),
        r,
        "gitsync asked the token server for a token"
    );
    let said = format!("{listed}{}{}", r.stdout, r.stderr);
    check!(
        !said.contains(PASSWORD) && ours.iter().all(|t| !said.contains(t.as_str())),
        r,
        "neither the password nor a token is shown, even at -vv"
    );
    let asked = tokens.asked.lock().unwrap().clone();
    check!(
        asked
            .iter()
            .any(|p| p.contains(&format!("service={SERVICE}"))
                && scopes(p) == [("web".to_string(), vec!["pull".to_string()])]),
        r,
        "gitsync asked for the registry's service and pull on web only: {asked:?}"
    );

    // Credentials the token server refuses: exit 2, no commit.
    let wrong = registry.dir.path().join("wrong.json");
    let auth = base64_of(&format!("{USER}:not-{PASSWORD}"));
    std::fs::write(
        &wrong,
        format!("{{\"auths\": {{\"{host}\": {{\"auth\": \"{auth}\"}}}}}}"),
    )?;
    registry.tag("web", "1.0.0", &["1.4.0".to_string()]);
    let log = repo.git(&["log", "--format=%H"]);
    let issued = tokens.issued.lock().unwrap().len();
    let r = gs(
        &repo,
        &[
            "-vv",
            "image",
            "update",
            "--registry-credentials",
            wrong.to_str().unwrap(),
        ],
    );
    check!(
        r.code == 2
            && r.stderr.contains(&format!("registry {host}"))
            && r.stderr.contains("not accepted")
            && repo.git(&["log", "--format=%H"]) == log,
        r,
        "refused credentials: exit 2 naming the registry, and no commit"
    );
    check!(
        tokens.issued.lock().unwrap().len() == issued,
        r,
        "the token server gave the wrong password no token"
    );
    let said = format!("{}{}", r.stdout, r.stderr);
    let all = tokens.issued.lock().unwrap().clone();
    check!(
        !said.contains(&auth)
            && !said.contains(PASSWORD)
            && all.iter().all(|t| !said.contains(t.as_str())),
        r,
        "neither the credentials nor any token is shown, even at -vv"
    );
    Ok(())
}

/// A proxy in front of `upstream` that answers the tags list with 429 and
/// `Retry-After: 1` the first `refuse` times (every time when `None`),
/// and passes everything else on. Records when each tags request came.
struct Proxy {
    port: u16,
    tags_at: Arc<Mutex<Vec<Instant>>>,
}

impl Proxy {
    fn start(upstream: String, refuse: Option<usize>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().unwrap().port();
        let tags_at: Arc<Mutex<Vec<Instant>>> = Arc::default();
        let seen = tags_at.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let Some(request) = read(&mut stream) else {
                    continue;
                };
                if request.path.contains("/tags/list") {
                    let n = {
                        let mut seen = seen.lock().unwrap();
                        seen.push(Instant::now());
                        seen.len()
                    };
                    if refuse.is_none_or(|r| n <= r) {
                        let _ = write!(
                            stream,
                            "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        );
                        continue;
                    }
                }
                let Ok(mut up) = TcpStream::connect(&upstream) else {
                    continue;
                };
                let mut head = format!("{} {} HTTP/1.1\r\n", request.method, request.path);
                for (name, value) in &request.headers {
                    if name != "connection" {
                        head.push_str(&format!("{name}: {value}\r\n"));
                    }
                }
                head.push_str("Connection: close\r\n\r\n");
                let _ = up.write_all(head.as_bytes());
                let _ = up.write_all(&request.body);
                let mut answer = Vec::new();
                let _ = up.read_to_end(&mut answer);
                let _ = stream.write_all(&answer);
            }
        });
        Proxy { port, tags_at }
    }
}

fn retry_after_is_honoured_and_a_registry_that_keeps_refusing_is_an_error() -> TestResult {
    let registry = Registry::start()?;
    registry.push("web", "1.0.0", "web");
    registry.tag("web", "1.0.0", &["1.1.0".to_string()]);
    let list = |proxy: &Proxy| {
        let host = format!("127.0.0.1:{}", proxy.port);
        let repo = GitRepo::new();
        let config = format!(
            "targets:\n  - {{name: app, path: deploy}}\nimages:\n  - {{name: web, image: {host}/web, semver: \"^1\"}}\n"
        );
        let marked = format!("image: {host}/web:1.0.0 # {{\"$imagepolicy\": \"web\"}}\n");
        repo.commit(
            &[("gitsync.yaml", &config), ("deploy/app.yaml", &marked)],
            "images",
        );
        let started = Instant::now();
        let r = gs(&repo, &["image", "list"]);
        (r, started.elapsed(), host)
    };

    let proxy = Proxy::start(registry.host.clone(), Some(2));
    let (r, _, _) = list(&proxy);
    check!(
        r.code == 0 && r.stdout.contains("newest:  1.1.0"),
        r,
        "after two 429s the tags are read"
    );
    let at = proxy.tags_at.lock().unwrap().clone();
    check!(
        at.len() == 3 && at.windows(2).all(|w| w[1] - w[0] >= Duration::from_secs(1)),
        r,
        "each retry waited the second Retry-After asked for: {:?}",
        at.windows(2).map(|w| w[1] - w[0]).collect::<Vec<_>>()
    );

    let refusing = Proxy::start(registry.host.clone(), None);
    let (r, took, host) = list(&refusing);
    check!(
        r.code == 2 && r.stderr.contains(&host) && r.stderr.contains("429"),
        r,
        "a registry that keeps answering 429: exit 2 naming it and the 429"
    );
    check!(
        took < Duration::from_secs(60),
        r,
        "it gives up in time (took {took:?})"
    );
    Ok(())
}

/// This machine's address on its default route (not loopback).
fn own_address() -> Option<String> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback()).then(|| ip.to_string())
}

fn credentials_never_go_over_plain_http_the_repository_asked_for() -> TestResult {
    let Some(ip) = own_address() else {
        return Err("this machine has no address besides loopback".into());
    };
    let registry = Registry::with_htpasswd_on("0.0.0.0")?;
    registry.push("web", "1.0.0", "web");
    registry.tag("web", "1.0.0", &["1.5.0".to_string()]);
    let port = registry.host.rsplit_once(':').unwrap().1;
    let host = format!("{ip}:{port}");
    let creds = registry.dir.path().join("by-address.json");
    let auth = base64_of(&format!("{USER}:{PASSWORD}"));
    std::fs::write(
        &creds,
        format!("{{\"auths\": {{\"{host}\": {{\"auth\": \"{auth}\"}}}}}}"),
    )?;
    let repo = GitRepo::new();
    let config = format!(
        "targets:\n  - {{name: app, path: deploy}}\nimages:\n  - {{name: web, image: {host}/web, semver: \"^1\", insecure: true}}\n"
    );
    let marked = format!("image: {host}/web:1.0.0 # {{\"$imagepolicy\": \"web\"}}\n");
    repo.commit(
        &[("gitsync.yaml", &config), ("deploy/app.yaml", &marked)],
        "images",
    );
    let creds = creds.to_str().unwrap();
    let r = gs(&repo, &["image", "list", "--registry-credentials", creds]);
    check!(
        r.code == 2 && r.stderr.contains("needs credentials"),
        r,
        "plain HTTP because gitsync.yaml says so: the credentials are not sent"
    );
    let r = gs(
        &repo,
        &[
            "image",
            "list",
            "--registry-credentials",
            creds,
            "--insecure-registry",
            &host,
        ],
    );
    check!(
        r.code == 0 && r.stdout.contains("newest:  1.5.0"),
        r,
        "the operator's --insecure-registry lets them go"
    );
    Ok(())
}
