//! Backups of a site's database (SQLite's online copy or PostgreSQL's `pg_dump`), with the
//! photos and journals when asked, and the restore of such a backup into a stopped booth's
//! data folder. Shared by `gardu db backup|restore` and the console's scheduled backups.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Context;
use super::lock::{DataFolderLock, LockError};
use crate::config::DatabaseLocation;
use crate::store::sqlite::backup::{copy_online, inspect};
use crate::store::{SchemaInfo, StoreError};

/// The database's name inside a `--with-files` archive (SQLite).
pub const ARCHIVE_DATABASE: &str = "gardu.db";
/// The database's name inside a `--with-files` archive (PostgreSQL, custom format).
pub const ARCHIVE_DUMP: &str = "gardu.pgdump";
/// The booth ledger's name inside a `--with-files` archive.
pub const ARCHIVE_LEDGER: &str = "booth-ledger.db";
/// The journal folder's name inside a `--with-files` archive.
pub const ARCHIVE_JOURNAL: &str = "offline_data";
/// The photo folder's name inside a `--with-files` archive.
pub const ARCHIVE_IMAGES: &str = "Images";

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Why a backup or a restore did not happen. Nothing was changed when it fails.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The database refused or could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The data folder is in use.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// `pg_dump` is not installed here.
    #[error(
        "pg_dump was not found on the PATH: install the PostgreSQL client tools (Debian/Ubuntu: apt \
         install postgresql-client; Windows: add PostgreSQL's bin folder to PATH), or take the backup \
         on the database server"
    )]
    NoPgDump,
    /// `pg_dump` ran and failed.
    #[error("pg_dump failed: {0}")]
    PgDump(String),
    /// A restore of a PostgreSQL site is done with PostgreSQL's own tool.
    #[error(
        "this booth uses PostgreSQL: restore the dump on the server with `pg_restore --clean --if-exists \
         --no-owner -d DATABASE FILE`, then start the booths"
    )]
    PostgresRestore,
    /// The file given to restore is neither a database nor a Gardu archive.
    #[error(
        "{0} is not a Gardu backup (neither an SQLite database nor an archive of `db backup --with-files`)"
    )]
    NotABackup(PathBuf),
    /// A file could not be read or written.
    #[error("{what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
}

fn io_error(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + use<> {
    let path = path.to_path_buf();
    move |source| BackupError::Io { what, path, source }
}

/// What a backup wrote.
#[derive(Debug, Clone, Serialize)]
pub struct BackupReport {
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// The file written.
    pub file: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// When it was taken.
    pub taken_at: DateTime<Utc>,
    /// Whether photos, journals and the booth ledger are in it (one tar archive).
    pub with_files: bool,
    /// Schema version of the copy.
    pub version: i64,
    /// Row counts of the copy (SQLite), or of the database when the dump began (PostgreSQL).
    pub counts: Vec<(String, i64)>,
}

/// Takes a backup of the configured database to `out` (replaced if it exists). The file appears
/// only once it is complete: it is written beside `out` and renamed.
pub fn backup(
    ctx: &Context,
    out: &Path,
    with_files: bool,
    now: DateTime<Utc>,
) -> Result<BackupReport, BackupError> {
    let location = ctx
        .config
        .database_location(&ctx.data_dir)
        .map_err(|err| BackupError::Store(StoreError::Unavailable(format!("database.url: {err}"))))?;
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io_error("cannot create the folder", parent))?;
    }
    let partial = with_suffix(out, ".partial");
    let staged_db = with_suffix(out, ".db.partial");
    let result = (|| {
        let (backend, info, db_file, db_name) = match &location {
            DatabaseLocation::Sqlite(path) => {
                let target = if with_files { staged_db.clone() } else { partial.clone() };
                remove_if_present(&target)?;
                copy_online(path, &target)?;
                ("sqlite", inspect(&target)?, target, ARCHIVE_DATABASE)
            }
            DatabaseLocation::Postgres(url) => {
                let info = ctx
                    .open_store()
                    .map_err(|err| BackupError::Store(StoreError::Unavailable(format!("{err:#}"))))?;
                let info = info.schema_info()?;
                let target = if with_files { staged_db.clone() } else { partial.clone() };
                pg_dump(url, &target)?;
                ("postgres", info, target, ARCHIVE_DUMP)
            }
        };
        if with_files {
            write_archive(ctx, &db_file, db_name, &partial)?;
            remove_if_present(&db_file)?;
        }
        sync_file(&partial)?;
        std::fs::rename(&partial, out).map_err(io_error("cannot move the backup to", out))?;
        let bytes = std::fs::metadata(out).map_err(io_error("cannot read", out))?.len();
        Ok(BackupReport {
            backend: backend.into(),
            file: out.to_path_buf(),
            bytes,
            taken_at: now,
            with_files,
            version: info.version,
            counts: info.counts,
        })
    })();
    if result.is_err() {
        // Nothing half-written stays behind under a name that looks like a backup.
        let _ = std::fs::remove_file(&partial);
        let _ = std::fs::remove_file(&staged_db);
    }
    result
}

fn pg_dump(url: &str, target: &Path) -> Result<(), BackupError> {
    let output = Command::new("pg_dump")
        .arg("--format=custom")
        .arg("--no-owner")
        .arg("--file")
        .arg(target)
        .arg("--dbname")
        .arg(url)
        .output()
        .map_err(|err| match err.kind() {
            std::io::ErrorKind::NotFound => BackupError::NoPgDump,
            _ => BackupError::PgDump(err.to_string()),
        })?;
    if !output.status.success() {
        // libpq may repeat the connection string; never show its password.
        let said = String::from_utf8_lossy(&output.stderr).replace(url, &crate::config::redact_url(url));
        return Err(BackupError::PgDump(said.trim().to_string()));
    }
    Ok(())
}

/// One tar of the database copy, the booth ledger (an online copy too), the journal folder
/// and the photo folder.
fn write_archive(ctx: &Context, db_file: &Path, db_name: &str, target: &Path) -> Result<(), BackupError> {
    let file = File::create(target).map_err(io_error("cannot create", target))?;
    let mut tar = tar::Builder::new(file);
    tar.follow_symlinks(false);
    let add = |tar: &mut tar::Builder<File>, path: &Path, name: &str| {
        tar.append_path_with_name(path, name).map_err(io_error("cannot add to the archive", path))
    };
    add(&mut tar, db_file, db_name)?;
    let ledger = ctx.path(Path::new(crate::lane::ledger::DEFAULT_LEDGER_PATH));
    let ledger_copy = with_suffix(target, ".ledger.partial");
    if ledger.exists() {
        remove_if_present(&ledger_copy)?;
        copy_online(&ledger, &ledger_copy)?;
        add(&mut tar, &ledger_copy, ARCHIVE_LEDGER)?;
        remove_if_present(&ledger_copy)?;
    }
    for (dir, name) in [
        (ctx.path(&ctx.config.journal.dir), ARCHIVE_JOURNAL),
        (ctx.path(&ctx.config.journal.images_dir), ARCHIVE_IMAGES),
    ] {
        if dir.is_dir() {
            tar.append_dir_all(name, &dir).map_err(io_error("cannot add to the archive", &dir))?;
        }
    }
    let file = tar.into_inner().map_err(io_error("cannot finish the archive", target))?;
    file.sync_all().map_err(io_error("cannot write", target))?;
    Ok(())
}

/// What a restore did.
#[derive(Debug, Clone, Serialize)]
pub struct RestoreReport {
    /// The database now in place.
    pub database: PathBuf,
    /// Where the previous database (and folders) were moved, to be deleted by hand once the
    /// restore is confirmed.
    pub kept_aside: Vec<PathBuf>,
    /// Schema version and row counts after the restore (as `gardu db check --json` shows them).
    pub info: SchemaInfo,
    /// Whether the site key file is in place; if not, `key_hint` says how to bring it.
    pub site_key_present: bool,
    /// How to bring the site key (the key is never in a backup).
    pub key_hint: String,
}

/// Restores `file` (a database copy or a `--with-files` archive) into this data folder. Refused
/// while a console runs on it; the file is checked before anything is touched, and what was
/// there is kept aside under `*.before-restore-TIMESTAMP`.
pub fn restore(ctx: &Context, file: &Path, now: DateTime<Utc>) -> Result<RestoreReport, BackupError> {
    let location = ctx
        .config
        .database_location(&ctx.data_dir)
        .map_err(|err| BackupError::Store(StoreError::Unavailable(format!("database.url: {err}"))))?;
    let DatabaseLocation::Sqlite(db_path) = location else {
        return Err(BackupError::PostgresRestore);
    };
    let _lock = DataFolderLock::exclusive(&ctx.data_dir)?;
    let stamp = now.format("%Y%m%dT%H%M%S").to_string();
    let staging = ctx.data_dir.join(format!(".restore-{stamp}"));
    let result = restore_locked(ctx, file, &db_path, &staging, &stamp);
    let _ = std::fs::remove_dir_all(&staging);
    result
}

fn restore_locked(
    ctx: &Context,
    file: &Path,
    db_path: &Path,
    staging: &Path,
    stamp: &str,
) -> Result<RestoreReport, BackupError> {
    let mut head = [0u8; 16];
    let mut opened = File::open(file).map_err(io_error("cannot open", file))?;
    let read = opened.read(&mut head).map_err(io_error("cannot read", file))?;
    drop(opened);
    let archive = read < 16 || &head != SQLITE_MAGIC;
    let (candidate, folders) = if archive {
        std::fs::create_dir_all(staging).map_err(io_error("cannot create", staging))?;
        let opened = File::open(file).map_err(io_error("cannot open", file))?;
        tar::Archive::new(opened).unpack(staging).map_err(|_| BackupError::NotABackup(file.to_path_buf()))?;
        let db = staging.join(ARCHIVE_DATABASE);
        if !db.is_file() {
            return Err(BackupError::NotABackup(file.to_path_buf()));
        }
        let folders = vec![
            (staging.join(ARCHIVE_LEDGER), ctx.path(Path::new(crate::lane::ledger::DEFAULT_LEDGER_PATH))),
            (staging.join(ARCHIVE_JOURNAL), ctx.path(&ctx.config.journal.dir)),
            (staging.join(ARCHIVE_IMAGES), ctx.path(&ctx.config.journal.images_dir)),
        ];
        (db, folders)
    } else {
        (file.to_path_buf(), Vec::new())
    };
    // Checked before anything is touched.
    inspect(&candidate)?;

    let mut kept_aside = Vec::new();
    let aside = |path: &Path, kept: &mut Vec<PathBuf>| -> Result<(), BackupError> {
        if path.exists() {
            let target = with_suffix(path, &format!(".before-restore-{stamp}"));
            std::fs::rename(path, &target).map_err(io_error("cannot move aside", path))?;
            kept.push(target);
        }
        Ok(())
    };
    if let Some(parent) = db_path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io_error("cannot create", parent))?;
    }
    let incoming = with_suffix(db_path, ".restoring");
    std::fs::copy(&candidate, &incoming).map_err(io_error("cannot copy the backup to", &incoming))?;
    sync_file(&incoming)?;
    for suffix in ["", "-wal", "-shm"] {
        aside(&with_suffix(db_path, suffix), &mut kept_aside)?;
    }
    std::fs::rename(&incoming, db_path).map_err(io_error("cannot put the backup in place at", db_path))?;
    for (from, to) in folders {
        if from.exists() {
            aside(&to, &mut kept_aside)?;
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).map_err(io_error("cannot create", parent))?;
            }
            std::fs::rename(&from, &to).map_err(io_error("cannot put in place", &to))?;
        }
    }
    let store = crate::store::sqlite::SqliteStore::open(db_path)?;
    let info = crate::store::Store::schema_info(&store)?;
    let key = ctx.path(&ctx.config.site.secret_file);
    let site_key_present = key.is_file();
    let key_hint = if site_key_present {
        format!("the site key {} is in place", key.display())
    } else {
        format!(
            "the site key is not in a backup: run `gardu site-key import FILE` with the site's sealed key \
             export, or copy data/site.secret from the old booth to {}",
            key.display()
        )
    };
    Ok(RestoreReport { database: db_path.to_path_buf(), kept_aside, info, site_key_present, key_hint })
}

/// `path` with `suffix` added to its file name (`gardu.db` + `-wal` = `gardu.db-wal`).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}

fn remove_if_present(path: &Path) -> Result<(), BackupError> {
    match std::fs::remove_file(path) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(io_error("cannot remove", path)(err)),
        _ => Ok(()),
    }
}

fn sync_file(path: &Path) -> Result<(), BackupError> {
    let file = File::options().write(true).open(path).map_err(io_error("cannot open", path))?;
    file.sync_all().map_err(io_error("cannot write", path))
}
