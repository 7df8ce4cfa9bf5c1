//! Reading files that others drop (the spot-check inbox, the agent's archive) without trusting
//! them: only a regular file is opened (a symlink could point anywhere, a directory cannot be
//! read, and opening a FIFO blocks until someone writes to it), and never more than a cap,
//! checked from its size before anything is allocated and again while reading (it may grow).

use std::{io::Read, path::Path};

/// Why a dropped file was not read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("not a regular file (a {0})")]
    NotAFile(&'static str),
    #[error("{len} bytes, over the {cap}-byte cap")]
    TooBig { len: u64, cap: u64 },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// What kind of thing `path` is when it is not a regular file (not following a symlink).
pub fn kind(path: &Path) -> std::io::Result<Option<&'static str>> {
    let t = std::fs::symlink_metadata(path)?.file_type();
    Ok(if t.is_file() {
        None
    } else if t.is_symlink() {
        Some("symlink")
    } else if t.is_dir() {
        Some("directory")
    } else {
        Some("special file")
    })
}

/// The bytes of the regular file `path`, if it holds at most `cap` bytes.
pub fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, FileError> {
    if let Some(k) = kind(path)? {
        return Err(FileError::NotAFile(k));
    }
    let len = std::fs::symlink_metadata(path)?.len();
    if len > cap {
        return Err(FileError::TooBig { len, cap });
    }
    let mut bytes = Vec::with_capacity(len as usize);
    std::fs::File::open(path)?
        .take(cap + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(FileError::TooBig {
            len: bytes.len() as u64,
            cap,
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_within_the_cap_are_read() {
        let dir = std::env::temp_dir().join(format!("keeper-files-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        let small = dir.join("small");
        std::fs::write(&small, b"12345").unwrap();
        assert_eq!(read_capped(&small, 5).unwrap(), b"12345");
        assert!(matches!(
            read_capped(&small, 4),
            Err(FileError::TooBig { len: 5, cap: 4 })
        ));
        assert!(matches!(
            read_capped(&dir.join("sub"), 5),
            Err(FileError::NotAFile("directory"))
        ));
        std::os::unix::fs::symlink(&small, dir.join("link")).unwrap();
        assert!(matches!(
            read_capped(&dir.join("link"), 5),
            Err(FileError::NotAFile("symlink"))
        ));
        assert!(matches!(
            read_capped(&dir.join("absent"), 5),
            Err(FileError::Io(_))
        ));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
