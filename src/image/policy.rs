//! gitsync.yaml's `images:` policies and how each picks the newest allowed
//! tag: a semver range (Flux's and Helm's syntax: `>=1.2.0 <2`, `^1.2`,
//! `1.x`, `||`), a regex whose named group orders tags numerically or
//! alphabetically, or one tag's digest.

use regex::Regex;
use serde::Deserialize;

/// One `images:` entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PolicyConfig {
    /// What markers name (`# {"$imagepolicy": "NAME"}`).
    pub name: String,
    /// Flux's `NAMESPACE` of `"NAMESPACE:NAME"` markers; any when unset.
    #[serde(default)]
    pub namespace: Option<String>,
    /// `registry/path` (`ghcr.io/org/app`, `127.0.0.1:5000/app`, `nginx`).
    pub image: String,
    #[serde(default)]
    pub semver: Option<String>,
    #[serde(default)]
    pub pattern: Option<String>,
    /// With `pattern`: `numerical` or `alphabetical` (default).
    #[serde(default)]
    pub order: Option<Order>,
    /// Follow this tag's digest: markers get `image@sha256:…`.
    #[serde(default)]
    pub digest: Option<String>,
    /// Tags matching this regex are never chosen.
    #[serde(default)]
    pub exclude: Option<String>,
    /// Paths (prefixes, relative to the repository root) whose markers
    /// this policy may edit; any when empty.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Reach the registry over plain HTTP, as container engines' insecure
    /// registries. The repository says so, so credentials are never sent
    /// over it unless the operator named the host (`--insecure-registry`).
    #[serde(default)]
    pub insecure: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    Numerical,
    Alphabetical,
}

/// A policy, compiled.
#[derive(Debug, Clone)]
pub struct Policy {
    pub config: PolicyConfig,
    rule: Rule,
    exclude: Option<Regex>,
}

#[derive(Debug, Clone)]
enum Rule {
    /// Any of these ranges (`||`).
    Semver(Vec<semver::VersionReq>),
    Pattern(Regex, Order),
    Digest(String),
}

/// The newest allowed tag, and why the others were passed over.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Choice {
    pub tag: String,
    /// (tag, why), newest first for those the rule could order.
    pub passed_over: Vec<(String, String)>,
}

impl Policy {
    /// Compiles a policy; the message says what is wrong.
    pub fn compile(config: &PolicyConfig) -> Result<Policy, String> {
        let what = format!("image policy {:?}", config.name);
        if config.name.trim().is_empty() {
            return Err("an image policy has an empty name".into());
        }
        if config.image.trim().is_empty() || config.image.contains(['@', ' ']) {
            return Err(format!(
                "{what}: image {:?} must be registry/path, without a tag or digest",
                config.image
            ));
        }
        let rules = [&config.semver, &config.pattern, &config.digest]
            .iter()
            .filter(|r| r.is_some())
            .count();
        if rules != 1 {
            return Err(format!(
                "{what}: give exactly one of semver, pattern or digest"
            ));
        }
        let rule = if let Some(range) = &config.semver {
            Rule::Semver(semver_ranges(range).map_err(|e| format!("{what}: semver: {e}"))?)
        } else if let Some(p) = &config.pattern {
            let re = Regex::new(p).map_err(|e| format!("{what}: pattern: {e}"))?;
            Rule::Pattern(re, config.order.unwrap_or(Order::Alphabetical))
        } else {
            Rule::Digest(config.digest.clone().unwrap_or_default())
        };
        if config.order.is_some() && config.pattern.is_none() {
            return Err(format!("{what}: order goes with pattern"));
        }
        let exclude = config
            .exclude
            .as_deref()
            .map(Regex::new)
            .transpose()
            .map_err(|e| format!("{what}: exclude: {e}"))?;
        Ok(Policy {
            config: config.clone(),
            rule,
            exclude,
        })
    }

    /// The tag whose digest this policy follows, if it is a digest policy.
    pub fn digest_of(&self) -> Option<&str> {
        match &self.rule {
            Rule::Digest(tag) => Some(tag),
            _ => None,
        }
    }

    /// The newest tag of `tags` the policy allows.
    pub fn choose(&self, tags: &[String]) -> Result<Choice, String> {
        let mut passed_over = Vec::new();
        let mut allowed: Vec<&String> = Vec::new();
        for t in tags {
            if self.exclude.as_ref().is_some_and(|re| re.is_match(t)) {
                passed_over.push((t.clone(), "excluded".to_string()));
            } else {
                allowed.push(t);
            }
        }
        let tag = match &self.rule {
            Rule::Digest(tag) => allowed.iter().find(|t| *t == &tag).map(|t| t.to_string()),
            Rule::Semver(ranges) => {
                let mut versions: Vec<(semver::Version, &String)> = Vec::new();
                for t in allowed {
                    match semver::Version::parse(t.strip_prefix('v').unwrap_or(t)) {
                        Ok(v) if ranges.iter().any(|r| r.matches(&v)) => versions.push((v, t)),
                        Ok(_) => passed_over.push((t.clone(), "outside the range".into())),
                        Err(_) => passed_over.push((t.clone(), "not a semver version".into())),
                    }
                }
                versions.sort();
                versions.last().map(|(_, t)| t.to_string())
            }
            Rule::Pattern(re, order) => {
                let mut keyed: Vec<(String, &String)> = Vec::new();
                for t in allowed {
                    let Some(caps) = re
                        .captures(t)
                        .filter(|c| c.get(0).is_some_and(|m| m.as_str() == t.as_str()))
                    else {
                        passed_over.push((t.clone(), "does not match the pattern".into()));
                        continue;
                    };
                    let key = re
                        .capture_names()
                        .flatten()
                        .find_map(|n| caps.name(n))
                        .or_else(|| caps.get(0))
                        .map(|m| m.as_str().to_string())
                        .unwrap_or_default();
                    if *order == Order::Numerical && key.parse::<f64>().is_err() {
                        passed_over.push((t.clone(), format!("{key:?} is not a number")));
                        continue;
                    }
                    keyed.push((key, t));
                }
                match order {
                    Order::Numerical => keyed.sort_by(|a, b| {
                        let n = |s: &str| s.parse::<f64>().unwrap_or(f64::MIN);
                        n(&a.0).total_cmp(&n(&b.0)).then_with(|| a.1.cmp(b.1))
                    }),
                    Order::Alphabetical => keyed.sort(),
                }
                keyed.last().map(|(_, t)| t.to_string())
            }
        };
        match tag {
            Some(tag) => Ok(Choice { tag, passed_over }),
            None => Err(format!(
                "image policy {:?}: no tag of {} is allowed ({} tags, {} passed over)",
                self.config.name,
                self.config.image,
                tags.len(),
                passed_over.len()
            )),
        }
    }
}

/// `>=1.2.0 <2 || ^3` as the semver crate reads it: `||` separates
/// alternatives, spaces separate the comparators of one.
fn semver_ranges(range: &str) -> Result<Vec<semver::VersionReq>, String> {
    range
        .split("||")
        .map(|alt| {
            let mut parts: Vec<String> = Vec::new();
            for token in alt.split_whitespace() {
                // `>= 1.2` (an operator on its own) joins the next token.
                match parts.last_mut() {
                    Some(last) if last.chars().all(|c| "<>=~^".contains(c)) => last.push_str(token),
                    _ => parts.push(token.trim_end_matches(',').to_string()),
                }
            }
            if parts.is_empty() {
                return Err(format!("{range:?} has an empty alternative"));
            }
            semver::VersionReq::parse(&parts.join(", ")).map_err(|e| format!("{range:?}: {e}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(f: impl FnOnce(&mut PolicyConfig)) -> Policy {
        let mut c = PolicyConfig {
            name: "app".into(),
            namespace: None,
            image: "127.0.0.1:5000/app".into(),
            semver: None,
            pattern: None,
            order: None,
            digest: None,
            exclude: None,
            paths: vec![],
            insecure: false,
        };
        f(&mut c);
        Policy::compile(&c).unwrap()
    }

    fn tags(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn semver_picks_the_newest_in_range_without_prereleases() {
        let p = policy(|c| c.semver = Some(">=1.2.0 <2".into()));
        let all = tags(&[
            "1.1.9",
            "1.2.0",
            "v1.10.3",
            "1.9.9",
            "2.0.0",
            "1.11.0-rc.1",
            "latest",
        ]);
        let got = p.choose(&all).unwrap();
        assert_eq!(got.tag, "v1.10.3");
        assert!(
            got.passed_over
                .contains(&("latest".into(), "not a semver version".into()))
        );
        assert!(
            got.passed_over
                .contains(&("1.11.0-rc.1".into(), "outside the range".into()))
        );
        let pre = policy(|c| c.semver = Some(">=1.11.0-rc.0 <2".into()));
        assert_eq!(pre.choose(&all).unwrap().tag, "1.11.0-rc.1");
        let either = policy(|c| c.semver = Some("~1.1 || >= 3".into()));
        assert_eq!(either.choose(&all).unwrap().tag, "1.1.9");
        assert!(
            policy(|c| c.semver = Some("<1".into()))
                .choose(&all)
                .is_err()
        );
    }

    #[test]
    fn patterns_order_by_their_named_group() {
        let all = tags(&["main-9-abc", "main-10-def", "pr-99-x", "main-2-zzz"]);
        let p = policy(|c| {
            c.pattern = Some(r"^main-(?P<n>\d+)-\w+$".into());
            c.order = Some(Order::Numerical);
        });
        assert_eq!(p.choose(&all).unwrap().tag, "main-10-def");
        let a = policy(|c| c.pattern = Some(r"^main-(?P<n>\d+)-(\w+)$".into()));
        assert_eq!(a.choose(&all).unwrap().tag, "main-9-abc");
        let ex = policy(|c| {
            c.pattern = Some(r"^main-(?P<n>\d+)-\w+$".into());
            c.order = Some(Order::Numerical);
            c.exclude = Some("def$".into());
        });
        assert_eq!(ex.choose(&all).unwrap().tag, "main-9-abc");
    }

    #[test]
    fn bad_policies_are_refused() {
        let base = PolicyConfig {
            name: "app".into(),
            namespace: None,
            image: "x/app".into(),
            semver: Some("nope".into()),
            pattern: None,
            order: None,
            digest: None,
            exclude: None,
            paths: vec![],
            insecure: false,
        };
        assert!(Policy::compile(&base).unwrap_err().contains("semver"));
        let two = PolicyConfig {
            pattern: Some("x".into()),
            semver: Some("1".into()),
            ..base.clone()
        };
        assert!(Policy::compile(&two).unwrap_err().contains("exactly one"));
        let tagged = PolicyConfig {
            image: "x/app@sha256:00".into(),
            semver: Some("1".into()),
            ..base
        };
        assert!(Policy::compile(&tagged).is_err());
    }
}
