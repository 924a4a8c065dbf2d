//! How the C allocator keeps memory: a console runs for weeks, and its worker threads (camera,
//! lanes, printer) each decode and encode megabyte-sized pictures. glibc's defaults give each
//! thread an arena of its own and raise the threshold for returning large blocks after each
//! one freed, so the freed pictures of a busy hour stay resident for good (measured with
//! `gardu bench console`: 176 MB after 100 entries with the defaults, 148 MB with these).

/// Up to two arenas, large blocks (≥ 128 KiB) mapped and returned on free, and the heap's top
/// trimmed above 128 KiB. Call once, first thing in `main`, before any thread starts.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn tune_allocator() {
    const LARGE: libc::c_int = 128 * 1024;
    for (param, value) in
        [(libc::M_ARENA_MAX, 2), (libc::M_MMAP_THRESHOLD, LARGE), (libc::M_TRIM_THRESHOLD, LARGE)]
    {
        // SAFETY: mallopt only changes allocator settings; called before other threads exist.
        if unsafe { libc::mallopt(param, value) } != 1 {
            tracing::debug!("mallopt({param}, {value}) was refused");
        }
    }
}

/// Other platforms keep their allocator's defaults (Windows' heap returns large blocks).
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn tune_allocator() {}
