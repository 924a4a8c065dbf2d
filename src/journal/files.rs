//! Journal files on disk: crash-safe writes, listing, and moving files to `synced/` or `rejected/`.

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::record::{JournalPayload, JournalRecord, PhotoRef, SCHEMA_VERSION};
use crate::store::{Photo, PhotoKind};

/// Why a journal operation failed. A failed write means the record is NOT safe: the lane
/// must say so loudly (this is the last line of defence).
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// The disk refused.
    #[error("the offline journal could not {action} {path}: {source}")]
    Io {
        /// What we tried.
        action: &'static str,
        /// The file or folder.
        path: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// The record could not be turned into JSON (never expected).
    #[error("the offline record could not be encoded: {0}")]
    Encode(String),
}

/// A readable pending journal file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JournalItem {
    /// The file.
    pub file: PathBuf,
    /// `entry`, `exit` or `audit`.
    pub kind: String,
    /// The record id.
    pub id: Uuid,
    /// When the booth wrote it.
    pub created_at: DateTime<Utc>,
    /// Replay attempts that failed so far.
    pub attempts: u32,
    /// The last replay error, if any.
    pub last_error: Option<String>,
    /// The record.
    #[serde(skip)]
    pub record: JournalRecord,
}

/// A pending file that cannot be read as a record (truncated, corrupt, foreign schema).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JournalProblem {
    /// The file.
    pub file: PathBuf,
    /// What is wrong with it.
    pub reason: String,
}

/// A pending journal file known by its name, not read yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingFile {
    /// The file.
    pub file: PathBuf,
    /// Whether replay bookkeeping (failed attempts) sits beside it.
    has_status: bool,
}

impl PendingFile {
    /// The kind and UTC second its name gives (`parking_<kind>_<YYYYMMDD_HHMMSS>_<id>.json`,
    /// as [`Journal::write`] names files), when it has that form.
    pub fn name_place(&self) -> Option<(&str, &str)> {
        let name = self.file.file_name()?.to_str()?;
        let rest = name.strip_prefix(PREFIX)?;
        let (kind, rest) = rest.split_once('_')?;
        let stamp = rest.get(..15)?;
        let well_formed =
            stamp.char_indices().all(|(at, c)| if at == 8 { c == '_' } else { c.is_ascii_digit() });
        (well_formed && rest.as_bytes().get(15) == Some(&b'_')).then_some((kind, stamp))
    }

    /// Reads and checks the file.
    pub fn read(&self) -> Result<JournalItem, JournalProblem> {
        let record =
            read_record(&self.file).map_err(|reason| JournalProblem { file: self.file.clone(), reason })?;
        let attempts = if self.has_status { read_attempts(&self.file) } else { Attempts::default() };
        Ok(JournalItem {
            file: self.file.clone(),
            kind: record.payload.kind().to_string(),
            id: record.id,
            created_at: record.created_at,
            attempts: attempts.attempts,
            last_error: attempts.last_error,
            record,
        })
    }
}

/// Replay bookkeeping kept beside a pending file that failed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Attempts {
    attempts: u32,
    last_error: Option<String>,
    last_attempt: Option<DateTime<Utc>>,
}

/// What follows a rejected file's name in the name of the file holding the reason.
const REASON_SUFFIX: &str = ".reason.txt";

/// A file moved to `rejected/`, with the reason written beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedFile {
    /// The file's name.
    pub name: String,
    /// Why it was refused (`None` when the reason file is missing).
    pub reason: Option<String>,
    /// When it was moved there, as the file system says.
    pub modified: Option<DateTime<Utc>>,
}

/// The offline journal of one booth.
#[derive(Debug, Clone)]
pub struct Journal {
    dir: PathBuf,
    images_dir: PathBuf,
    booth: String,
}

const PREFIX: &str = "parking_";
const STATUS_SUFFIX: &str = ".status";

impl Journal {
    /// A journal in `dir` with photos under `images_dir`, written by `booth`.
    pub fn new(dir: impl Into<PathBuf>, images_dir: impl Into<PathBuf>, booth: impl Into<String>) -> Self {
        Self { dir: dir.into(), images_dir: images_dir.into(), booth: booth.into() }
    }

    /// The journal folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The folder of the offline records' photos (`Masuk/`, `Keluar/`).
    pub fn images_dir(&self) -> &Path {
        &self.images_dir
    }

    /// Folder of replayed files.
    pub fn synced_dir(&self) -> PathBuf {
        self.dir.join("synced")
    }

    /// Folder of files that could not be read.
    pub fn rejected_dir(&self) -> PathBuf {
        self.dir.join("rejected")
    }

    /// Writes one record (and its photo first), crash-safe. Returns the file written.
    pub fn write(
        &self,
        payload: JournalPayload,
        photo: Option<&Photo>,
        now: DateTime<Utc>,
    ) -> Result<PathBuf, JournalError> {
        let id = payload.id();
        let photo_ref = photo.map(|photo| self.write_photo(photo)).transpose()?;
        let kind = payload.kind();
        let record = JournalRecord {
            schema: SCHEMA_VERSION,
            id,
            created_at: now,
            booth: self.booth.clone(),
            payload,
            photo: photo_ref,
        };
        let json = serde_json::to_vec_pretty(&record).map_err(|err| JournalError::Encode(err.to_string()))?;
        let name = format!("{PREFIX}{kind}_{}_{id}.json", now.format("%Y%m%d_%H%M%S"));
        let path = self.dir.join(name);
        write_atomic(&self.dir, &path, &json)?;
        tracing::info!(file = %path.display(), kind, %id, "record written to the offline journal");
        Ok(path)
    }

    fn write_photo(&self, photo: &Photo) -> Result<PhotoRef, JournalError> {
        let folder = match photo.kind {
            PhotoKind::Entry => "Masuk",
            PhotoKind::Exit | PhotoKind::Manual => "Keluar",
        };
        let relative = format!("{folder}/{}/{}.jpg", photo.taken_at.format("%Y%m%d"), photo.id);
        let path = self.images_dir.join(&relative);
        let parent = path.parent().unwrap_or(&self.images_dir).to_path_buf();
        write_atomic(&parent, &path, &photo.jpeg)?;
        Ok(PhotoRef { id: photo.id, kind: photo.kind, taken_at: photo.taken_at, file: relative })
    }

    /// Reads a record's photo back from the images folder.
    pub fn read_photo(&self, photo: &PhotoRef) -> std::io::Result<Photo> {
        let path = self.images_dir.join(&photo.file);
        Ok(Photo { id: photo.id, kind: photo.kind, taken_at: photo.taken_at, jpeg: fs::read(path)? })
    }

    /// Every pending file: readable records oldest first, and files that cannot be read.
    pub fn list(&self) -> Result<(Vec<JournalItem>, Vec<JournalProblem>), JournalError> {
        let mut items = Vec::new();
        let mut problems = Vec::new();
        for pending in self.pending_files()? {
            match pending.read() {
                Ok(item) => items.push(item),
                Err(problem) => problems.push(problem),
            }
        }
        items.sort_by(|a, b| (a.created_at, &a.file).cmp(&(b.created_at, &b.file)));
        problems.sort_by(|a, b| a.file.cmp(&b.file));
        Ok((items, problems))
    }

    /// Every pending file by name only, nothing read yet: the replay reads them in its own
    /// order, on its own thread.
    pub fn pending_files(&self) -> Result<Vec<PendingFile>, JournalError> {
        let read_dir = match fs::read_dir(&self.dir) {
            Ok(read_dir) => read_dir,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(io("read", &self.dir, source)),
        };
        let mut files = Vec::new();
        let mut statuses = std::collections::HashSet::new();
        for dir_entry in read_dir.flatten() {
            let name = dir_entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.starts_with(PREFIX) && name.ends_with(STATUS_SUFFIX) {
                statuses.insert(name.trim_end_matches(STATUS_SUFFIX).to_string());
                continue;
            }
            if !name.starts_with(PREFIX) || !name.ends_with(".json") {
                continue;
            }
            // The folder's own listing says what each name is, without one more call per file.
            let is_file = match dir_entry.file_type() {
                Ok(kind) if kind.is_symlink() => dir_entry.path().is_file(),
                Ok(kind) => kind.is_file(),
                Err(_) => false,
            };
            if is_file {
                files.push(PendingFile { file: dir_entry.path(), has_status: false });
            }
        }
        for pending in &mut files {
            let name = pending.file.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            pending.has_status = statuses.contains(name);
        }
        Ok(files)
    }

    /// How many pending files there are (readable or not): the indicator's "waiting" count.
    pub fn pending_count(&self) -> usize {
        fs::read_dir(&self.dir)
            .map(|dir| {
                dir.flatten()
                    .filter(|e| {
                        let name = e.file_name();
                        let name = name.to_string_lossy();
                        name.starts_with(PREFIX) && name.ends_with(".json")
                    })
                    .count()
            })
            .unwrap_or(0)
    }

    /// Moves a replayed file to `synced/` (with its status file gone).
    pub fn mark_synced(&self, file: &Path) -> Result<(), JournalError> {
        move_into(file, &self.synced_dir())?;
        let status = status_path(file);
        if status.exists() {
            fs::remove_file(&status).map_err(|source| io("remove", &status, source))?;
        }
        Ok(())
    }

    /// Moves many replayed files to `synced/` with one flush of the two folders for all of
    /// them: a replay moves thousands, and a folder flush per file would cost more than the
    /// database. A power cut before the flush may put some back among the pending files; the
    /// next replay finds their records already present. One result per file, in order.
    pub fn mark_synced_all(&self, files: &[PathBuf]) -> Vec<Result<(), JournalError>> {
        let synced = self.synced_dir();
        if let Err(source) = fs::create_dir_all(&synced) {
            // io::Error is not Clone: each file gets its own copy of the cause.
            let copy = || std::io::Error::new(source.kind(), source.to_string());
            return files.iter().map(|_| Err(io("create", &synced, copy()))).collect();
        }
        let results: Vec<Result<(), JournalError>> = files
            .iter()
            .map(|file| {
                let target = synced.join(file.file_name().unwrap_or_default());
                fs::rename(file, &target).map_err(|source| io("move", file, source))?;
                let status = status_path(file);
                if status.exists() {
                    fs::remove_file(&status).map_err(|source| io("remove", &status, source))?;
                }
                Ok(())
            })
            .collect();
        if let Err(err) = sync_dir(&synced).and_then(|()| sync_dir(&self.dir)) {
            tracing::warn!("{err}");
        }
        results
    }

    /// Files in `rejected/` with the reasons [`Journal::reject`] wrote beside them, newest first.
    pub fn rejected(&self) -> Result<Vec<RejectedFile>, JournalError> {
        let folder = self.rejected_dir();
        let read_dir = match fs::read_dir(&folder) {
            Ok(read_dir) => read_dir,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(err) => return Err(io("read", &folder, err)),
        };
        let mut files = Vec::new();
        for dir_entry in read_dir.flatten() {
            let name = dir_entry.file_name().to_string_lossy().into_owned();
            // Reason files and half-written temporary files are not refused records.
            if name.ends_with(REASON_SUFFIX) || name.starts_with('.') || !dir_entry.path().is_file() {
                continue;
            }
            let reason = fs::read_to_string(folder.join(format!("{name}{REASON_SUFFIX}")))
                .ok()
                .map(|text| text.trim().to_string());
            let modified = dir_entry.metadata().and_then(|m| m.modified()).ok().map(DateTime::<Utc>::from);
            files.push(RejectedFile { name, reason, modified });
        }
        files.sort_by(|a, b| (b.modified, &a.name).cmp(&(a.modified, &b.name)));
        Ok(files)
    }

    /// How many files wait in `rejected/` for a person (0 when the folder cannot be read).
    pub fn rejected_count(&self) -> u64 {
        self.rejected().map(|files| files.len() as u64).unwrap_or(0)
    }

    /// Moves an unreadable file to `rejected/` with a `.reason.txt` beside it.
    pub fn reject(&self, file: &Path, reason: &str) -> Result<(), JournalError> {
        let rejected = self.rejected_dir();
        fs::create_dir_all(&rejected).map_err(|source| io("create", &rejected, source))?;
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let reason_path = rejected.join(format!("{name}{REASON_SUFFIX}"));
        write_atomic(&rejected, &reason_path, reason.as_bytes())?;
        move_into(file, &rejected)
    }

    /// Counts a failed replay attempt beside the file; the file stays pending.
    pub fn record_failure(&self, file: &Path, error: &str, now: DateTime<Utc>) -> Result<(), JournalError> {
        let mut attempts = read_attempts(file);
        attempts.attempts += 1;
        attempts.last_error = Some(error.to_string());
        attempts.last_attempt = Some(now);
        let json = serde_json::to_vec(&attempts).map_err(|err| JournalError::Encode(err.to_string()))?;
        write_atomic(&self.dir, &status_path(file), &json)
    }

    /// Deletes files in `synced/` older than `retention_days` (by their own write time).
    /// Returns how many went. Only already-replayed files are ever deleted.
    pub fn purge_synced(&self, retention_days: u32, now: DateTime<Utc>) -> Result<usize, JournalError> {
        let synced = self.synced_dir();
        let Ok(read_dir) = fs::read_dir(&synced) else { return Ok(0) };
        let cutoff = now - chrono::Duration::days(i64::from(retention_days));
        let mut purged = 0;
        for dir_entry in read_dir.flatten() {
            let path = dir_entry.path();
            if let Ok(record) = read_record(&path)
                && record.created_at < cutoff
            {
                fs::remove_file(&path).map_err(|source| io("remove", &path, source))?;
                purged += 1;
            }
        }
        Ok(purged)
    }
}

/// Reads and checks one journal file; the error says what is wrong in plain words.
pub(super) fn read_record(path: &Path) -> Result<JournalRecord, String> {
    let bytes = fs::read(path).map_err(|err| format!("cannot be read: {err}"))?;
    // The usual case in one pass; anything else is parsed again below to say what is wrong.
    if let Ok(record) = serde_json::from_slice::<JournalRecord>(&bytes)
        && record.schema == SCHEMA_VERSION
    {
        return Ok(record);
    }
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|err| format!("not complete JSON (truncated or corrupt): {err}"))?;
    match value.get("schema").and_then(serde_json::Value::as_u64) {
        Some(schema) if schema == u64::from(SCHEMA_VERSION) => {}
        Some(schema) => {
            return Err(format!("schema version {schema} is not one this build reads ({SCHEMA_VERSION})"));
        }
        None => return Err("no schema version: not a Gardu journal record".into()),
    }
    serde_json::from_value(value).map_err(|err| format!("a field is missing or wrong: {err}"))
}

fn read_attempts(file: &Path) -> Attempts {
    fs::read(status_path(file)).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok()).unwrap_or_default()
}

fn status_path(file: &Path) -> PathBuf {
    let mut name = file.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(STATUS_SUFFIX);
    file.with_file_name(name)
}

fn io(action: &'static str, path: &Path, source: std::io::Error) -> JournalError {
    JournalError::Io { action, path: path.display().to_string(), source }
}

fn move_into(file: &Path, folder: &Path) -> Result<(), JournalError> {
    fs::create_dir_all(folder).map_err(|source| io("create", folder, source))?;
    let target = folder.join(file.file_name().unwrap_or_default());
    crate::platform::fs::replace(file, &target).map_err(|source| io("move", file, source))?;
    sync_dir(folder)?;
    if let Some(parent) = file.parent() {
        sync_dir(parent)?;
    }
    Ok(())
}

/// Temporary file in the same folder, flushed to disk, then moved over the name durably
/// (`crate::platform::fs`: fsync + rename + folder fsync on Unix, `FlushFileBuffers` +
/// `MoveFileExW` write-through on Windows): a power cut leaves the whole file or nothing that
/// looks like one (temporary names start with `.` and end `.tmp`). Owner-only (0600): records
/// carry plates, photos and operator names.
pub(crate) fn write_atomic(dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), JournalError> {
    fs::create_dir_all(dir).map_err(|source| io("create", dir, source))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", Uuid::new_v4().simple()));
    if let Err(source) = crate::platform::fs::write_replace(&tmp, path, bytes) {
        let _ = fs::remove_file(&tmp);
        return Err(io("write", path, source));
    }
    Ok(())
}

impl crate::store::cache::AuditKeeper for Journal {
    fn keep_audit(&self, record: &crate::store::AuditRecord, now: DateTime<Utc>) -> Result<(), String> {
        let payload = JournalPayload::Audit { id: uuid::Uuid::new_v4(), audit: record.clone() };
        self.write(payload, None, now).map(drop).map_err(|err| err.to_string())
    }
}

fn sync_dir(dir: &Path) -> Result<(), JournalError> {
    crate::platform::fs::sync_dir(dir).map_err(|source| io("sync", dir, source))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::{ClassCode, Rupiah};
    use crate::store::{AuditRecord, Entry, Origin};

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 3, minute, 0).unwrap()
    }

    fn entry(n: u128) -> Entry {
        Entry {
            id: Uuid::from_u128(n),
            site: "SITE-01".into(),
            booth: "IN1".into(),
            ticket_no: format!("IN1-261123-{n:04}"),
            ticket_code: format!("G1.CODE{n}"),
            plate: Some("B 1234 XYZ".into()),
            class: ClassCode::parse("MBL").unwrap(),
            card_uid: None,
            entry_time: at(n as u32),
            operator: Some("guard1".into()),
            photo_id: Some(Uuid::from_u128(1_000 + n)),
            origin: Origin::Journal,
            simulated: false,
            plate_read: None,
            plate_confidence: None,
            plate_source: crate::plate::PlateSource::None,
        }
    }

    #[test]
    fn records_round_trip_with_their_photos_under_design_names() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::new(dir.path().join("offline_data"), dir.path().join("Images"), "IN1");
        let photo = Photo {
            id: Uuid::from_u128(1_001),
            kind: PhotoKind::Entry,
            taken_at: at(1),
            jpeg: vec![0xFF, 0xD8, 1, 2, 0xFF, 0xD9],
        };
        let path = journal.write(JournalPayload::Entry(entry(1)), Some(&photo), at(1)).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(name, format!("parking_entry_20261123_030100_{}.json", Uuid::from_u128(1)));
        assert!(dir.path().join(format!("Images/Masuk/20261123/{}.jpg", photo.id)).is_file());

        let (items, problems) = journal.list().unwrap();
        assert!(problems.is_empty());
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].kind, "entry");
        assert_eq!(items[0].record.payload, JournalPayload::Entry(entry(1)));
        let photo_ref = items[0].record.photo.clone().unwrap();
        assert_eq!(journal.read_photo(&photo_ref).unwrap(), photo);
        assert_eq!(journal.pending_count(), 1);
    }

    #[test]
    fn broken_files_are_listed_as_problems_and_rejected_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::new(dir.path(), dir.path().join("Images"), "IN1");
        journal.write(JournalPayload::Entry(entry(2)), None, at(2)).unwrap();
        fs::write(dir.path().join("parking_entry_20261123_000000_truncated.json"), b"{\"schema\":1,\"id\":")
            .unwrap();
        fs::write(dir.path().join("parking_exit_20261123_000000_foreign.json"), br#"{"schema":99,"id":"x"}"#)
            .unwrap();
        fs::write(dir.path().join(".parking_entry_x.json.123.tmp"), b"half").unwrap();
        let (items, problems) = journal.list().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(problems.len(), 2);
        assert!(problems.iter().any(|p| p.reason.contains("truncated")), "{problems:?}");
        assert!(problems.iter().any(|p| p.reason.contains("schema version 99")), "{problems:?}");
        for problem in &problems {
            journal.reject(&problem.file, &problem.reason).unwrap();
        }
        let rejected: Vec<_> =
            fs::read_dir(journal.rejected_dir()).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(rejected.len(), 4, "two files and two reasons: {rejected:?}");
        assert_eq!(journal.pending_count(), 1);
    }

    #[test]
    fn failures_are_counted_and_synced_files_move_then_purge() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::new(dir.path(), dir.path().join("Images"), "OUT1");
        let audit = AuditRecord {
            time: at(3),
            site: "SITE-01".into(),
            booth: "OUT1".into(),
            username: None,
            action: "manual_open".into(),
            detail: serde_json::json!({ "reason": "ambulance", "total": Rupiah(0) }),
        };
        let path =
            journal.write(JournalPayload::Audit { id: Uuid::from_u128(9), audit }, None, at(3)).unwrap();
        journal.record_failure(&path, "constraint failed", at(4)).unwrap();
        journal.record_failure(&path, "constraint failed again", at(5)).unwrap();
        let (items, _) = journal.list().unwrap();
        assert_eq!(items[0].attempts, 2);
        assert_eq!(items[0].last_error.as_deref(), Some("constraint failed again"));
        journal.mark_synced(&path).unwrap();
        assert_eq!(journal.pending_count(), 0);
        assert_eq!(journal.purge_synced(30, at(3) + chrono::Duration::days(29)).unwrap(), 0);
        assert_eq!(journal.purge_synced(30, at(3) + chrono::Duration::days(31)).unwrap(), 1);
    }

    #[test]
    fn rejected_files_come_with_the_reason_written_beside_them() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::new(dir.path(), dir.path().join("Images"), "IN1");
        assert_eq!(journal.rejected().unwrap(), vec![]);
        let broken = dir.path().join("parking_entry_20261123_000000_broken.json");
        std::fs::write(&broken, b"{\"schema\":1,").unwrap();
        journal.reject(&broken, "not complete JSON (truncated or corrupt)").unwrap();
        std::fs::write(journal.rejected_dir().join("parking_exit_x.json"), b"{}").unwrap();
        let mut files = journal.rejected().unwrap();
        files.sort_by(|a, b| a.name.cmp(&b.name));
        assert_eq!(files.len(), 2);
        assert_eq!(files[0].name, "parking_entry_20261123_000000_broken.json");
        assert_eq!(files[0].reason.as_deref(), Some("not complete JSON (truncated or corrupt)"));
        assert_eq!(files[1].reason, None);
        assert_eq!(journal.rejected_count(), 2, "reason files are not counted");
    }
}
