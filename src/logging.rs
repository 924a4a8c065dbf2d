//! Logging: `tracing` to stderr and to daily-rotated files under `logs/`.

use std::path::Path;

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
            let appender = tracing_appender::rolling::daily(dir, "gardu.log");
            let (writer, guard) = tracing_appender::non_blocking(appender);
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
