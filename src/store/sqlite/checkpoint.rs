//! Copying the write-ahead log back into the database file, on a thread of its own.
//!
//! By default SQLite makes that copy inside the commit that finds the log past 1,000 pages:
//! that commit also writes the log's pages into the database file and waits for the file's
//! `fsync`. On a site's database of a million visits, with entry photos in the log, such a
//! commit took 450–650 ms, and the commit was a lane's ticket, between the trigger and the
//! barrier. This thread runs a passive checkpoint on a connection of its own once a period,
//! which never waits for a writer or a reader and never makes them wait, and one more as the
//! store closes; at a booth's pace the log is copied and starts again from its beginning long
//! before it grows.
//!
//! Under writes that never pause (seeding, a large replay or purge) the thread's copy is always
//! behind the newest commit, and the log would only grow: it grew to 20 GB seeding a million
//! visits. So the writer still copies the log itself past [`WRITER_COPIES_AT`] pages, 8 times
//! SQLite's default; a booth's commits never reach it.

use std::path::Path;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{RecvTimeoutError, Sender, bounded};
use rusqlite::{Connection, OpenFlags};

/// How often the log is copied back while the store is open.
pub(super) const PERIOD: Duration = Duration::from_secs(1);

/// Pages of log (4 KiB each: 32 MiB) past which the writer's own commit copies it back
/// (`wal_autocheckpoint`), so the log stays bounded when the thread cannot keep up.
pub(super) const WRITER_COPIES_AT: i64 = 8_192;

/// The checkpoint thread of one store; dropping it runs a last checkpoint and joins it.
pub(super) struct Checkpointer {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts the `sqlite-checkpoint` thread on a new connection to `path` (already in WAL mode).
    pub(super) fn start(path: &Path, period: Duration) -> Result<Checkpointer, String> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .and_then(|conn| {
            // The database file is on the disk before the log's pages are let go.
            conn.pragma_update(None, "synchronous", "FULL")?;
            Ok(conn)
        })
        .map_err(|err| err.to_string())?;
        let (stop, stopped) = bounded::<()>(1);
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                let mut failing = false;
                loop {
                    let last = !matches!(stopped.recv_timeout(period), Err(RecvTimeoutError::Timeout));
                    match checkpoint(&conn) {
                        Ok(()) if failing => {
                            tracing::info!("the database's log is copied back into its file again");
                            failing = false;
                        }
                        Ok(()) => {}
                        Err(err) if !failing => {
                            tracing::warn!(
                                "the database's log could not be copied back into its file: {err}"
                            );
                            failing = true;
                        }
                        Err(_) => {}
                    }
                    if last {
                        break;
                    }
                }
            })
            .map_err(|err| err.to_string())?;
        Ok(Checkpointer { stop: Some(stop), thread: Some(thread) })
    }
}

/// A passive checkpoint: copies what no reader still needs, waits for nothing.
fn checkpoint(conn: &Connection) -> rusqlite::Result<()> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the sqlite-checkpoint thread panicked");
        }
    }
}
