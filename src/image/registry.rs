//! A registry through the OCI distribution API: a repository's tags (every
//! page, following `Link`) and a tag's manifest digest (`HEAD`).
//!
//! Written on reqwest rather than with oci-client, which was weighed:
//! it reads neither the `Link` header nor `Retry-After`, both of which
//! this needs. Authentication: anonymous first; a 401's
//! `WWW-Authenticate` then says Basic (the credentials are sent) or
//! Bearer (a token is fetched from its realm, with the credentials if
//! there are any). Credentials come from a Docker `config.json` the
//! operator names or has, never from the repository, and are never
//! printed. HTTPS, except for loopback hosts and hosts named insecure.
//! Every request is time-limited; 429 and 503 are retried after their
//! `Retry-After` (at most 30 s, three times).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, LINK, RETRY_AFTER, WWW_AUTHENTICATE};

const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const MOST_PAGES: usize = 200;
const PAGE: usize = 100;
const ATTEMPTS: usize = 3;
const MOST_WAIT: Duration = Duration::from_secs(30);
const MANIFESTS: &str = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json";

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("registry {registry}: {message}")]
    Unreachable { registry: String, message: String },
    #[error(
        "registry {registry} refused {what} (401): {}",
        if *with_credentials { "the credentials given were not accepted" } else { "it needs credentials (--registry-credentials, or a Docker config.json)" }
    )]
    Unauthorized {
        registry: String,
        what: String,
        with_credentials: bool,
    },
    #[error("registry {registry}: {what} answered {status}")]
    Status {
        registry: String,
        what: String,
        status: u16,
    },
    #[error("registry {registry}: {what}: {message}")]
    Malformed {
        registry: String,
        what: String,
        message: String,
    },
    #[error("reading registry credentials {path}: {message}")]
    Credentials { path: PathBuf, message: String },
}

/// `registry/path` split into where to ask and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    /// `ghcr.io`, `127.0.0.1:5000`; `docker.io` for Docker Hub.
    pub registry: String,
    pub path: String,
}

impl Repository {
    pub fn parse(image: &str) -> Repository {
        match image.split_once('/') {
            Some((host, rest)) if host.contains(['.', ':']) || host == "localhost" => Repository {
                registry: host.to_string(),
                path: rest.to_string(),
            },
            Some(_) => Repository {
                registry: "docker.io".into(),
                path: image.to_string(),
            },
            None => Repository {
                registry: "docker.io".into(),
                path: format!("library/{image}"),
            },
        }
    }

    pub fn host(&self) -> &str {
        match self.registry.as_str() {
            "docker.io" => "registry-1.docker.io",
            r => r,
        }
    }
}

/// Docker `config.json` credentials by registry host.
#[derive(Default, Clone)]
pub struct Credentials(HashMap<String, (String, String)>);

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({} hosts)", self.0.len())
    }
}

impl Credentials {
    /// `file`, else `$DOCKER_CONFIG/config.json`, else
    /// `~/.docker/config.json` (none when neither exists).
    pub fn load(file: Option<&Path>) -> Result<Credentials, RegistryError> {
        let path = match file {
            Some(f) => f.to_path_buf(),
            None => {
                let dir = std::env::var_os("DOCKER_CONFIG")
                    .map(PathBuf::from)
                    .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker")));
                match dir.map(|d| d.join("config.json")).filter(|p| p.exists()) {
                    Some(p) => p,
                    None => return Ok(Credentials::default()),
                }
            }
        };
        let fail = |message: String| RegistryError::Credentials {
            path: path.clone(),
            message,
        };
        let text = std::fs::read_to_string(&path).map_err(|e| fail(e.to_string()))?;
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| fail(format!("not JSON: {e}")))?;
        let mut out = HashMap::new();
        if let Some(auths) = json.get("auths").and_then(|a| a.as_object()) {
            for (host, entry) in auths {
                let s = |k: &str| entry.get(k).and_then(|v| v.as_str()).map(str::to_string);
                let pair = match (s("auth"), s("username"), s("password")) {
                    (_, Some(u), Some(p)) => Some((u, p)),
                    (Some(auth), _, _) => base64::engine::general_purpose::STANDARD
                        .decode(auth.trim())
                        .ok()
                        .and_then(|b| String::from_utf8(b).ok())
                        .and_then(|s| s.split_once(':').map(|(u, p)| (u.into(), p.into()))),
                    _ => None,
                };
                let host = host
                    .trim_start_matches("https://")
                    .trim_start_matches("http://")
                    .split('/')
                    .next()
                    .unwrap_or_default()
                    .to_string();
                if let Some(pair) = pair {
                    out.insert(host, pair);
                }
            }
        }
        Ok(Credentials(out))
    }

    fn get(&self, registry: &str) -> Option<&(String, String)> {
        self.0.get(registry).or_else(|| match registry {
            "docker.io" => self
                .0
                .get("index.docker.io")
                .or_else(|| self.0.get("registry-1.docker.io")),
            _ => None,
        })
    }
}

/// One client for a run: tokens are kept per registry and repository.
pub struct Client {
    http: reqwest::Client,
    credentials: Credentials,
    /// Plain HTTP, as the operator said (`--insecure-registry`).
    insecure: Vec<String>,
    /// Plain HTTP, as gitsync.yaml's policies said (`insecure: true`):
    /// never with credentials.
    insecure_by_repo: Vec<String>,
    /// The Authorization that worked, by (registry, repository path):
    /// keyed by the registry too, because a header one registry took
    /// (its Basic credentials, or a token it issued) must never be sent
    /// to another that happens to hold a repository of the same path.
    tokens: tokio::sync::Mutex<HashMap<(String, String), String>>,
}

impl Client {
    pub fn new(credentials: Credentials, insecure: Vec<String>) -> Result<Client, RegistryError> {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .user_agent(crate::cluster::USER_AGENT)
            .build()
            .map_err(|e| RegistryError::Unreachable {
                registry: "-".into(),
                message: e.to_string(),
            })?;
        Ok(Client {
            http,
            credentials,
            insecure,
            insecure_by_repo: Vec::new(),
            tokens: Default::default(),
        })
    }

    /// Hosts the repository's policies mark `insecure: true`.
    pub fn insecure_by_repo(mut self, hosts: Vec<String>) -> Client {
        self.insecure_by_repo = hosts;
        self
    }

    /// Whether the operator trusts this registry with plain HTTP: a
    /// loopback host or one named by `--insecure-registry`.
    fn operator_allows_plain(&self, repo: &Repository) -> bool {
        let host = repo.host();
        let name = host.rsplit_once(':').map_or(host, |(h, _)| h);
        let loopback = matches!(name, "localhost" | "[::1]") || name.starts_with("127.");
        loopback || self.insecure.iter().any(|h| h == host)
    }

    fn base(&self, repo: &Repository) -> String {
        let host = repo.host();
        let plain =
            self.operator_allows_plain(repo) || self.insecure_by_repo.iter().any(|h| h == host);
        let scheme = if plain { "http" } else { "https" };
        format!("{scheme}://{host}")
    }

    /// Every tag of the repository, in the registry's order.
    pub async fn tags(&self, repo: &Repository) -> Result<Vec<String>, RegistryError> {
        let base = self.base(repo);
        let mut url = format!("{base}/v2/{}/tags/list?n={PAGE}", repo.path);
        let mut tags = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..MOST_PAGES {
            let (headers, body) = self.get(repo, &url, "the tag list", None).await?;
            let json: serde_json::Value =
                serde_json::from_slice(&body).map_err(|e| RegistryError::Malformed {
                    registry: repo.registry.clone(),
                    what: "the tag list".into(),
                    message: format!("not JSON: {e}"),
                })?;
            let before = tags.len();
            match json.get("tags") {
                Some(serde_json::Value::Array(list)) => {
                    for t in list.iter().filter_map(|t| t.as_str()) {
                        if seen.insert(t.to_string()) {
                            tags.push(t.to_string());
                        }
                    }
                }
                Some(serde_json::Value::Null) | None => {}
                Some(_) => {
                    return Err(RegistryError::Malformed {
                        registry: repo.registry.clone(),
                        what: "the tag list".into(),
                        message: "`tags` is not a list".into(),
                    });
                }
            }
            let page = tags.len() - before;
            match next_link(&headers) {
                _ if page == 0 => return Ok(tags),
                Some(next) if next.starts_with('/') => url = format!("{base}{next}"),
                Some(next) => url = next,
                // A full page and no Link (some registries leave it out):
                // ask on from the last tag, as the spec's `last` allows.
                None if page >= PAGE => {
                    let list = format!("{base}/v2/{}/tags/list", repo.path);
                    let mut next =
                        reqwest::Url::parse(&list).map_err(|e| RegistryError::Malformed {
                            registry: repo.registry.clone(),
                            what: "the tag list".into(),
                            message: e.to_string(),
                        })?;
                    next.query_pairs_mut()
                        .append_pair("n", &PAGE.to_string())
                        .append_pair("last", tags.last().map(String::as_str).unwrap_or_default());
                    url = next.to_string();
                }
                None => return Ok(tags),
            }
        }
        Err(RegistryError::Malformed {
            registry: repo.registry.clone(),
            what: "the tag list".into(),
            message: format!("more than {MOST_PAGES} pages"),
        })
    }

    /// The digest of `tag`'s manifest (`sha256:…`).
    pub async fn digest(&self, repo: &Repository, tag: &str) -> Result<String, RegistryError> {
        let url = format!("{}/v2/{}/manifests/{tag}", self.base(repo), repo.path);
        let what = format!("the manifest of {tag}");
        let (headers, _) = self.get(repo, &url, &what, Some(MANIFESTS)).await?;
        headers
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .filter(|d| d.starts_with("sha256:"))
            .map(str::to_string)
            .ok_or_else(|| RegistryError::Malformed {
                registry: repo.registry.clone(),
                what,
                message: "no Docker-Content-Digest header".into(),
            })
    }

    /// GET (HEAD with `accept`: a manifest), authenticating on a 401 and
    /// waiting out a 429 or 503.
    async fn get(
        &self,
        repo: &Repository,
        url: &str,
        what: &str,
        accept: Option<&str>,
    ) -> Result<(HeaderMap, Vec<u8>), RegistryError> {
        // Credentials never go over plain HTTP the repository asked for.
        let creds =
            match self.base(repo).starts_with("https://") || self.operator_allows_plain(repo) {
                true => self.credentials.get(&repo.registry).cloned(),
                false => None,
            };
        let key = (repo.registry.clone(), repo.path.clone());
        let mut authorization = self.tokens.lock().await.get(&key).cloned();
        let mut authenticated = false;
        let mut attempts = 0;
        loop {
            attempts += 1;
            let mut request = match accept {
                Some(a) => self.http.head(url).header(ACCEPT, a),
                None => self.http.get(url),
            };
            if let Some(a) = &authorization {
                request = request.header(AUTHORIZATION, a);
            }
            let response = request
                .send()
                .await
                .map_err(|e| RegistryError::Unreachable {
                    registry: repo.registry.clone(),
                    message: format!("{what}: {}", without_url(&e)),
                })?;
            let status = response.status();
            let headers = response.headers().clone();
            if status == StatusCode::UNAUTHORIZED && !authenticated {
                authenticated = true;
                let challenge = headers
                    .get(WWW_AUTHENTICATE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                authorization = Some(
                    self.authorize(repo, &challenge, creds.as_ref(), what)
                        .await?,
                );
                continue;
            }
            if matches!(
                status,
                StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
            ) && attempts < ATTEMPTS
            {
                let wait = headers
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|s| s.trim().parse::<u64>().ok())
                    .map_or(Duration::from_secs(1), Duration::from_secs)
                    .min(MOST_WAIT);
                tracing::info!(registry = %repo.registry, wait_s = wait.as_secs(), "registry asked to wait");
                tokio::time::sleep(wait).await;
                continue;
            }
            if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
                return Err(RegistryError::Unauthorized {
                    registry: repo.registry.clone(),
                    what: what.to_string(),
                    with_credentials: creds.is_some(),
                });
            }
            if !status.is_success() {
                return Err(RegistryError::Status {
                    registry: repo.registry.clone(),
                    what: what.to_string(),
                    status: status.as_u16(),
                });
            }
            let body = response
                .bytes()
                .await
                .map_err(|e| RegistryError::Unreachable {
                    registry: repo.registry.clone(),
                    message: format!("{what}: {}", without_url(&e)),
                })?;
            if let Some(a) = authorization {
                self.tokens.lock().await.insert(key, a);
            }
            return Ok((headers, body.to_vec()));
        }
    }

    /// The Authorization header a challenge asks for.
    async fn authorize(
        &self,
        repo: &Repository,
        challenge: &str,
        creds: Option<&(String, String)>,
        what: &str,
    ) -> Result<String, RegistryError> {
        let basic = creds.map(|(u, p)| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
            )
        });
        let unauthorized = || RegistryError::Unauthorized {
            registry: repo.registry.clone(),
            what: what.to_string(),
            with_credentials: creds.is_some(),
        };
        let (scheme, params) = challenge.split_once(' ').unwrap_or((challenge, ""));
        if scheme.eq_ignore_ascii_case("basic") {
            return basic.ok_or_else(unauthorized);
        }
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(unauthorized());
        }
        let params = challenge_params(params);
        let realm = params.get("realm").ok_or_else(unauthorized)?;
        let scope = params
            .get("scope")
            .cloned()
            .unwrap_or_else(|| format!("repository:{}:pull", repo.path));
        let mut url = reqwest::Url::parse(realm).map_err(|e| RegistryError::Malformed {
            registry: repo.registry.clone(),
            what: "the token realm".into(),
            message: e.to_string(),
        })?;
        realm_allowed(&url, &self.base(repo)).map_err(|message| RegistryError::Malformed {
            registry: repo.registry.clone(),
            what: "the token realm".into(),
            message,
        })?;
        {
            let mut q = url.query_pairs_mut();
            if let Some(service) = params.get("service") {
                q.append_pair("service", service);
            }
            q.append_pair("scope", &scope);
        }
        let mut request = self.http.get(url);
        if let Some(b) = &basic {
            request = request.header(AUTHORIZATION, b);
        }
        let response = request
            .send()
            .await
            .map_err(|e| RegistryError::Unreachable {
                registry: repo.registry.clone(),
                message: format!("the token server: {}", without_url(&e)),
            })?;
        if !response.status().is_success() {
            return Err(unauthorized());
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| RegistryError::Unreachable {
                registry: repo.registry.clone(),
                message: format!("the token server: {}", without_url(&e)),
            })?;
        let json: serde_json::Value =
            serde_json::from_slice(&body).map_err(|e| RegistryError::Malformed {
                registry: repo.registry.clone(),
                what: "the token".into(),
                message: format!("not JSON: {e}"),
            })?;
        json.get("token")
            .or_else(|| json.get("access_token"))
            .and_then(|t| t.as_str())
            .map(|t| format!("Bearer {t}"))
            .ok_or_else(|| RegistryError::Malformed {
                registry: repo.registry.clone(),
                what: "the token".into(),
                message: "no token in the answer".into(),
            })
    }
}

/// Whether gitsync may ask `realm` for a token for the registry at
/// `base`, sending it the registry's credentials: over HTTPS (plain HTTP
/// only for a registry reached over it), and never at a private,
/// loopback or link-local address (the cloud metadata service among
/// them) unless the registry itself is at one, as a registry on this
/// machine or network with its own token server is.
fn realm_allowed(realm: &reqwest::Url, base: &str) -> Result<(), String> {
    let plain = base.starts_with("http://");
    match realm.scheme() {
        "https" => {}
        "http" if plain => {}
        other => {
            return Err(format!(
                "scheme {other:?} refused: a token realm must be https (http only for a registry reached over http)"
            ));
        }
    }
    let private = |url: &reqwest::Url| {
        let host = url.host_str().unwrap_or_default();
        if host == "localhost" {
            return true;
        }
        match host.trim_start_matches('[').trim_end_matches(']').parse() {
            Ok(std::net::IpAddr::V4(ip)) => {
                ip.is_private() || ip.is_loopback() || ip.is_link_local() || ip.is_unspecified()
            }
            Ok(std::net::IpAddr::V6(ip)) => {
                ip.is_loopback()
                    || ip.is_unspecified()
                    || (ip.segments()[0] & 0xfe00) == 0xfc00
                    || (ip.segments()[0] & 0xffc0) == 0xfe80
            }
            Err(_) => false,
        }
    };
    let registry_private = reqwest::Url::parse(base).is_ok_and(|r| private(&r));
    if private(realm) && !registry_private {
        return Err(format!(
            "{} is a private, loopback or link-local address and the registry is not: refused, so that a registry cannot send its credentials there",
            realm.host_str().unwrap_or_default()
        ));
    }
    Ok(())
}

/// A reqwest error without its URL (which may carry a token's query).
fn without_url(e: &reqwest::Error) -> String {
    let mut e = e.to_string();
    if let Some(i) = e.find(" for url (") {
        e.truncate(i);
    }
    e
}

/// `realm="…",service="…",scope="…"`.
fn challenge_params(s: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut rest = s.trim();
    while let Some((key, after)) = rest.split_once('=') {
        let key = key
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        let after = after.trim_start();
        let (value, next) = match after.strip_prefix('"') {
            Some(q) => match q.find('"') {
                Some(end) => (&q[..end], &q[end + 1..]),
                None => (q, ""),
            },
            None => after.split_once(',').unwrap_or((after, "")),
        };
        out.insert(key, value.to_string());
        rest = next.trim_start_matches(',').trim();
    }
    out
}

/// The `rel="next"` target of a `Link` header.
fn next_link(headers: &HeaderMap) -> Option<String> {
    let link = headers.get(LINK)?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        params.contains("rel=\"next\"").then(|| {
            target
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_name_their_registry() {
        let r = Repository::parse("127.0.0.1:5000/team/app");
        assert_eq!(
            (r.registry.as_str(), r.path.as_str()),
            ("127.0.0.1:5000", "team/app")
        );
        assert_eq!(Repository::parse("nginx").path, "library/nginx");
        assert_eq!(Repository::parse("org/app").registry, "docker.io");
        assert_eq!(Repository::parse("ghcr.io/org/app").registry, "ghcr.io");
    }

    /// A registry on loopback answering `GET /v2/web/tags/list`: 401
    /// asking for Basic until a request carries an Authorization header
    /// (when `wants_basic`), else 200. Returns its host and the
    /// Authorization header of each request.
    fn fake_registry(
        wants_basic: bool,
    ) -> (
        String,
        std::sync::Arc<std::sync::Mutex<Vec<Option<String>>>>,
    ) {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let host = listener.local_addr().unwrap().to_string();
        let seen: std::sync::Arc<std::sync::Mutex<Vec<Option<String>>>> = Default::default();
        let record = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut auth = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                        break;
                    }
                    if let Some((k, v)) = line.split_once(':')
                        && k.eq_ignore_ascii_case("authorization")
                    {
                        auth = Some(v.trim().to_string());
                    }
                }
                record.lock().unwrap().push(auth.clone());
                let answer = if wants_basic && auth.is_none() {
                    "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"r\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string()
                } else {
                    let body = r#"{"name": "web", "tags": ["1.0.0"]}"#;
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    )
                };
                let _ = stream.write_all(answer.as_bytes());
            }
        });
        (host, seen)
    }

    #[tokio::test]
    async fn what_one_registry_took_is_not_sent_to_another_with_the_same_path() {
        let (a, _) = fake_registry(true);
        let (b, at_b) = fake_registry(false);
        let credentials = Credentials(HashMap::from([(
            a.clone(),
            ("bot".to_string(), "secret".to_string()),
        )]));
        let client = Client::new(credentials, Vec::new()).unwrap();
        let web = |host: &str| Repository::parse(&format!("{host}/web"));
        assert_eq!(client.tags(&web(&a)).await.unwrap(), ["1.0.0"]);
        assert_eq!(client.tags(&web(&b)).await.unwrap(), ["1.0.0"]);
        assert_eq!(
            *at_b.lock().unwrap(),
            [None],
            "registry {b} got no Authorization meant for {a}"
        );
    }

    #[test]
    fn challenges_and_links_are_read() {
        let p = challenge_params(
            r#"realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull""#,
        );
        assert_eq!(p["realm"], "https://auth.example/token");
        let realm = |s: &str| reqwest::Url::parse(s).unwrap();
        let public = "https://registry.example";
        assert!(realm_allowed(&realm("https://auth.example/token"), public).is_ok());
        for bad in [
            "http://auth.example/token",
            "https://169.254.169.254/latest",
            "https://10.0.0.1/token",
            "https://[::1]/token",
        ] {
            assert!(realm_allowed(&realm(bad), public).is_err(), "{bad}");
        }
        let local = "http://127.0.0.1:5000";
        assert!(realm_allowed(&realm("http://127.0.0.1:5001/token"), local).is_ok());
        assert_eq!(p["scope"], "repository:a/b:pull");
        let mut h = HeaderMap::new();
        h.insert(
            LINK,
            r#"</v2/app/tags/list?n=100&last=x>; rel="next""#.parse().unwrap(),
        );
        assert_eq!(
            next_link(&h).as_deref(),
            Some("/v2/app/tags/list?n=100&last=x")
        );
    }
}
