//! The sync engine: replays pending journal files into the database — entries before exits,
//! oldest first, idempotent — and moves each file once its record is committed.
//!
//! Files are read and parsed on a second thread, one batch ahead, while the database commits
//! the batch before: a file's name says its kind and the second it was written, which is
//! enough to cut the work into batches in replay order before anything is read; each batch is
//! then sorted exactly by its records (kind, time written, name).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;

use serde::Serialize;

use super::files::{Journal, JournalError, JournalItem, JournalProblem, PendingFile};
use super::record::JournalPayload;
use crate::clock::Clock;
use crate::domain::Rupiah;
use crate::store::{
    AuditRecord, DuplicateExit, Emergency, EntryLate, Exit, InsertOutcome, LateKind, LateRecord,
    PaymentMethod, Shift, Store, StoreError,
};
use uuid::Uuid;

/// How many records go to the database in one batch (one COPY and one commit per kind, one
/// folder flush for the file moves).
const BATCH: usize = 1_000;

/// Where a replay is, for the sync dialog's progress bar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplayProgress {
    /// Records handled so far.
    pub done: usize,
    /// Records to handle in all.
    pub total: usize,
    /// The file being handled.
    pub current: String,
}

/// What a replay did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReplaySummary {
    /// Written now.
    pub synced: usize,
    /// Already in the database (an earlier replay, or written online before a timeout).
    pub already_present: usize,
    /// Exits stored whose entry is not in the database yet (another booth's journal).
    pub orphans: usize,
    /// Records that failed and stay pending, with their error counted.
    pub failed: usize,
    /// Second payments of tickets that had already left at another booth: stored as duplicate
    /// exits (their money stays in their shift) for the admin's review.
    pub duplicates: usize,
    /// Exits that reached a shift already closed: the shift's report is revised.
    pub late: usize,
    /// Files moved to `rejected/`: only files that cannot be read.
    pub rejected: usize,
    /// File and reason for each rejection.
    pub rejections: Vec<(PathBuf, String)>,
    /// File and error for each failure.
    pub failures: Vec<(PathBuf, String)>,
    /// Set when the database went away mid-replay: the rest stays pending for next time.
    pub interrupted: Option<String>,
    /// Pending records found (for a dry run: what would be replayed).
    pub pending: usize,
}

/// Replays every pending journal file into `store`. With `dry_run` nothing is written or moved:
/// the summary counts what is pending and what would be rejected.
pub fn replay(
    journal: &Journal,
    store: &dyn Store,
    clock: &dyn Clock,
    dry_run: bool,
    progress: &mut dyn FnMut(ReplayProgress),
) -> Result<ReplaySummary, JournalError> {
    if dry_run {
        let (items, problems) = journal.list()?;
        let mut summary = ReplaySummary { pending: items.len(), ..ReplaySummary::default() };
        for problem in problems {
            summary.rejected += 1;
            summary.rejections.push((problem.file, problem.reason));
        }
        return Ok(summary);
    }
    let (batches, problems) = plan(journal.pending_files()?);
    let mut summary = ReplaySummary::default();
    reject_all(journal, problems, &mut summary)?;
    let rejected_up_front = summary.rejected;
    let total = batches.iter().map(Vec::len).sum::<usize>();
    let mut done = 0;
    let thread_error =
        |action, source| JournalError::Io { action, path: journal.dir().display().to_string(), source };
    std::thread::scope(|scope| -> Result<(), JournalError> {
        // One batch read ahead: the reader parses the next while the database commits this one.
        let (sender, receiver) = crossbeam_channel::bounded::<(Vec<JournalItem>, Vec<JournalProblem>)>(1);
        std::thread::Builder::new()
            .name("journal-reader".into())
            .spawn_scoped(scope, move || {
                for batch in batches {
                    if sender.send(read_batch(batch)).is_err() {
                        // The replay stopped (database gone): nothing more to read.
                        break;
                    }
                }
            })
            .map_err(|source| thread_error("start reading", source))?;
        // And one behind: the files of a committed batch move to `synced/` while the database
        // commits the next. The scope waits for the last move before the replay returns.
        let (moves, to_move) = crossbeam_channel::bounded::<Vec<PathBuf>>(2);
        std::thread::Builder::new()
            .name("journal-mover".into())
            .spawn_scoped(scope, move || {
                for files in to_move {
                    move_synced(journal, &files);
                }
            })
            .map_err(|source| thread_error("start moving", source))?;
        let mut move_files = |files: Vec<PathBuf>| {
            if let Err(crossbeam_channel::SendError(files)) = moves.send(files) {
                move_synced(journal, &files);
            }
        };
        for (mut items, problems) in receiver.iter() {
            reject_all(journal, problems, &mut summary)?;
            items.sort_by(|a, b| {
                (kind_rank(&a.record.payload), a.created_at, &a.file).cmp(&(
                    kind_rank(&b.record.payload),
                    b.created_at,
                    &b.file,
                ))
            });
            let outcome = replay_chunk(
                journal,
                store,
                clock,
                &items,
                &mut summary,
                &mut done,
                total,
                progress,
                &mut move_files,
            );
            if let Err(err) = outcome {
                summary.interrupted = Some(err.to_string());
                break;
            }
        }
        // Dropping the receiver stops the reader if the replay stopped early.
        drop(receiver);
        Ok(())
    })?;
    // Every file placed in a batch is a pending record unless reading it failed (the batches
    // not reached after an interruption are still waiting, so they count).
    summary.pending = total.saturating_sub(summary.rejected - rejected_up_front);
    Ok(summary)
}

/// Moves unreadable files to `rejected/`, each with its reason.
fn reject_all(
    journal: &Journal,
    problems: Vec<JournalProblem>,
    summary: &mut ReplaySummary,
) -> Result<(), JournalError> {
    for problem in problems {
        journal.reject(&problem.file, &problem.reason)?;
        tracing::warn!(file = %problem.file.display(), reason = %problem.reason, "journal file rejected");
        summary.rejected += 1;
        summary.rejections.push((problem.file, problem.reason));
    }
    Ok(())
}

/// A pending file, read now or left for the reader thread.
enum Slot {
    /// Read already (its name did not say enough to place it).
    Read(Box<JournalItem>),
    /// To be read by the reader thread.
    Unread(PendingFile),
}

/// Where a file falls in the replay order, to the second: kind rank, then UTC second written.
type Place = (u8, String);

/// Orders the pending files into batches, reading only the files whose name does not place
/// them (shifts, whose rank depends on whether they are closed, and names of another form).
/// Batches end only where the place changes, so sorting each batch by its records gives the
/// same order as sorting all of them. Returns the batches and the files read now that cannot
/// be read.
fn plan(files: Vec<PendingFile>) -> (Vec<Vec<Slot>>, Vec<JournalProblem>) {
    let mut placed: Vec<(Place, Slot)> = Vec::with_capacity(files.len());
    let mut problems = Vec::new();
    for pending in files {
        let rank = match pending.name_place() {
            Some(("entry", stamp)) => Some((1, stamp.to_string())),
            Some(("exit", stamp)) => Some((2, stamp.to_string())),
            Some(("audit", stamp)) => Some((4, stamp.to_string())),
            _ => None,
        };
        match rank {
            Some(place) => placed.push((place, Slot::Unread(pending))),
            None => match pending.read() {
                Ok(item) => {
                    let place = (
                        kind_rank(&item.record.payload),
                        item.created_at.format("%Y%m%d_%H%M%S").to_string(),
                    );
                    placed.push((place, Slot::Read(Box::new(item))));
                }
                Err(problem) => problems.push(problem),
            },
        }
    }
    placed.sort_by(|(a, _), (b, _)| a.cmp(b));
    let mut batches: Vec<Vec<Slot>> = Vec::new();
    let mut current: Vec<Slot> = Vec::new();
    let mut last: Option<Place> = None;
    for (place, slot) in placed {
        if current.len() >= BATCH && last.as_ref() != Some(&place) {
            batches.push(std::mem::take(&mut current));
        }
        current.push(slot);
        last = Some(place);
    }
    if !current.is_empty() {
        batches.push(current);
    }
    (batches, problems)
}

/// Reads one batch's files (on the reader thread).
fn read_batch(batch: Vec<Slot>) -> (Vec<JournalItem>, Vec<JournalProblem>) {
    let mut items = Vec::with_capacity(batch.len());
    let mut problems = Vec::new();
    for slot in batch {
        match slot {
            Slot::Read(item) => items.push(*item),
            Slot::Unread(pending) => match pending.read() {
                Ok(item) => items.push(item),
                Err(problem) => problems.push(problem),
            },
        }
    }
    (items, problems)
}

/// Shifts opened, then entries so exits (and late photos and reads) find them, then exits, then shifts closed (after their
/// exits, so the close sees them all), audit lines last.
fn kind_rank(payload: &JournalPayload) -> u8 {
    match payload {
        JournalPayload::Shift(shift) if shift.closed_at.is_none() => 0,
        JournalPayload::Entry(_) => 1,
        JournalPayload::EntryLate(_) => 2,
        JournalPayload::Exit(_) => 2,
        JournalPayload::Shift(_) => 3,
        JournalPayload::Emergency(_) | JournalPayload::Audit { .. } => 4,
    }
}

/// A booth's local emergency (its start, or its end). When the site declared its own while
/// the booth was cut off, the booth's is kept in the history as ended now: replaying it must
/// never open every barrier of the site after the site's own emergency was ended.
fn replay_emergency(
    store: &dyn Store,
    clock: &dyn Clock,
    emergency: &Emergency,
) -> Result<InsertOutcome, StoreError> {
    let outcome = match store.start_emergency(emergency) {
        Err(StoreError::Refused(why)) if emergency.active() => {
            tracing::warn!(id = %emergency.id, "a booth's local emergency is kept as ended: {why}");
            let ended = Emergency {
                ended_at: Some(clock.now().max(emergency.started_at)),
                ended_by: Some(format!("sync ({why})")),
                ..emergency.clone()
            };
            store.start_emergency(&ended)?
        }
        other => other?,
    };
    if let (Some(at), Some(by)) = (emergency.ended_at, &emergency.ended_by) {
        store.end_emergency(emergency.id, at, by)?;
    }
    Ok(outcome)
}

/// A late photo or read: an entry still missing leaves the file pending with its reason.
fn complete_entry(store: &dyn Store, late: &EntryLate) -> Result<InsertOutcome, StoreError> {
    match store.complete_entry(late)? {
        true => Ok(InsertOutcome::Inserted),
        false => Err(StoreError::NotFound(format!("entry {}", late.entry_id))),
    }
}

/// Moves the files of stored records to `synced/`. A file committed but not moved is logged:
/// the next replay finds its record already present.
fn move_synced(journal: &Journal, files: &[PathBuf]) {
    for result in journal.mark_synced_all(files) {
        if let Err(err) = result {
            tracing::warn!("{err}");
        }
    }
}

/// Handles one batch and hands the files of its stored records to `move_files`. Returns `Err`
/// only when the database is gone (stop, retry later).
#[allow(clippy::too_many_arguments)]
fn replay_chunk(
    journal: &Journal,
    store: &dyn Store,
    clock: &dyn Clock,
    chunk: &[JournalItem],
    summary: &mut ReplaySummary,
    done: &mut usize,
    total: usize,
    progress: &mut dyn FnMut(ReplayProgress),
    move_files: &mut dyn FnMut(Vec<PathBuf>),
) -> Result<(), StoreError> {
    // Photos first: a record never points at a photo the database lacks because of us.
    for item in chunk {
        if let Some(photo_ref) = &item.record.photo {
            match journal.read_photo(photo_ref) {
                Ok(photo) => match store.put_photo(&photo) {
                    Ok(_) => {}
                    Err(err) if err.goes_to_journal() => return Err(err),
                    Err(err) => tracing::warn!(file = %item.file.display(), "photo not stored: {err}"),
                },
                Err(err) => {
                    tracing::warn!(file = %item.file.display(), "photo of a journal record is missing: {err}")
                }
            }
        }
    }
    let entries: Vec<_> = chunk
        .iter()
        .filter_map(|item| match &item.record.payload {
            JournalPayload::Entry(entry) => Some(entry.clone()),
            _ => None,
        })
        .collect();
    let exits: Vec<_> = chunk
        .iter()
        .filter_map(|item| match &item.record.payload {
            JournalPayload::Exit(exit) => Some(exit.clone()),
            _ => None,
        })
        .collect();
    let entry_outcomes = store.record_entries(&entries);
    let exit_outcomes = store.record_exits(&exits);
    let orphans = orphan_ids(store, &exits, &exit_outcomes);
    let (mut entry_outcomes, mut exit_outcomes) = (entry_outcomes.into_iter(), exit_outcomes.into_iter());
    // Files whose records are stored; moved together after the batch (one folder flush).
    let mut stored = Vec::with_capacity(chunk.len());
    // Exits and duplicates stored now: those of a closed shift revise its report.
    let mut stored_exits = Vec::new();
    let mut outcome_of_chunk = Ok(());
    for item in chunk {
        progress(ReplayProgress {
            done: *done,
            total,
            current: item.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        });
        let outcome = match &item.record.payload {
            JournalPayload::Entry(_) => entry_outcomes.next(),
            JournalPayload::Exit(_) => exit_outcomes.next(),
            JournalPayload::EntryLate(late) => Some(complete_entry(store, late)),
            JournalPayload::Shift(shift) => Some(store.save_shift(shift)),
            JournalPayload::Emergency(emergency) => Some(replay_emergency(store, clock, emergency)),
            JournalPayload::Audit { id, audit } => Some(store.append_audit_once(*id, audit)),
        }
        .unwrap_or_else(|| {
            Err(StoreError::Database("the database returned fewer outcomes than records".into()))
        });
        match outcome {
            Ok(result) => {
                if let JournalPayload::Exit(exit) = &item.record.payload
                    && orphans.contains(&exit.id)
                {
                    summary.orphans += 1;
                }
                match result {
                    InsertOutcome::Inserted => summary.synced += 1,
                    InsertOutcome::AlreadyPresent => summary.already_present += 1,
                }
                if let (JournalPayload::Exit(exit), InsertOutcome::Inserted) = (&item.record.payload, result)
                {
                    stored_exits.push(Late { exit: exit.clone(), kind: LateKind::Exit });
                }
                stored.push(item.file.clone());
            }
            Err(StoreError::AlreadyExited { exit_id, .. }) => {
                // Both booths were cut off and each took the ticket: keep the money where it is.
                let JournalPayload::Exit(exit) = &item.record.payload else {
                    unreachable_outcome(summary, item);
                    *done += 1;
                    continue;
                };
                let duplicate =
                    DuplicateExit { exit: exit.clone(), first_exit_id: exit_id, detected_at: clock.now() };
                match store.record_duplicate_exit(&duplicate) {
                    Ok(_) => {
                        tracing::warn!(exit = %exit.id, first = %exit_id, "duplicate exit recorded for review");
                        summary.duplicates += 1;
                        stored_exits.push(Late { exit: exit.clone(), kind: LateKind::Duplicate });
                        stored.push(item.file.clone());
                    }
                    Err(err) if err.goes_to_journal() => {
                        outcome_of_chunk = Err(err);
                        break;
                    }
                    Err(err) => {
                        let message = err.to_string();
                        if let Err(write_err) = journal.record_failure(&item.file, &message, clock.now()) {
                            tracing::warn!("{write_err}");
                        }
                        summary.failed += 1;
                        summary.failures.push((item.file.clone(), message));
                    }
                }
            }
            Err(err) if err.goes_to_journal() => {
                outcome_of_chunk = Err(err);
                break;
            }
            Err(err) => {
                let message = err.to_string();
                if let Err(write_err) = journal.record_failure(&item.file, &message, clock.now()) {
                    tracing::warn!("{write_err}");
                }
                summary.failed += 1;
                summary.failures.push((item.file.clone(), message));
            }
        }
        *done += 1;
    }
    // Before the files move: a crash between the two finds the late records already there.
    if outcome_of_chunk.is_ok() {
        summary.late += note_late_records(store, clock, &stored_exits)?;
    }
    // Also when the database went away mid-batch: what was stored is not replayed again.
    move_files(stored);
    outcome_of_chunk?;
    progress(ReplayProgress { done: *done, total, current: String::new() });
    Ok(())
}

/// Counts a record the store answered for with an outcome that does not fit its kind.
fn unreachable_outcome(summary: &mut ReplaySummary, item: &JournalItem) {
    summary.failed += 1;
    summary.failures.push((item.file.clone(), "the database answered with an exit's outcome".into()));
}

/// An exit or duplicate stored by this batch.
struct Late {
    exit: Exit,
    kind: LateKind,
}

/// Notes every stored exit whose shift is already closed (a late record, audited once) and
/// returns how many there were.
fn note_late_records(store: &dyn Store, clock: &dyn Clock, stored: &[Late]) -> Result<usize, StoreError> {
    let mut shifts: HashMap<Uuid, Option<Shift>> = HashMap::new();
    let mut count = 0;
    for late in stored {
        let Some(shift_id) = late.exit.shift_id else { continue };
        if let std::collections::hash_map::Entry::Vacant(slot) = shifts.entry(shift_id) {
            slot.insert(store.shift(shift_id)?);
        }
        let Some(Some(shift)) = shifts.get(&shift_id) else { continue };
        if shift.closed_at.is_none() {
            continue;
        }
        let simulated = shift.simulated;
        let cash = |exits: &mut dyn Iterator<Item = &Exit>| -> Rupiah {
            exits
                .filter(|x| x.method == PaymentMethod::Cash && x.simulated == simulated)
                .map(|x| x.total)
                .sum()
        };
        let exits = store.shift_exits(shift_id)?;
        let duplicates = store.shift_duplicates(shift_id)?;
        let after =
            shift.opening_float + cash(&mut exits.iter()) + cash(&mut duplicates.iter().map(|d| &d.exit));
        if late.exit.simulated != shift.simulated {
            continue;
        }
        let own = if late.exit.method == PaymentMethod::Cash { late.exit.total } else { Rupiah::ZERO };
        let record = LateRecord {
            record_id: late.exit.id,
            shift_id,
            kind: late.kind,
            arrived_at: clock.now(),
            method: late.exit.method,
            total: late.exit.total,
            expected_before: after - own,
            expected_after: after,
        };
        if store.add_late_record(&record)? == InsertOutcome::Inserted {
            count += 1;
        }
        let audit = AuditRecord {
            time: clock.now(),
            site: shift.site.clone(),
            booth: late.exit.booth.clone(),
            username: Some(shift.username.clone()),
            action: "shift_revised".into(),
            detail: serde_json::json!({
                "shift_id": shift_id, "record_id": late.exit.id, "kind": late.kind.as_str(),
                "method": late.exit.method.as_str(), "total": late.exit.total.amount(),
                "expected_original": shift.expected_cash.map(|r| r.amount()),
                "expected_before": record.expected_before.amount(),
                "expected_after": record.expected_after.amount(),
            }),
        };
        store.append_audit_once(late.exit.id, &audit)?;
    }
    Ok(count)
}

/// The batch's stored exits whose entry is not in the database: one look per site at the
/// (small) list of waiting exits, not one lookup per exit.
fn orphan_ids(
    store: &dyn Store,
    exits: &[Exit],
    outcomes: &[Result<InsertOutcome, StoreError>],
) -> HashSet<Uuid> {
    let sites: BTreeSet<&str> = exits
        .iter()
        .zip(outcomes)
        .filter(|(_, outcome)| outcome.is_ok())
        .map(|(exit, _)| exit.site.as_str())
        .collect();
    let mut orphans = HashSet::new();
    for site in sites {
        // Simulated exits too: this counts the replayed records themselves.
        match store.orphan_exits(site, true) {
            Ok(waiting) => orphans.extend(waiting.into_iter().map(|exit| exit.id)),
            // Only the summary's count suffers; the records themselves are stored.
            Err(err) => tracing::warn!("exits waiting for their entry not counted: {err}"),
        }
    }
    orphans
}
