//! Durable file replacement: the bytes reach the disk before the new name appears, and the
//! rename survives a power cut.
//!
//! Unix: write, `fsync`, `rename`, `fsync` the folder. Windows: write, `FlushFileBuffers`
//! (what `File::sync_all` calls there), `MoveFileExW` with `MOVEFILE_REPLACE_EXISTING |
//! MOVEFILE_WRITE_THROUGH`; a folder cannot be flushed there, and NTFS journals the rename
//! itself once `WRITE_THROUGH` returns.

#[cfg(unix)]
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

/// Writes `bytes` to `tmp` (created, never shared), flushes it to the disk, then moves it over
/// `target` durably. On failure the temporary file may remain; the caller removes it.
pub fn write_replace(tmp: &Path, target: &Path, bytes: &[u8]) -> io::Result<()> {
    // Owner-only on Unix: journal records carry plates, photos and operator names.
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    replace(tmp, target)?;
    match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => sync_dir(dir),
        _ => sync_dir(Path::new(".")),
    }
}

/// Moves `from` to `to` (same volume), replacing `to`, so that the move is on disk when this
/// returns (Unix: after the caller syncs the folders with [`sync_dir`]).
#[cfg(not(windows))]
pub fn replace(from: &Path, to: &Path) -> io::Result<()> {
    std::fs::rename(from, to)
}

/// Moves `from` to `to` (same volume), replacing `to`, and returns only once the move is on
/// disk (`MOVEFILE_WRITE_THROUGH`).
#[cfg(windows)]
pub fn replace(from: &Path, to: &Path) -> io::Result<()> {
    use windows_sys::Win32::Storage::FileSystem::{
        MOVEFILE_REPLACE_EXISTING, MOVEFILE_WRITE_THROUGH, MoveFileExW,
    };
    let from = wide(from);
    let to = wide(to);
    // SAFETY: both names are NUL-terminated UTF-16 buffers that outlive the call.
    let moved = unsafe {
        MoveFileExW(from.as_ptr(), to.as_ptr(), MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)
    };
    if moved == 0 { Err(io::Error::last_os_error()) } else { Ok(()) }
}

/// Makes a folder's entries (new names, renames) durable: `fsync` on the folder.
#[cfg(unix)]
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir).and_then(|d| d.sync_all())
}

/// Windows cannot open a folder to flush it; [`replace`] writes the rename through instead.
#[cfg(not(unix))]
pub fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// A path as the NUL-terminated UTF-16 string Windows calls take.
#[cfg(windows)]
pub(crate) fn wide(path: &Path) -> Vec<u16> {
    use std::os::windows::ffi::OsStrExt;
    path.as_os_str().encode_wide().chain(std::iter::once(0)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_target_whole_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("record.json");
        std::fs::write(&target, b"old").unwrap();
        let tmp = dir.path().join(".record.json.tmp");
        write_replace(&tmp, &target, b"new record").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new record");
        assert!(!tmp.exists());
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("record.json")]);
    }

    #[test]
    fn a_failed_write_leaves_the_target_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("record.json");
        std::fs::write(&target, b"old").unwrap();
        let tmp = dir.path().join("no-such-folder").join("record.tmp");
        assert!(write_replace(&tmp, &target, b"new").is_err());
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
    }
}
