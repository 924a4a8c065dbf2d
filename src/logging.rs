//! Logging: `tracing` to stderr and to daily-rotated files under `logs/`, readable by their
//! owner only (operator names, plates and booth events are in them).

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::NaiveDate;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::fmt::writer::MakeWriterExt;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Keeps the file writer flushing; drop it last, at exit.
pub struct LogGuard(#[allow(dead_code, reason = "held only to flush on drop")] Option<WorkerGuard>);

/// Starts logging. `verbosity` counts `-v` minus `-q` (0 = warnings on stderr).
/// When the log folder cannot be made, logging goes on to stderr only and says so.
pub fn init(dir: &Path, file_level: &str, verbosity: i8) -> LogGuard {
    let stderr_level = match verbosity {
        i8::MIN..=-1 => "error",
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let stderr_filter = EnvFilter::try_from_env("GARDU_LOG").unwrap_or_else(|_| EnvFilter::new(stderr_level));
    let stderr_layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr.with_max_level(tracing::Level::TRACE))
        .with_target(false)
        .with_filter(stderr_filter);

    let (file_layer, guard, file_problem) = match std::fs::create_dir_all(dir) {
        Ok(()) => {
            let (writer, guard) = tracing_appender::non_blocking(DailyFile::new(dir, "gardu.log"));
            let layer = tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(writer)
                .with_filter(EnvFilter::new(file_level));
            (Some(layer), Some(guard), None)
        }
        Err(err) => (None, None, Some(err)),
    };
    // A second init (tests) keeps the first subscriber: that is fine.
    let _ = tracing_subscriber::registry().with(stderr_layer).with(file_layer).try_init();
    if let Some(err) = file_problem {
        tracing::warn!(folder = %dir.display(), "log files are off: the log folder cannot be made: {err}");
    }
    LogGuard(guard)
}

/// A log file per UTC day, `<prefix>.YYYY-MM-DD`, created with mode 0600 (Unix; on Windows it
/// inherits the data folder's ACL). tracing-appender's own roller cannot set a mode.
pub struct DailyFile {
    dir: PathBuf,
    prefix: String,
    open: Option<(NaiveDate, File)>,
}

impl DailyFile {
    /// Files `dir/prefix.YYYY-MM-DD`; nothing is opened before the first line.
    pub fn new(dir: &Path, prefix: &str) -> Self {
        Self { dir: dir.to_path_buf(), prefix: prefix.to_string(), open: None }
    }

    /// The file of `day`.
    pub fn path_of(&self, day: NaiveDate) -> PathBuf {
        self.dir.join(format!("{}.{}", self.prefix, day.format("%Y-%m-%d")))
    }

    fn file_for(&mut self, day: NaiveDate) -> std::io::Result<&mut File> {
        if self.open.as_ref().is_none_or(|(open_day, _)| *open_day != day) {
            let file = crate::secret::private_options().append(true).create(true).open(self.path_of(day))?;
            self.open = Some((day, file));
        }
        match &mut self.open {
            Some((_, file)) => Ok(file),
            None => Err(std::io::Error::other("no log file")),
        }
    }
}

impl Write for DailyFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let today = chrono::Utc::now().date_naive();
        self.file_for(today)?.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.open {
            Some((_, file)) => file.flush(),
            None => Ok(()),
        }
    }
}

/// Work a busy worker turned away, counted so a backlog is one warning and one tally, not a
/// warning per vehicle: [`Self::turned_away`] is true for the first of a run, and
/// [`Self::taken`] ends the run and gives how many it held.
#[derive(Debug, Default)]
pub struct TurnedAway(AtomicU64);

impl TurnedAway {
    /// Counts one; true if it starts a run (log it then).
    pub fn turned_away(&self) -> bool {
        self.0.fetch_add(1, Ordering::Relaxed) == 0
    }

    /// The worker took work again: how many the run that ends turned away, if any.
    pub fn taken(&self) -> Option<u64> {
        Some(self.0.swap(0, Ordering::Relaxed)).filter(|&run| run > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_turned_away_is_one_warning_and_one_tally() {
        let counter = TurnedAway::default();
        assert_eq!(counter.taken(), None, "nothing turned away yet");
        assert!(counter.turned_away(), "the first of a run is logged");
        assert!(!counter.turned_away());
        assert!(!counter.turned_away());
        assert_eq!(counter.taken(), Some(3));
        assert_eq!(counter.taken(), None, "the run is over");
        assert!(counter.turned_away(), "a new run is logged again");
    }

    #[cfg(unix)]
    #[test]
    fn log_files_are_readable_by_their_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mut log = DailyFile::new(dir.path(), "gardu.log");
        log.write_all(b"operator budi logged in\n").unwrap();
        log.flush().unwrap();
        let path = log.path_of(chrono::Utc::now().date_naive());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "operator budi logged in\n");
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
}
