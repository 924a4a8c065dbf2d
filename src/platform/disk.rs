//! Free space on the disk that holds a folder (the data folder's disk-space watch).

use std::io;
use std::path::Path;

/// Bytes an unprivileged program may still write on the disk holding `path`.
#[cfg(unix)]
pub fn free_bytes(path: &Path) -> io::Result<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path holds a NUL byte"))?;
    let mut stats = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: c_path is NUL-terminated and stats points to writable memory of the right type;
    // statvfs fills it completely when it returns 0.
    let result = unsafe { libc::statvfs(c_path.as_ptr(), stats.as_mut_ptr()) };
    if result != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: statvfs returned 0, so the struct is initialised.
    let stats = unsafe { stats.assume_init() };
    #[allow(clippy::useless_conversion)] // the field widths differ between platforms
    let bytes = u64::from(stats.f_bavail).saturating_mul(u64::from(stats.f_frsize));
    Ok(bytes)
}

/// Bytes an unprivileged program may still write on the disk holding `path`.
#[cfg(windows)]
pub fn free_bytes(path: &Path) -> io::Result<u64> {
    use windows_sys::Win32::Storage::FileSystem::GetDiskFreeSpaceExW;
    let wide = super::fs::wide(path);
    let mut available = 0u64;
    // SAFETY: wide is NUL-terminated; the out pointers are valid or null as the API allows.
    let done = unsafe {
        GetDiskFreeSpaceExW(wide.as_ptr(), &mut available, std::ptr::null_mut(), std::ptr::null_mut())
    };
    if done == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(available)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_temporary_folder_has_some_free_space_and_a_missing_one_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(super::free_bytes(dir.path()).unwrap() > 0);
        assert!(super::free_bytes(&dir.path().join("missing")).is_err());
    }
}
