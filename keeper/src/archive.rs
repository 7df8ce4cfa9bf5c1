//! The orchestrator's agent's job archive: the directory where the serving node writes, per job,
//! every tensor its receipt commits to (the input and each op's output), so that the agent can
//! answer any reveal and the final step of a proof game against that receipt.
//!
//! * `r<round>-<commitment root>.job`: [`verifier::game::JobTensors::to_archive`], named by the
//!   receipt's round (for pruning) and its commitment root (how a game finds it); checked
//!   against that root when read, so a stale or corrupt file is never answered from.
//! * `<model id>`: the model file (the final step opens the model), loaded only if it hashes to
//!   its model id.
//!
//! A job is kept for its liability window: the statute of limitations (a dispute can be opened
//! until then) plus the longest game (`MAX_DEPTH + 1` move windows), then pruned, unless a game
//! this keeper plays still needs it.

use std::path::{Path, PathBuf};

use alloy::primitives::B256;
use anyhow::Context;
use verifier::game::JobTensors;

use crate::files::{FileError, read_capped};

/// The archive directory.
#[derive(Clone, Debug)]
pub struct Archive {
    dir: PathBuf,
    /// The largest file read (a job or a model), checked before reading.
    cap: u64,
}

/// The suffix of a job's file: `-<commitment root>.job`.
fn suffix(root: B256) -> String {
    format!("-{root}.job")
}

/// The round in a job file's name (`r<round>-…`).
fn round_of(name: &str) -> Option<u64> {
    name.strip_prefix('r')?.split('-').next()?.parse().ok()
}

impl Archive {
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
            cap: content::Limits::default().max_bytes,
        }
    }

    /// The same archive, reading no file over `cap` bytes (the keeper: `verifier.max_object_mib`).
    pub fn capped(mut self, cap: u64) -> Self {
        self.cap = cap;
        self
    }

    /// Writes a served job (the serving node's side; the tests and tools use it): to a temporary
    /// name first, then renamed, so a reader never sees half a file. Returns its path and size.
    pub fn write(&self, round: u64, job: &JobTensors) -> anyhow::Result<(PathBuf, usize)> {
        std::fs::create_dir_all(&self.dir)
            .with_context(|| format!("creating {}", self.dir.display()))?;
        let root = B256::from(job.commitment());
        let path = self.dir.join(format!("r{round}{}", suffix(root)));
        let tmp = path.with_extension("tmp");
        let bytes = job.to_archive();
        std::fs::write(&tmp, &bytes).with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, &path).with_context(|| format!("renaming {}", tmp.display()))?;
        Ok((path, bytes.len()))
    }

    /// Writes a model file under its model id.
    pub fn write_model(&self, id: B256, bytes: &[u8]) -> anyhow::Result<()> {
        std::fs::create_dir_all(&self.dir)
            .with_context(|| format!("creating {}", self.dir.display()))?;
        let path = self.dir.join(format!("{id}"));
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))
    }

    /// The job committed to `root`, if archived (an error if its file does not rebuild `root`).
    pub fn load(&self, root: B256) -> anyhow::Result<Option<JobTensors>> {
        let Some(path) = self.find(root)? else {
            return Ok(None);
        };
        let bytes = read_capped(&path, self.cap)
            .with_context(|| format!("refusing archive file {}", path.display()))?;
        JobTensors::from_archive(&bytes, Some(&root.0))
            .map(Some)
            .with_context(|| format!("archive {}", path.display()))
    }

    /// The model file named by `id`, if there.
    pub fn model(&self, id: B256) -> anyhow::Result<Option<Vec<u8>>> {
        let path = self.dir.join(format!("{id}"));
        match read_capped(&path, self.cap) {
            Ok(b) => Ok(Some(b)),
            Err(FileError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("refusing model file {}", path.display())),
        }
    }

    fn find(&self, root: B256) -> anyhow::Result<Option<PathBuf>> {
        let want = suffix(root);
        Ok(self
            .jobs()?
            .into_iter()
            .find(|(_, name)| name.ends_with(&want))
            .map(|(p, _)| p))
    }

    /// Every job file: (path, file name).
    fn jobs(&self) -> anyhow::Result<Vec<(PathBuf, String)>> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e).with_context(|| format!("listing {}", self.dir.display())),
        };
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".job") {
                out.push((entry.path(), name));
            }
        }
        Ok(out)
    }

    /// Removes the jobs of rounds before `oldest_kept`, except those committed to a root in
    /// `live` (a game still needs them). Returns how many were removed.
    pub fn prune(&self, oldest_kept: u64, live: &[B256]) -> anyhow::Result<usize> {
        let mut removed = 0;
        for (path, name) in self.jobs()? {
            let needed = live.iter().any(|r| name.ends_with(&suffix(*r)));
            if round_of(&name).is_some_and(|r| r < oldest_kept) && !needed {
                std::fs::remove_file(&path)
                    .with_context(|| format!("removing {}", path.display()))?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

/// The first round whose jobs are still liable in round `now`: a receipt of round `r` can be
/// disputed until `r + statute`, and its game lasts at most `MAX_DEPTH + 1` move windows
/// (`game_blocks`), about `game_blocks / round_length` rounds more (rounded up, plus one for the
/// round the game opens in).
pub fn oldest_liable_round(now: u64, statute: u64, game_blocks: u64, round_length: u64) -> u64 {
    let game_rounds = game_blocks.div_ceil(round_length.max(1)) + 1;
    now.saturating_sub(statute + game_rounds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_are_found_by_root_checked_and_pruned_by_round() {
        let dir = std::env::temp_dir().join(format!("keeper-archive-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let a = Archive::new(&dir);
        let job = |salt: u8| JobTensors::new(vec![salt; 40], vec![vec![salt ^ 1; 70]]);
        let (old, new) = (job(1), job(2));
        let (_, size) = a.write(3, &old).unwrap();
        assert_eq!(size, 12 + 8 * 2 + 40 + 70);
        a.write(9, &new).unwrap();
        let root = |j: &JobTensors| B256::from(j.commitment());
        assert_eq!(a.load(root(&old)).unwrap().unwrap(), old);
        assert!(a.load(B256::repeat_byte(7)).unwrap().is_none());
        // A file whose tensors are not its root's is refused, not answered from.
        let path = a.find(root(&new)).unwrap().unwrap();
        std::fs::write(&path, old.to_archive()).unwrap();
        assert!(a.load(root(&new)).is_err());
        // A file over the cap, or one that is not a regular file, is refused before reading.
        assert!(a.clone().capped(100).load(root(&old)).is_err());
        std::fs::remove_file(&path).unwrap();
        std::fs::create_dir(&path).unwrap();
        let refused = format!("{:#}", a.load(root(&new)).unwrap_err());
        assert!(refused.contains("directory"), "{refused}");
        std::fs::remove_dir(&path).unwrap();
        std::fs::write(dir.join(format!("{}", B256::repeat_byte(9))), vec![0; 200]).unwrap();
        assert!(a.clone().capped(100).model(B256::repeat_byte(9)).is_err());
        assert!(a.model(B256::repeat_byte(8)).unwrap().is_none());
        // Round 3 goes at oldest 4 unless a game needs it.
        assert_eq!(a.prune(4, &[root(&old)]).unwrap(), 0);
        assert_eq!(a.prune(4, &[]).unwrap(), 1);
        assert!(a.load(root(&old)).unwrap().is_none());
        assert_eq!(oldest_liable_round(100, 2, 33 * 300, 5760), 95);
        assert_eq!(oldest_liable_round(3, 2, 33 * 300, 5760), 0);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
