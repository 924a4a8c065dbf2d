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
pub use large_blocks::{KeepBlocks, LargeBlocks, kept_bytes};

/// Other platforms keep no blocks: their allocator decides.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub use kept_elsewhere::{KeepBlocks, kept_bytes};

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
mod kept_elsewhere {
    /// Does nothing here (see the Linux allocator).
    pub struct KeepBlocks;

    impl KeepBlocks {
        /// Does nothing here.
        pub fn on_this_thread() -> KeepBlocks {
            KeepBlocks
        }
    }

    /// Nothing is kept here.
    pub fn kept_bytes() -> usize {
        0
    }
}

/// Large blocks mapped on their own and returned on free, megabyte blocks on huge pages, and a
/// thread's own store of freed blocks for work that allocates the same blocks again and again.
///
/// With large blocks returned on free (see [`tune_allocator`]), every block the plate reader's
/// models allocate for a layer's output is fresh memory, which the kernel hands out a page per
/// fault and zeroes. Blocks of [`LARGE`] and more are mapped here, blocks of [`HUGE`] and more
/// with `MADV_HUGEPAGE` so they fault in 2 MiB at a time; both are returned on free, except on
/// a thread inside [`KeepBlocks`]: there a freed block is kept (up to [`KEPT_MAX_BYTES`], the
/// oldest returned first) and handed out again for the next block of the same size, and what
/// is kept is returned when the scope ends. The plate reader reads inside one: 200 photos in
/// the simulated lane's zone took p50 149–157 / p99 231–246 ms, against 173 / 263–331 ms without
/// (`cargo bench --bench anpr`, release); keeping the blocks from one read to the next as well
/// gave p50 122–126 / p99 223–265 ms but held the reader's 60–75 MB between reads.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod large_blocks {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::RefCell;
    use std::ptr;

    use super::PAGE;

    /// Blocks this large or larger are mapped on their own.
    pub const LARGE: usize = 128 * 1024;
    /// Blocks this large or larger are mapped with huge pages.
    pub const HUGE: usize = 2 * 1024 * 1024;
    /// A thread keeps freed blocks up to this many bytes in all.
    pub const KEPT_MAX_BYTES: usize = 96 * 1024 * 1024;
    /// ...and at most this many blocks.
    const KEPT_SLOTS: usize = 256;

    /// The booth binary's global allocator (`#[global_allocator]` in `main.rs`).
    pub struct LargeBlocks;

    fn mapped(layout: Layout) -> bool {
        layout.size() >= LARGE && layout.align() <= PAGE
    }

    /// The pages a mapping of `size` bytes spans, in bytes: blocks of the same span are
    /// interchangeable.
    fn span(size: usize) -> usize {
        size.next_multiple_of(PAGE)
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
        if size >= HUGE {
            // SAFETY: advice on the mapping just made; refused advice (huge pages switched
            // off) leaves ordinary pages.
            unsafe { libc::madvise(at, size, libc::MADV_HUGEPAGE) };
        }
        at.cast()
    }

    fn unmap(block: *mut u8, size: usize) {
        // SAFETY: callers pass a mapping made by `map` (or grown by `mremap`) of this size.
        unsafe { libc::munmap(block.cast(), size) };
    }

    /// One thread's freed blocks: address and span, and when each was kept (0: a free slot).
    struct Kept {
        on: bool,
        blocks: [(usize, usize, u64); KEPT_SLOTS],
        bytes: usize,
        clock: u64,
    }

    impl Kept {
        /// A block of `size`'s span, if one is kept.
        fn take(&mut self, size: usize) -> Option<*mut u8> {
            let span = span(size);
            let slot = self.blocks.iter_mut().find(|(at, kept, _)| *at != 0 && *kept == span)?;
            let at = slot.0;
            *slot = (0, 0, 0);
            self.bytes -= span;
            Some(at as *mut u8)
        }

        /// Keeps `block`, returning the oldest kept blocks to make room; `false` when it is
        /// too large to keep.
        fn keep(&mut self, block: *mut u8, size: usize) -> bool {
            let span = span(size);
            if span > KEPT_MAX_BYTES {
                return false;
            }
            while self.bytes + span > KEPT_MAX_BYTES || self.blocks.iter().all(|(at, _, _)| *at != 0) {
                let oldest = self
                    .blocks
                    .iter_mut()
                    .filter(|(at, _, _)| *at != 0)
                    .min_by_key(|(_, _, when)| *when)
                    .expect("a full store has a block");
                unmap(oldest.0 as *mut u8, oldest.1);
                self.bytes -= oldest.1;
                *oldest = (0, 0, 0);
            }
            self.clock += 1;
            let free = self.blocks.iter_mut().find(|(at, _, _)| *at == 0).expect("room was made");
            *free = (block as usize, span, self.clock);
            self.bytes += span;
            true
        }

        fn release(&mut self) {
            for slot in &mut self.blocks {
                if slot.0 != 0 {
                    unmap(slot.0 as *mut u8, slot.1);
                    *slot = (0, 0, 0);
                }
            }
            self.bytes = 0;
        }
    }

    thread_local! {
        // No destructor (plain integers), so the allocator may use it on any thread at any
        // time; blocks are kept only inside a scope, which returns them as it ends.
        static KEPT: RefCell<Kept> = const {
            RefCell::new(Kept { on: false, blocks: [(0, 0, 0); KEPT_SLOTS], bytes: 0, clock: 0 })
        };
    }

    /// Runs `f` on this thread's store when it is on (and not already in use).
    fn with_kept<R>(f: impl FnOnce(&mut Kept) -> Option<R>) -> Option<R> {
        KEPT.try_with(|kept| {
            kept.try_borrow_mut().ok().filter(|kept| kept.on).and_then(|mut kept| f(&mut kept))
        })
        .ok()
        .flatten()
    }

    /// While it lives, large blocks freed on this thread are kept for the thread's next blocks
    /// of the same size instead of being returned; the outermost scope returns them as it ends.
    pub struct KeepBlocks {
        was: bool,
        /// The scope belongs to the thread whose blocks it keeps (not `Send`).
        thread: std::marker::PhantomData<*const ()>,
    }

    impl KeepBlocks {
        /// Starts keeping this thread's freed large blocks.
        pub fn on_this_thread() -> KeepBlocks {
            let was = KEPT.with_borrow_mut(|kept| std::mem::replace(&mut kept.on, true));
            KeepBlocks { was, thread: std::marker::PhantomData }
        }
    }

    impl Drop for KeepBlocks {
        fn drop(&mut self) {
            KEPT.with_borrow_mut(|kept| {
                kept.on = self.was;
                if !kept.on {
                    kept.release();
                }
            });
        }
    }

    /// The bytes this thread keeps.
    pub fn kept_bytes() -> usize {
        KEPT.with_borrow(|kept| kept.bytes)
    }

    // SAFETY: every block is either a mapping of its own, made here and unmapped (or kept) by
    // its size (the same layout is passed to `dealloc` as to `alloc`; a kept block's span
    // equals its new size's), or the C allocator's.
    unsafe impl GlobalAlloc for LargeBlocks {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            if mapped(layout) {
                with_kept(|kept| kept.take(layout.size())).unwrap_or_else(|| map(layout.size()))
            } else {
                // SAFETY: the caller's layout contract is passed on.
                unsafe { System.alloc(layout) }
            }
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            if !mapped(layout) {
                // SAFETY: as `alloc`.
                return unsafe { System.alloc_zeroed(layout) };
            }
            match with_kept(|kept| kept.take(layout.size())) {
                Some(block) => {
                    // SAFETY: a kept block spans at least `layout.size()` writable bytes.
                    unsafe { ptr::write_bytes(block, 0, layout.size()) };
                    block
                }
                // A fresh mapping is zeroed already.
                None => map(layout.size()),
            }
        }

        unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
            if mapped(layout) {
                if with_kept(|kept| kept.keep(block, layout.size()).then_some(())).is_none() {
                    unmap(block, layout.size());
                }
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
                    // SAFETY: `block` is a mapping of `layout.size()` bytes' span; the kernel
                    // moves or grows it, its advice with it.
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

        /// Blocks on both sides of each line keep their bytes through growing, shrinking and
        /// crossing it, and come back zeroed when asked, kept or not.
        #[test]
        fn blocks_keep_their_bytes_across_the_size_lines() {
            let a = LargeBlocks;
            let cases = [(1000, LARGE * 2), (LARGE * 2, 1000), (LARGE, HUGE * 3), (HUGE * 3, LARGE + 1)];
            for keep in [false, true] {
                let _keep = keep.then(KeepBlocks::on_this_thread);
                for _round in 0..2 {
                    for (from, to) in cases {
                        let layout = Layout::from_size_align(from, 8).unwrap();
                        // SAFETY: a valid layout; every block is freed with the layout it has.
                        unsafe {
                            let block = a.alloc_zeroed(layout);
                            assert!(!block.is_null());
                            let bytes = std::slice::from_raw_parts_mut(block, from);
                            assert!(bytes.iter().all(|&b| b == 0), "kept {keep}: {from} zeroed");
                            for (i, b) in bytes.iter_mut().enumerate() {
                                *b = (i % 251) as u8;
                            }
                            let grown = a.realloc(block, layout, to);
                            assert!(!grown.is_null());
                            let kept = std::slice::from_raw_parts(grown, from.min(to));
                            assert!(
                                kept.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8),
                                "{from} → {to}"
                            );
                            a.dealloc(grown, Layout::from_size_align(to, 8).unwrap());
                        }
                    }
                }
                assert_eq!(kept_bytes() > 0, keep, "kept {keep}");
            }
            assert_eq!(kept_bytes(), 0, "the scope's end returned what it kept");
        }

        /// Inside the scope a freed block of the same span comes back; outside, or past the
        /// limit, blocks are returned; the oldest kept block goes first; the outermost scope
        /// returns what it kept as it ends.
        #[test]
        fn a_thread_keeps_its_blocks_only_inside_the_scope() {
            let a = LargeBlocks;
            let layout = Layout::from_size_align(LARGE * 3, 64).unwrap();
            // SAFETY: valid layouts; every block is freed once with its own layout.
            unsafe {
                let outside = a.alloc(layout);
                a.dealloc(outside, layout);
                assert_eq!(kept_bytes(), 0, "nothing is kept outside the scope");
                {
                    let _keep = KeepBlocks::on_this_thread();
                    let first = a.alloc(layout);
                    a.dealloc(first, layout);
                    assert_eq!(kept_bytes(), span(LARGE * 3));
                    // One byte less spans the same pages: the same block comes back.
                    let same = Layout::from_size_align(LARGE * 3 - 1, 64).unwrap();
                    let again = a.alloc(same);
                    assert_eq!(again, first);
                    assert_eq!(kept_bytes(), 0);
                    a.dealloc(again, same);
                    // Past the limit the oldest goes.
                    let big = Layout::from_size_align(KEPT_MAX_BYTES - PAGE, 64).unwrap();
                    let block = a.alloc(big);
                    a.dealloc(block, big);
                    assert_eq!(kept_bytes(), span(KEPT_MAX_BYTES - PAGE), "the older block was returned");
                    let too_big = Layout::from_size_align(KEPT_MAX_BYTES + 1, 64).unwrap();
                    let block = a.alloc(too_big);
                    a.dealloc(block, too_big);
                    assert_eq!(
                        kept_bytes(),
                        span(KEPT_MAX_BYTES - PAGE),
                        "a block over the limit is not kept"
                    );
                    {
                        let _inner = KeepBlocks::on_this_thread();
                    }
                    assert_eq!(kept_bytes(), span(KEPT_MAX_BYTES - PAGE), "an inner scope returns nothing");
                }
                assert_eq!(kept_bytes(), 0, "the outermost scope returned what it kept");
                let after = a.alloc(layout);
                a.dealloc(after, layout);
                assert_eq!(kept_bytes(), 0, "the scope ended: no more are kept");
            }
        }
    }
}
