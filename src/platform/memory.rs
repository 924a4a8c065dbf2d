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

/// The memory page size of the Linux machines Gardu runs on (x86-64). A mapping starts on a
/// page: blocks that need more alignment go to the C allocator.
#[cfg(target_os = "linux")]
const PAGE: usize = 4096;

/// Lets the system drop the resident pages of `bytes`, data built into the program that will
/// not be read again (the plate models once loaded): they are pages of the program's file, so
/// if they are read after all they come back from it, unchanged.
#[cfg(target_os = "linux")]
pub fn forget_pages(bytes: &'static [u8]) {
    // Whole pages inside the slice only: its first and last pages may hold other data.
    let start = (bytes.as_ptr() as usize).next_multiple_of(PAGE);
    let end = (bytes.as_ptr() as usize + bytes.len()) / PAGE * PAGE;
    if end > start {
        // SAFETY: read-only pages of the program's own file mapping, never written: dropping
        // them only makes the next read fault them in from the file again.
        unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTNEED) };
    }
}

/// Other platforms: the pages stay until the system needs them.
#[cfg(not(target_os = "linux"))]
pub fn forget_pages(_bytes: &'static [u8]) {}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub use large_blocks::LargeBlocks;

/// Blocks of megabytes on huge pages.
///
/// With large blocks mapped and returned on free (see [`tune_allocator`]), every block the plate
/// reader's models allocate for a layer's output is fresh memory, which the kernel hands out a
/// 4 KiB page per fault: a read took p50 808 ms instead of 475 with glibc's defaults (200
/// photos, `cargo bench --bench anpr`). Blocks of [`HUGE`] and more are mapped here with
/// `MADV_HUGEPAGE`, so they fault in 2 MiB at a time (p50 586 ms, the same peak memory), and
/// are still returned on free; the rest go to the C allocator. glibc's `glibc.malloc.hugetlb=1`
/// tunable does the same, but only from the environment the program was started with.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod large_blocks {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::ptr;

    /// Blocks this large or larger are mapped on their own with huge pages.
    pub const HUGE: usize = 2 * 1024 * 1024;
    use super::PAGE;

    /// The booth binary's global allocator (`#[global_allocator]` in `main.rs`).
    pub struct LargeBlocks;

    fn mapped(layout: Layout) -> bool {
        layout.size() >= HUGE && layout.align() <= PAGE
    }

    /// A fresh anonymous mapping (zeroed by the kernel), or null.
    fn map(size: usize) -> *mut u8 {
        // SAFETY: a new private anonymous mapping touches no existing memory.
        let at = unsafe {
            libc::mmap(
                ptr::null_mut(),
                size,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if at == libc::MAP_FAILED {
            return ptr::null_mut();
        }
        // SAFETY: advice on the mapping just made; refused advice (huge pages switched off)
        // leaves ordinary pages.
        unsafe { libc::madvise(at, size, libc::MADV_HUGEPAGE) };
        at.cast()
    }

    // SAFETY: every block is either a mapping of its own, made and unmapped here by its size
    // (the same layout is passed to `dealloc` as to `alloc`), or the C allocator's.
    unsafe impl GlobalAlloc for LargeBlocks {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            // SAFETY: the caller's layout contract is passed on.
            if mapped(layout) { map(layout.size()) } else { unsafe { System.alloc(layout) } }
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            // SAFETY: as `alloc`; a fresh mapping is zeroed already.
            if mapped(layout) { map(layout.size()) } else { unsafe { System.alloc_zeroed(layout) } }
        }

        unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
            if mapped(layout) {
                // SAFETY: `block` is a mapping of `layout.size()` bytes made by `map`.
                unsafe { libc::munmap(block.cast(), layout.size()) };
            } else {
                // SAFETY: `block` came from the C allocator with this layout.
                unsafe { System.dealloc(block, layout) }
            }
        }

        unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            // SAFETY: the caller guarantees `new_size` is a valid size for `layout.align()`.
            let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
            match (mapped(layout), mapped(new_layout)) {
                // SAFETY: `block` came from the C allocator with `layout`.
                (false, false) => unsafe { System.realloc(block, layout, new_size) },
                (true, true) => {
                    // SAFETY: `block` is a mapping of `layout.size()` bytes; the kernel moves
                    // or grows it, its advice with it.
                    let at =
                        unsafe { libc::mremap(block.cast(), layout.size(), new_size, libc::MREMAP_MAYMOVE) };
                    if at == libc::MAP_FAILED { ptr::null_mut() } else { at.cast() }
                }
                // Across the size line: a new block from the other side, the bytes copied.
                _ => {
                    // SAFETY: as `alloc`.
                    let new = unsafe { self.alloc(new_layout) };
                    if !new.is_null() {
                        // SAFETY: both blocks are live and at least this long; they differ.
                        unsafe {
                            ptr::copy_nonoverlapping(block, new, layout.size().min(new_size));
                            self.dealloc(block, layout);
                        }
                    }
                    new
                }
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// Blocks on both sides of the line keep their bytes through growing, shrinking and
        /// crossing it, and come back zeroed when asked.
        #[test]
        fn blocks_keep_their_bytes_across_the_size_line() {
            let a = LargeBlocks;
            for (from, to) in [(1000, HUGE * 2), (HUGE * 2, 1000), (HUGE, HUGE * 3), (HUGE * 3, HUGE + 1)] {
                let layout = Layout::from_size_align(from, 8).unwrap();
                // SAFETY: a valid layout; every block is freed with the layout it has.
                unsafe {
                    let block = a.alloc_zeroed(layout);
                    assert!(!block.is_null());
                    let bytes = std::slice::from_raw_parts_mut(block, from);
                    assert!(bytes.iter().all(|&b| b == 0));
                    for (i, b) in bytes.iter_mut().enumerate() {
                        *b = (i % 251) as u8;
                    }
                    let grown = a.realloc(block, layout, to);
                    assert!(!grown.is_null());
                    let kept = std::slice::from_raw_parts(grown, from.min(to));
                    assert!(kept.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8), "{from} → {to}");
                    a.dealloc(grown, Layout::from_size_align(to, 8).unwrap());
                }
            }
        }
    }
}
