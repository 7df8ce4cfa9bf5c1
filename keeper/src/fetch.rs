//! Job inputs, models and claimed layer lists, content addressed: each is stored under its hash
//! (`0x…` lowercase hex) in a local directory or behind an `http://` base URL. Content that does
//! not hash to its name is treated as missing, never used.

use std::path::PathBuf;

use alloy::primitives::{B256, keccak256};
use anyhow::{Context, bail};

/// Where the keeper fetches from.
#[derive(Clone, Debug)]
pub enum Source {
    Dir(PathBuf),
    Http(url::Url),
}

impl Source {
    /// `http://host/base/` or a directory path. (`https://` needs a TLS stack this build leaves
    /// out to stay lean: put a local TLS-terminating proxy in front.)
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        if text.starts_with("http://") {
            let mut url =
                url::Url::parse(text).with_context(|| format!("verifier.source {text}"))?;
            if !url.path().ends_with('/') {
                url.set_path(&format!("{}/", url.path()));
            }
            return Ok(Source::Http(url));
        }
        if text.starts_with("https://") {
            bail!(
                "verifier.source {text}: https is not built in; use http:// (a local TLS proxy) or a directory"
            );
        }
        if text.contains("://") {
            bail!("verifier.source {text}: only a directory or an http:// URL is supported");
        }
        Ok(Source::Dir(PathBuf::from(text)))
    }

    /// Checks that a directory source exists (an HTTP source is checked when used).
    pub fn check(&self) -> anyhow::Result<()> {
        if let Source::Dir(dir) = self
            && !dir.is_dir()
        {
            bail!("verifier.source {} is not a directory", dir.display());
        }
        Ok(())
    }

    /// The object named `name`: `None` when absent, an error when the source failed (retry).
    pub async fn get(&self, name: B256) -> anyhow::Result<Option<Vec<u8>>> {
        let file = format!("{name}");
        match self {
            Source::Dir(dir) => match tokio::fs::read(dir.join(&file)).await {
                Ok(bytes) => Ok(Some(bytes)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e).with_context(|| format!("reading {}", dir.join(&file).display())),
            },
            Source::Http(base) => {
                let url = base.join(&file)?;
                let response = reqwest::get(url.clone())
                    .await
                    .with_context(|| format!("fetching {url}"))?;
                match response.status() {
                    s if s == reqwest::StatusCode::NOT_FOUND => Ok(None),
                    s if s.is_success() => Ok(Some(response.bytes().await?.to_vec())),
                    s => bail!("fetching {url}: HTTP {s}"),
                }
            }
        }
    }

    /// The object whose keccak256 is `hash`; content that hashes otherwise counts as absent.
    pub async fn get_hashed(&self, hash: B256) -> anyhow::Result<Option<Vec<u8>>> {
        Ok(self.get(hash).await?.filter(|bytes| {
            let ok = keccak256(bytes) == hash;
            if !ok {
                tracing::warn!(%hash, "fetched content does not match its hash; ignoring it");
            }
            ok
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn directory_source_checks_hashes() {
        let dir = std::env::temp_dir().join(format!("keeper-fetch-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = b"input bytes".to_vec();
        let hash = keccak256(&good);
        std::fs::write(dir.join(format!("{hash}")), &good).unwrap();
        let liar = keccak256(b"something else");
        std::fs::write(dir.join(format!("{liar}")), b"not it").unwrap();

        let source = Source::parse(dir.to_str().unwrap()).unwrap();
        source.check().unwrap();
        assert_eq!(source.get_hashed(hash).await.unwrap(), Some(good));
        assert_eq!(source.get_hashed(liar).await.unwrap(), None);
        assert_eq!(source.get_hashed(keccak256(b"absent")).await.unwrap(), None);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn sources_parse() {
        assert!(
            matches!(Source::parse("http://h:8/x").unwrap(), Source::Http(u) if u.as_str() == "http://h:8/x/")
        );
        assert!(Source::parse("https://h").is_err());
        assert!(Source::parse("s3://b").is_err());
        assert!(Source::parse("/no/such/dir").unwrap().check().is_err());
    }
}
