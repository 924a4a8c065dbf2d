//! Live updates: every booth hears of every entry and exit as soon as it is committed, so the
//! admin's list, the "inside" count and an exit booth's screen stay current without polling the
//! whole table.
//!
//! PostgreSQL announces each new row with `NOTIFY gardu_visits` from a trigger, in the
//! inserting transaction (so a rolled-back row is never announced); a named thread holds a
//! dedicated `LISTEN` connection and reconnects by itself. SQLite has no such channel, so a
//! thread polls for rows added since the last look. Both deliver the same [`VisitEvent`]s
//! through a bounded channel; a subscriber that falls behind loses events (counted in
//! [`Subscription::missed`]) rather than stalling the listener.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use crossbeam_channel::{Receiver, Sender, TrySendError, bounded};
use postgres::fallible_iterator::FallibleIterator;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::{DatabaseLocation, redact_url};

/// The PostgreSQL notification channel the schema's triggers announce visits on.
pub const CHANNEL: &str = "gardu_visits";

/// Whether a vehicle came in or went out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitKind {
    /// A new entry.
    Entry,
    /// A new exit.
    Exit,
}

/// One committed entry or exit, as announced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitEvent {
    /// Entry or exit.
    pub kind: VisitKind,
    /// The entry's or exit's id.
    pub id: Uuid,
    /// Site code.
    pub site: String,
    /// Booth that recorded it.
    pub booth: String,
    /// Entry or exit time.
    pub time: DateTime<Utc>,
}

/// How a subscription listens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveOptions {
    /// Events held for a slow subscriber before new ones are dropped.
    pub capacity: usize,
    /// How often SQLite is polled.
    pub poll_interval: Duration,
    /// Wait between reconnection attempts while the database is away.
    pub retry_after: Duration,
}

impl Default for LiveOptions {
    fn default() -> Self {
        Self { capacity: 256, poll_interval: Duration::from_millis(500), retry_after: Duration::from_secs(2) }
    }
}

/// Why a subscription could not start.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The connection string or its TLS settings cannot be used (password hidden).
    #[error("{0}")]
    Url(String),
    /// An in-memory SQLite database has no second connection to poll from.
    #[error("live updates need a database file or server, not an in-memory database")]
    InMemory,
    /// The listener thread could not start.
    #[error("the live-update listener could not start: {0}")]
    Spawn(#[from] std::io::Error),
}

/// State shared between a subscription and its thread.
#[derive(Debug, Default)]
struct Shared {
    stop: AtomicBool,
    connected: AtomicBool,
    generation: AtomicU64,
    missed: AtomicU64,
}

/// A running listener; dropping it stops the thread.
#[derive(Debug)]
pub struct Subscription {
    events: Receiver<VisitEvent>,
    shared: Arc<Shared>,
    handle: Option<JoinHandle<()>>,
}

impl Subscription {
    /// The events, oldest first.
    pub fn events(&self) -> &Receiver<VisitEvent> {
        &self.events
    }

    /// True while the listener is attached to the database.
    pub fn connected(&self) -> bool {
        self.shared.connected.load(Ordering::Acquire)
    }

    /// How many times the listener has (re)attached. Events committed while it was away are not
    /// announced again: a screen re-reads what it shows when this number changes.
    pub fn generation(&self) -> u64 {
        self.shared.generation.load(Ordering::Acquire)
    }

    /// Events dropped because the subscriber did not keep up.
    pub fn missed(&self) -> u64 {
        self.shared.missed.load(Ordering::Relaxed)
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

/// Subscribes to the configured database's visits. `notify` is called after each delivered
/// event and each reconnection (the console passes a repaint request).
pub fn subscribe(
    location: &DatabaseLocation,
    options: &LiveOptions,
    notify: Arc<dyn Fn() + Send + Sync>,
) -> Result<Subscription, LiveError> {
    match location {
        DatabaseLocation::Postgres(url) => subscribe_postgres(url, options, notify),
        DatabaseLocation::Sqlite(path) => subscribe_sqlite(path, options, notify),
    }
}

/// Listens on PostgreSQL's `gardu_visits` channel.
pub fn subscribe_postgres(
    url: &str,
    options: &LiveOptions,
    notify: Arc<dyn Fn() + Send + Sync>,
) -> Result<Subscription, LiveError> {
    let (mut config, connector) =
        crate::store::postgres::tls::configure(url).map_err(|err| LiveError::Url(err.to_string()))?;
    config
        .application_name("gardu-live")
        .connect_timeout(Duration::from_secs(2))
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(10))
        .keepalives_interval(Duration::from_secs(2))
        .keepalives_retries(3);
    let shown = redact_url(url);
    let options = *options;
    start("live-listen", options, move |shared, sender| {
        listen(&config, &connector, &shown, &options, shared, sender, &*notify)
    })
}

/// Polls an SQLite file for rows added since the last look.
pub fn subscribe_sqlite(
    path: &Path,
    options: &LiveOptions,
    notify: Arc<dyn Fn() + Send + Sync>,
) -> Result<Subscription, LiveError> {
    if path.as_os_str() == ":memory:" {
        return Err(LiveError::InMemory);
    }
    let path = path.to_path_buf();
    let options = *options;
    start("live-poll", options, move |shared, sender| poll(&path, &options, shared, sender, &*notify))
}

fn start(
    name: &str,
    options: LiveOptions,
    body: impl FnOnce(&Shared, &Sender<VisitEvent>) + Send + 'static,
) -> Result<Subscription, LiveError> {
    let (sender, events) = bounded(options.capacity.max(1));
    let shared = Arc::new(Shared::default());
    let worker = shared.clone();
    let handle = std::thread::Builder::new().name(name.into()).spawn(move || body(&worker, &sender))?;
    Ok(Subscription { events, shared, handle: Some(handle) })
}

/// Hands an event over without ever blocking the listener.
fn deliver(
    shared: &Shared,
    sender: &Sender<VisitEvent>,
    event: VisitEvent,
    notify: &(dyn Fn() + Send + Sync),
) {
    match sender.try_send(event) {
        Ok(()) => notify(),
        Err(TrySendError::Full(_)) => {
            shared.missed.fetch_add(1, Ordering::Relaxed);
        }
        // The subscription is being dropped; the stop flag ends the loop.
        Err(TrySendError::Disconnected(_)) => {}
    }
}

/// Sleeps up to `duration`, waking early when asked to stop; true when asked.
fn pause(shared: &Shared, duration: Duration) -> bool {
    let until = Instant::now() + duration;
    while Instant::now() < until {
        if shared.stop.load(Ordering::Acquire) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50).min(until.saturating_duration_since(Instant::now())));
    }
    shared.stop.load(Ordering::Acquire)
}

fn attached(shared: &Shared, notify: &(dyn Fn() + Send + Sync)) {
    shared.connected.store(true, Ordering::Release);
    shared.generation.fetch_add(1, Ordering::AcqRel);
    notify();
}

fn listen(
    config: &postgres::Config,
    connector: &crate::store::postgres::tls::Connector,
    shown: &str,
    options: &LiveOptions,
    shared: &Shared,
    sender: &Sender<VisitEvent>,
    notify: &(dyn Fn() + Send + Sync),
) {
    while !shared.stop.load(Ordering::Acquire) {
        let client = connector.connect(config).and_then(|mut client| {
            client.batch_execute(&format!("LISTEN {CHANNEL}"))?;
            Ok(client)
        });
        let mut client = match client {
            Ok(client) => client,
            Err(err) => {
                let err = crate::store::postgres::tls::hide_password(&err.to_string(), config);
                tracing::debug!(database = shown, "live updates waiting for the database: {err}");
                if pause(shared, options.retry_after) {
                    break;
                }
                continue;
            }
        };
        attached(shared, notify);
        tracing::info!(database = shown, "listening for live updates");
        while !shared.stop.load(Ordering::Acquire) {
            // A short wait, so a dropped subscription is noticed promptly.
            let next = client.notifications().timeout_iter(Duration::from_millis(250)).next();
            match next {
                Ok(Some(notification)) => match serde_json::from_str::<VisitEvent>(notification.payload()) {
                    Ok(event) => deliver(shared, sender, event, notify),
                    Err(err) => tracing::warn!("unreadable live update {:?}: {err}", notification.payload()),
                },
                Ok(None) if client.is_closed() => break,
                Ok(None) => {}
                Err(err) => {
                    tracing::info!(database = shown, "live updates lost the database, reconnecting: {err}");
                    break;
                }
            }
        }
        shared.connected.store(false, Ordering::Release);
    }
}

/// The rows after `after` (by rowid, which only grows: replayed rows with old times are found
/// too, as a time-based look would not), as events.
fn new_rows(
    conn: &rusqlite::Connection,
    kind: VisitKind,
    after: &mut i64,
) -> rusqlite::Result<Vec<VisitEvent>> {
    let sql = match kind {
        VisitKind::Entry => {
            "SELECT rowid, id, site_code, booth, entry_time FROM entries WHERE rowid > ?1 ORDER BY rowid LIMIT 1000"
        }
        VisitKind::Exit => {
            "SELECT rowid, id, site_code, booth, exit_time FROM exits WHERE rowid > ?1 ORDER BY rowid LIMIT 1000"
        }
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query([*after])?;
    let mut events = Vec::new();
    while let Some(row) = rows.next()? {
        *after = row.get(0)?;
        let id: String = row.get(1)?;
        let millis: i64 = row.get(4)?;
        let (Ok(id), Some(time)) = (Uuid::parse_str(&id), DateTime::from_timestamp_millis(millis)) else {
            tracing::warn!("unreadable {kind:?} row {id:?} skipped by live updates");
            continue;
        };
        events.push(VisitEvent { kind, id, site: row.get(2)?, booth: row.get(3)?, time });
    }
    Ok(events)
}

fn poll(
    path: &PathBuf,
    options: &LiveOptions,
    shared: &Shared,
    sender: &Sender<VisitEvent>,
    notify: &(dyn Fn() + Send + Sync),
) {
    while !shared.stop.load(Ordering::Acquire) {
        let opened = rusqlite::Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .and_then(|conn| {
            conn.busy_timeout(Duration::from_secs(1))?;
            let last = |table: &str| {
                conn.query_row(&format!("SELECT coalesce(max(rowid), 0) FROM {table}"), [], |row| {
                    row.get::<_, i64>(0)
                })
            };
            let marks = (last("entries")?, last("exits")?);
            Ok((conn, marks))
        });
        let (conn, (mut entries_seen, mut exits_seen)) = match opened {
            Ok(opened) => opened,
            Err(err) => {
                tracing::debug!(file = %path.display(), "live updates waiting for the database: {err}");
                if pause(shared, options.retry_after) {
                    break;
                }
                continue;
            }
        };
        attached(shared, notify);
        while !pause(shared, options.poll_interval) {
            let found = new_rows(&conn, VisitKind::Entry, &mut entries_seen).and_then(|mut events| {
                events.extend(new_rows(&conn, VisitKind::Exit, &mut exits_seen)?);
                Ok(events)
            });
            match found {
                Ok(events) => {
                    for event in events {
                        deliver(shared, sender, event, notify);
                    }
                }
                Err(err) => {
                    tracing::info!(file = %path.display(), "live updates lost the database, reopening: {err}");
                    break;
                }
            }
        }
        shared.connected.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use chrono::TimeZone;

    use super::*;
    use crate::domain::{ClassCode, FeeFlags};
    use crate::store::sqlite::SqliteStore;
    use crate::store::{Entry, Exit, Origin, PaymentMethod, Store};

    fn entry(n: u128) -> Entry {
        Entry {
            id: Uuid::from_u128(n),
            site: "SITE-01".into(),
            booth: "IN2".into(),
            ticket_no: format!("IN2-240301-{n:04}"),
            ticket_code: format!("G1.CODE{n}"),
            plate: None,
            class: ClassCode::parse("MTR").unwrap(),
            card_uid: None,
            entry_time: Utc.with_ymd_and_hms(2024, 3, 1, 1, 0, 0).unwrap(),
            operator: None,
            photo_id: None,
            origin: Origin::Journal,
            simulated: false,
            plate_read: None,
            plate_confidence: None,
            plate_source: crate::plate::PlateSource::None,
        }
    }

    fn wait_for(subscription: &Subscription, what: impl Fn(&Subscription) -> bool) {
        let until = Instant::now() + Duration::from_secs(10);
        while !what(subscription) {
            assert!(Instant::now() < until, "timed out waiting for the subscription");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn sqlite_polling_announces_new_rows_once_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gardu.db");
        let store = SqliteStore::open(&path).unwrap();
        store.record_entry(&entry(1)).unwrap(); // before the subscription: not announced
        let woken = Arc::new(AtomicUsize::new(0));
        let counter = woken.clone();
        let options = LiveOptions { poll_interval: Duration::from_millis(20), ..LiveOptions::default() };
        let subscription = subscribe(
            &DatabaseLocation::Sqlite(path.clone()),
            &options,
            Arc::new(move || {
                counter.fetch_add(1, Ordering::Relaxed);
            }),
        )
        .unwrap();
        wait_for(&subscription, Subscription::connected);
        assert_eq!(subscription.generation(), 1);
        // A replayed entry with an old time is announced too.
        store.record_entries(&[entry(2), entry(3)]);
        let tariff = crate::domain::tariff::default_tariffs().remove(0);
        let fee = crate::domain::tariff::parking_fee(
            &tariff,
            entry(2).entry_time,
            entry(2).entry_time + chrono::Duration::minutes(90),
            FeeFlags::default(),
        );
        let exit = Exit {
            id: Uuid::from_u128(0xF2),
            entry_id: entry(2).id,
            site: "SITE-01".into(),
            booth: "OUT1".into(),
            exit_time: entry(2).entry_time + chrono::Duration::minutes(90),
            operator: None,
            shift_id: None,
            total: fee.total,
            fee,
            method: PaymentMethod::Qris,
            tendered: None,
            change: None,
            reference: None,
            lost_ticket: false,
            photo_id: None,
            origin: Origin::Online,
            simulated: false,
            forced_reason: None,
        };
        store.record_exit(&exit).unwrap();
        let received: Vec<VisitEvent> =
            (0..3).map(|_| subscription.events().recv_timeout(Duration::from_secs(10)).unwrap()).collect();
        let ids: Vec<(VisitKind, Uuid)> = received.iter().map(|e| (e.kind, e.id)).collect();
        assert_eq!(
            ids,
            [(VisitKind::Entry, entry(2).id), (VisitKind::Entry, entry(3).id), (VisitKind::Exit, exit.id)]
        );
        assert_eq!(received[2].booth, "OUT1");
        assert_eq!(received[2].time, exit.exit_time);
        assert_eq!(received[0].site, "SITE-01");
        assert!(subscription.events().recv_timeout(Duration::from_millis(100)).is_err(), "nothing twice");
        assert!(woken.load(Ordering::Relaxed) >= 4, "woken for the attach and each event");
        assert_eq!(subscription.missed(), 0);
    }

    #[test]
    fn a_slow_subscriber_loses_events_but_never_blocks_the_listener() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gardu.db");
        let store = SqliteStore::open(&path).unwrap();
        let options =
            LiveOptions { capacity: 2, poll_interval: Duration::from_millis(20), ..LiveOptions::default() };
        let subscription = subscribe_sqlite(&path, &options, Arc::new(|| {})).unwrap();
        wait_for(&subscription, Subscription::connected);
        store.record_entries(&(1..=5).map(entry).collect::<Vec<_>>());
        wait_for(&subscription, |s| s.missed() == 3);
        assert_eq!(subscription.events().len(), 2);
        assert!(matches!(
            subscribe_sqlite(Path::new(":memory:"), &options, Arc::new(|| {})),
            Err(LiveError::InMemory)
        ));
    }
}
