//! Job inputs, models and claimed layer lists, content addressed: each is stored under its
//! keccak256 (a model under its model id, the commitment `verifier::opening` computes from the
//! file, which its readers check by loading it) in a local directory or behind an `http://` base
//! URL. The keeper fetches from either to vote; the simulator reads a directory to replay a
//! dispute. Content that does not hash to its name is treated as missing, never used.
//!
//! A directory names an object `0x…` (lowercase hex, the form [`put`] writes and an HTTP source
//! serves); [`find_file`] also accepts the hex without `0x`, in any case, with any extension.

use std::path::{Path, PathBuf};

use alloy_primitives::{B256, hex, keccak256};

/// Why content could not be fetched (a retry may help), or a source not used.
#[derive(Debug, thiserror::Error)]
pub enum ContentError {
    /// The source text is neither a directory nor an `http://` URL.
    #[error("{0}")]
    BadSource(String),
    /// A directory could not be read.
    #[error("reading {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// An HTTP request failed.
    #[error("fetching {url}: {source}")]
    Http {
        /// The object's URL.
        url: url::Url,
        /// What failed.
        source: reqwest::Error,
    },
    /// An HTTP status other than success or 404.
    #[error("fetching {url}: HTTP {status}")]
    Status {
        /// The object's URL.
        url: url::Url,
        /// The status the server answered.
        status: reqwest::StatusCode,
    },
    /// The object is larger than the caller's limit (checked while reading, not after).
    #[error("{what} is larger than the {limit}-byte limit")]
    TooLarge {
        /// The object's URL or path.
        what: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// The fetch took longer than the caller's total timeout.
    #[error("fetching {what}: no complete answer within {secs} s")]
    TimedOut {
        /// The object's URL or path.
        what: String,
        /// The timeout in seconds.
        secs: u64,
    },
}

/// Bounds on one fetch: a source that accepts and never answers, or streams without end, fails
/// this object's fetch instead of holding the caller.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Time to establish the connection (HTTP).
    pub connect_timeout: std::time::Duration,
    /// Time for the whole fetch, body included.
    pub total_timeout: std::time::Duration,
    /// The largest object accepted, in bytes.
    pub max_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            connect_timeout: std::time::Duration::from_secs(5),
            total_timeout: std::time::Duration::from_secs(60),
            max_bytes: 256 << 20,
        }
    }
}

/// Where content is fetched from.
#[derive(Clone, Debug)]
pub enum Source {
    /// A local directory.
    Dir(PathBuf),
    /// An `http://` base URL (ending in `/`).
    Http(url::Url),
}

impl Source {
    /// `http://host/base/` or a directory path. (`https://` needs a TLS stack this build leaves
    /// out to stay lean: put a local TLS-terminating proxy in front.)
    pub fn parse(text: &str) -> Result<Self, ContentError> {
        if text.starts_with("http://") {
            let mut url = url::Url::parse(text)
                .map_err(|e| ContentError::BadSource(format!("verifier.source {text}: {e}")))?;
            if !url.path().ends_with('/') {
                url.set_path(&format!("{}/", url.path()));
            }
            return Ok(Source::Http(url));
        }
        if text.starts_with("https://") {
            return Err(ContentError::BadSource(format!(
                "verifier.source {text}: https is not built in; use http:// (a local TLS proxy) or a directory"
            )));
        }
        if text.contains("://") {
            return Err(ContentError::BadSource(format!(
                "verifier.source {text}: only a directory or an http:// URL is supported"
            )));
        }
        Ok(Source::Dir(PathBuf::from(text)))
    }

    /// Checks that a directory source exists (an HTTP source is checked when used).
    pub fn check(&self) -> Result<(), ContentError> {
        if let Source::Dir(dir) = self
            && !dir.is_dir()
        {
            return Err(ContentError::BadSource(format!(
                "verifier.source {} is not a directory",
                dir.display()
            )));
        }
        Ok(())
    }

    /// The object named `name`: `None` when absent, an error when the source failed (retry).
    /// Every fetch is bounded by `limits`: connect and total timeouts, and a size limit enforced
    /// while the body streams in (a declared `content-length` over it fails before reading).
    pub async fn get(&self, name: B256, limits: &Limits) -> Result<Option<Vec<u8>>, ContentError> {
        let what = match self {
            Source::Dir(dir) => dir.join(format!("{name}")).display().to_string(),
            Source::Http(base) => format!("{base}{name}"),
        };
        let secs = limits.total_timeout.as_secs();
        match tokio::time::timeout(limits.total_timeout, self.get_bounded(name, limits, &what))
            .await
        {
            Ok(result) => result,
            Err(_) => Err(ContentError::TimedOut { what, secs }),
        }
    }

    async fn get_bounded(
        &self,
        name: B256,
        limits: &Limits,
        what: &str,
    ) -> Result<Option<Vec<u8>>, ContentError> {
        let too_large = || ContentError::TooLarge {
            what: what.to_string(),
            limit: limits.max_bytes,
        };
        match self {
            Source::Dir(dir) => {
                let dir = dir.clone();
                let found = tokio::task::spawn_blocking(move || find_file(&dir, name))
                    .await
                    .map_err(|e| {
                        ContentError::BadSource(format!("scanning the directory: {e}"))
                    })??;
                let Some(path) = found else { return Ok(None) };
                match tokio::fs::metadata(&path).await {
                    Ok(m) if m.len() > limits.max_bytes => return Err(too_large()),
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                    Err(source) => return Err(ContentError::Io { path, source }),
                }
                match tokio::fs::read(&path).await {
                    Ok(bytes) if bytes.len() as u64 > limits.max_bytes => Err(too_large()),
                    Ok(bytes) => Ok(Some(bytes)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(source) => Err(ContentError::Io { path, source }),
                }
            }
            Source::Http(base) => {
                let url = base
                    .join(&format!("{name}"))
                    .map_err(|e| ContentError::BadSource(format!("{base}{name}: {e}")))?;
                let http = |source| ContentError::Http {
                    url: url.clone(),
                    source,
                };
                let client = reqwest::Client::builder()
                    .connect_timeout(limits.connect_timeout)
                    .timeout(limits.total_timeout)
                    .build()
                    .map_err(http)?;
                let mut response = client.get(url.clone()).send().await.map_err(http)?;
                match response.status() {
                    s if s == reqwest::StatusCode::NOT_FOUND => return Ok(None),
                    s if s.is_success() => {}
                    status => return Err(ContentError::Status { url, status }),
                }
                if response
                    .content_length()
                    .is_some_and(|n| n > limits.max_bytes)
                {
                    return Err(too_large());
                }
                let mut body = Vec::new();
                while let Some(chunk) = response.chunk().await.map_err(http)? {
                    if (body.len() + chunk.len()) as u64 > limits.max_bytes {
                        return Err(too_large());
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(Some(body))
            }
        }
    }

    /// The object whose keccak256 is `hash`, fetched under `limits`; content that hashes otherwise
    /// counts as absent.
    pub async fn get_hashed(
        &self,
        hash: B256,
        limits: &Limits,
    ) -> Result<Option<Vec<u8>>, ContentError> {
        Ok(self.get(hash, limits).await?.filter(|bytes| {
            let ok = keccak256(bytes) == hash;
            if !ok {
                tracing::warn!(%hash, "fetched content does not match its hash; ignoring it");
            }
            ok
        }))
    }
}

/// The file in `dir` named by `hash`: `0x…` lowercase first, else any file whose name before the
/// first `.` is the hex (with or without `0x`, any case). `None` when there is none.
pub fn find_file(dir: &Path, hash: B256) -> Result<Option<PathBuf>, ContentError> {
    let exact = dir.join(format!("{hash}"));
    if exact.is_file() {
        return Ok(Some(exact));
    }
    let io = |source| ContentError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let hex = hex::encode(hash);
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let stem = name.split('.').next().unwrap_or(name);
        let stem = stem.strip_prefix("0x").unwrap_or(stem);
        if stem.eq_ignore_ascii_case(&hex) {
            return Ok(Some(path));
        }
    }
    Ok(None)
}

/// Stores `bytes` in directory `dir` under their hash (`0x…`); returns the hash.
pub fn put(dir: &Path, bytes: &[u8]) -> Result<B256, ContentError> {
    let hash = keccak256(bytes);
    let path = dir.join(format!("{hash}"));
    std::fs::write(&path, bytes).map_err(|source| ContentError::Io { path, source })?;
    Ok(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn directory_source_checks_hashes() {
        let dir = std::env::temp_dir().join(format!("content-fetch-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = b"input bytes".to_vec();
        let hash = put(&dir, &good).unwrap();
        let liar = keccak256(b"something else");
        std::fs::write(dir.join(format!("{liar}")), b"not it").unwrap();
        let loose = b"named loosely".to_vec();
        std::fs::write(
            dir.join(format!(
                "{}.bin",
                hex::encode(keccak256(&loose)).to_uppercase()
            )),
            &loose,
        )
        .unwrap();

        let source = Source::parse(dir.to_str().unwrap()).unwrap();
        source.check().unwrap();
        assert_eq!(
            source.get_hashed(hash, &Limits::default()).await.unwrap(),
            Some(good)
        );
        assert_eq!(
            source.get_hashed(liar, &Limits::default()).await.unwrap(),
            None
        );
        assert_eq!(
            source
                .get_hashed(keccak256(b"absent"), &Limits::default())
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            source
                .get_hashed(keccak256(&loose), &Limits::default())
                .await
                .unwrap(),
            Some(loose)
        );
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
