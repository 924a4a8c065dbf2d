//! The rows the store reads and writes: sites, users, entries, exits, photos, shifts, audit.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::{ClassCode, Fee, Rupiah, Tariff};

/// A parking site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Site {
    /// `JKT-MALL-01` style code carried on every transaction row.
    pub code: String,
    /// Name printed on tickets.
    pub name: String,
    /// Street address or description.
    pub location: String,
    /// Region, for HQ reports.
    pub region: String,
    /// IANA time zone, e.g. `Asia/Jakarta`.
    pub timezone: String,
    /// How many vehicles fit; `None` for no limit.
    pub capacity: Option<u32>,
    /// Extra lines printed under the site name on tickets and receipts.
    pub receipt_header: String,
    /// Lines printed at the bottom of tickets and receipts.
    pub receipt_footer: String,
}

/// What a person may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Entry booth.
    Guard,
    /// Exit booth, money.
    Cashier,
    /// Everything.
    Admin,
    /// Devices, diagnostics and simulation; no money, no users.
    Technician,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Guard => "guard",
            Role::Cashier => "cashier",
            Role::Admin => "admin",
            Role::Technician => "technician",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<Role> {
        [Role::Guard, Role::Cashier, Role::Admin, Role::Technician].into_iter().find(|r| r.as_str() == text)
    }
}

/// An operator account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Stable id.
    pub id: Uuid,
    /// Login name, unique, lower case.
    pub username: String,
    /// Name shown on screens and receipts.
    pub full_name: String,
    /// What the user may do.
    pub role: Role,
    /// argon2id PHC string; never the password.
    pub password_hash: String,
    /// Inactive users cannot log in.
    pub active: bool,
    /// Failed logins since the last success.
    pub failed_attempts: u32,
    /// Locked out until then, after too many failures.
    pub locked_until: Option<DateTime<Utc>>,
    /// When the account was made.
    pub created_at: DateTime<Utc>,
}

/// A member (season pass) card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Card uid in the devices' normalised form (8 upper-case hex digits).
    pub card_uid: String,
    /// Holder's name.
    pub name: String,
    /// Registered plate, normalised.
    pub plate: Option<String>,
    /// Vehicle class.
    pub class: ClassCode,
    /// Last valid day (site time).
    pub valid_until: NaiveDate,
    /// Switched off cards are refused.
    pub active: bool,
    /// A sample card for simulation: only a simulated reader may present it.
    #[serde(default)]
    pub simulated: bool,
}

/// One tariff version: a class's tariff from a moment on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TariffVersion {
    /// Site code.
    pub site: String,
    /// The tariff itself (class inside).
    pub tariff: Tariff,
    /// Applies to exits from this moment on, until a later version.
    pub effective_from: DateTime<Utc>,
    /// Who saved it (`system` for the seed).
    pub created_by: String,
}

/// Whether a row was written live or replayed from an offline journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Written while the database was reachable.
    Online,
    /// Written to the journal during an outage and replayed later.
    Journal,
}

impl Origin {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Online => "online",
            Origin::Journal => "journal",
        }
    }

    /// Parses a stored name (unknown names read as journal: the conservative choice).
    pub fn parse(text: &str) -> Origin {
        if text == "online" { Origin::Online } else { Origin::Journal }
    }
}

/// A vehicle coming in. Insert-only, except that a photo or a plate read arriving after the
/// ticket fills its empty `photo_id` and `plate_read` once ([`EntryLate`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Made by the booth, so it is the same online or replayed.
    pub id: Uuid,
    /// Site code.
    pub site: String,
    /// Entry booth code.
    pub booth: String,
    /// Human ticket number (`IN1-261123-0042`); empty for a member card entry without ticket.
    pub ticket_no: String,
    /// Signed ticket code printed as QR.
    pub ticket_code: String,
    /// Plate, normalised, if known.
    pub plate: Option<String>,
    /// Vehicle class.
    pub class: ClassCode,
    /// Member card used, if any.
    pub card_uid: Option<String>,
    /// When the vehicle came in.
    pub entry_time: DateTime<Utc>,
    /// Username of the guard on duty.
    pub operator: Option<String>,
    /// Photo taken at entry, if the camera delivered one.
    pub photo_id: Option<Uuid>,
    /// Online or journal.
    pub origin: Origin,
    /// Made by simulated devices or simulated traffic: left out of every figure.
    #[serde(default)]
    pub simulated: bool,
    /// The plate the reader made of the entry photo (normalised), whatever the guard confirmed.
    #[serde(default)]
    pub plate_read: Option<String>,
    /// Confidence of `plate_read`, 0–1.
    #[serde(default)]
    pub plate_confidence: Option<f32>,
    /// Where `plate` came from: the reader, the guard's keyboard (or a member's card), or nowhere.
    #[serde(default)]
    pub plate_source: crate::plate::PlateSource,
}

/// What reaches an entry after its ticket was printed: the photo of a slow camera, the plate
/// the reader took its time over. Each fills the entry's column only while it is still empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryLate {
    /// The entry.
    pub entry_id: Uuid,
    /// The photo (stored separately), if it arrived.
    pub photo_id: Option<Uuid>,
    /// The reader's plate, if it read one.
    pub plate_read: Option<String>,
    /// Its confidence.
    pub plate_confidence: Option<f32>,
}

impl EntryLate {
    /// The journal id of this late record: derived from the entry and what it carries, so the
    /// same arrival written twice is one record.
    pub fn id(&self) -> Uuid {
        use sha2::Digest;
        let what = format!("late|{}|{:?}|{:?}", self.entry_id, self.photo_id, self.plate_read);
        let digest = sha2::Sha256::digest(what.as_bytes());
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        Uuid::new_v8(bytes)
    }
}

/// How the plate reader did over a period: of the entries, how many had a plate read, and how
/// often the guard typed a plate other than the read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct PlateStats {
    /// Entries in the period.
    pub entries: u64,
    /// Entries with a plate read.
    pub read: u64,
    /// Entries whose read the guard corrected (typed another plate).
    pub corrected: u64,
}

impl PlateStats {
    /// Reads per hundred entries, `None` without entries.
    pub fn read_pct(&self) -> Option<f64> {
        (self.entries > 0).then(|| self.read as f64 * 100.0 / self.entries as f64)
    }

    /// Corrections per hundred reads, `None` without reads.
    pub fn corrected_pct(&self) -> Option<f64> {
        (self.read > 0).then(|| self.corrected as f64 * 100.0 / self.read as f64)
    }
}

/// How a visit was paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// Cash with tendered amount and change.
    Cash,
    /// QRIS code.
    Qris,
    /// Debit or credit card.
    Card,
    /// Prepaid e-money card.
    Emoney,
    /// Nothing to pay (grace, member).
    Free,
}

impl PaymentMethod {
    /// Every method, in menu order.
    pub const ALL: [PaymentMethod; 5] = [
        PaymentMethod::Cash,
        PaymentMethod::Qris,
        PaymentMethod::Card,
        PaymentMethod::Emoney,
        PaymentMethod::Free,
    ];

    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Cash => "cash",
            PaymentMethod::Qris => "qris",
            PaymentMethod::Card => "card",
            PaymentMethod::Emoney => "emoney",
            PaymentMethod::Free => "free",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<PaymentMethod> {
        Self::ALL.into_iter().find(|m| m.as_str() == text)
    }
}

/// A vehicle leaving, paid. Insert-only; at most one per entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exit {
    /// Made by the booth.
    pub id: Uuid,
    /// The entry it closes (no foreign key: it may be replayed before its entry).
    pub entry_id: Uuid,
    /// Site code.
    pub site: String,
    /// Exit booth code.
    pub booth: String,
    /// When the vehicle left.
    pub exit_time: DateTime<Utc>,
    /// Username of the cashier.
    pub operator: Option<String>,
    /// The cashier's open shift.
    pub shift_id: Option<Uuid>,
    /// The fee as computed, with its breakdown.
    pub fee: Fee,
    /// What was charged (equals `fee.total`).
    pub total: Rupiah,
    /// How it was paid.
    pub method: PaymentMethod,
    /// Cash handed over.
    pub tendered: Option<Rupiah>,
    /// Change given back.
    pub change: Option<Rupiah>,
    /// Non-cash reference (approval code, QRIS reference).
    pub reference: Option<String>,
    /// The ticket was lost.
    pub lost_ticket: bool,
    /// Photo at exit, if any.
    pub photo_id: Option<Uuid>,
    /// Online or journal.
    pub origin: Origin,
    /// Made by simulated devices or simulated traffic: left out of every figure.
    #[serde(default)]
    pub simulated: bool,
    /// Set when this row is a forced close, not a payment: the visit was closed by an admin
    /// (towed, left during a manual open, system error) with this reason. It belongs to no
    /// shift; `total` is the fee the visit should carry (zero allowed).
    #[serde(default)]
    pub forced_reason: Option<String>,
}

impl Exit {
    /// True for a forced close (see `forced_reason`).
    pub fn forced(&self) -> bool {
        self.forced_reason.is_some()
    }
}

/// A second payment of a ticket that had already exited at another booth, found on replay:
/// both booths were cut off and each took the ticket (a photocopy). The money stays in the
/// second cashier's shift; the admin reviews it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateExit {
    /// The second payment, as the booth recorded it.
    pub exit: Exit,
    /// The exit that closed the visit first.
    pub first_exit_id: Uuid,
    /// When the replay found it.
    pub detected_at: DateTime<Utc>,
}

/// Which kind of record reached a shift after it was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LateKind {
    /// An exit.
    Exit,
    /// A duplicate exit.
    Duplicate,
}

impl LateKind {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            LateKind::Exit => "exit",
            LateKind::Duplicate => "duplicate",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> LateKind {
        if text == "duplicate" { LateKind::Duplicate } else { LateKind::Exit }
    }
}

/// A record that reached a closed shift (replayed from a journal after the close): the
/// shift's expected cash before and after it, so the original figures stay beside the revised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LateRecord {
    /// The exit's (or duplicate's) id.
    pub record_id: Uuid,
    /// The shift it belongs to.
    pub shift_id: Uuid,
    /// Exit or duplicate.
    pub kind: LateKind,
    /// When it reached the database.
    pub arrived_at: DateTime<Utc>,
    /// How it was paid.
    pub method: PaymentMethod,
    /// Money.
    pub total: Rupiah,
    /// The shift's expected cash before it arrived.
    pub expected_before: Rupiah,
    /// And after.
    pub expected_after: Rupiah,
}

/// An entry with its exit, if it has left.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    /// The entry.
    pub entry: Entry,
    /// The exit, when the vehicle has left.
    pub exit: Option<Exit>,
}

/// What a photo shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhotoKind {
    /// At the entry barrier.
    Entry,
    /// At the exit barrier.
    Exit,
    /// A manual gate opening.
    Manual,
}

impl PhotoKind {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            PhotoKind::Entry => "entry",
            PhotoKind::Exit => "exit",
            PhotoKind::Manual => "manual",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> PhotoKind {
        match text {
            "exit" => PhotoKind::Exit,
            "manual" => PhotoKind::Manual,
            _ => PhotoKind::Entry,
        }
    }
}

/// A JPEG photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    /// Made by the booth.
    pub id: Uuid,
    /// What it shows.
    pub kind: PhotoKind,
    /// When it was taken.
    pub taken_at: DateTime<Utc>,
    /// JPEG bytes, already scaled.
    pub jpeg: Vec<u8>,
}

/// A cashier's shift at one booth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shift {
    /// Stable id.
    pub id: Uuid,
    /// Site code.
    pub site: String,
    /// Booth code.
    pub booth: String,
    /// Username of the cashier.
    pub username: String,
    /// When it was opened.
    pub opened_at: DateTime<Utc>,
    /// When it was closed; `None` while open.
    pub closed_at: Option<DateTime<Utc>>,
    /// Cash in the drawer at the start.
    pub opening_float: Rupiah,
    /// Opening float plus cash taken, computed at close.
    pub expected_cash: Option<Rupiah>,
    /// What the cashier counted at close.
    pub counted_cash: Option<Rupiah>,
    /// Opened at a simulated booth: its payments are simulated, and it stays out of the books.
    #[serde(default)]
    pub simulated: bool,
}

/// One line of the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// When it happened.
    pub time: DateTime<Utc>,
    /// Site code.
    pub site: String,
    /// Booth code, or `cli` / `admin`.
    pub booth: String,
    /// Username, when someone was logged in.
    pub username: Option<String>,
    /// What happened: `login`, `login_failed`, `lockout`, `manual_open`, `lost_ticket`, …
    pub action: String,
    /// Details as JSON (reason, ids, before/after).
    pub detail: serde_json::Value,
}

/// Whether a write created a row or found the same row already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InsertOutcome {
    /// Written now.
    Inserted,
    /// The same id was already stored (a replay): not an error.
    AlreadyPresent,
}

/// How to find an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryLookup {
    /// By its entry id.
    Id(Uuid),
    /// By the signed code scanned from the ticket.
    TicketCode(String),
    /// By the human ticket number typed by the cashier.
    TicketNo(String),
    /// By plate search key (`B1234XYZ`): the latest entry whose confirmed plate or read plate
    /// (from its entry photo) has that key.
    PlateKey(String),
    /// By member card uid: the latest entry of that card.
    Card(String),
}

/// Inside or left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitState {
    /// Entry without exit.
    Inside,
    /// Entry with exit.
    Exited,
}

/// Filters for the transaction list; every field narrows, `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VisitFilter {
    /// Site code.
    pub site: Option<String>,
    /// Entry time from (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Entry time to (exclusive).
    pub to: Option<DateTime<Utc>>,
    /// Part of a plate, matched on the search key (spaces ignored).
    pub plate: Option<String>,
    /// Ticket number (or part of it).
    pub ticket: Option<String>,
    /// Vehicle class.
    pub class: Option<ClassCode>,
    /// Entry or exit booth.
    pub booth: Option<String>,
    /// Entry or exit operator username.
    pub operator: Option<String>,
    /// Payment method.
    pub method: Option<PaymentMethod>,
    /// Inside or exited.
    pub state: Option<VisitState>,
    /// Only lost tickets.
    pub lost_only: bool,
    /// Only rows written from an offline journal.
    pub offline_only: bool,
    /// Count visits made by simulation too (left out by default).
    pub include_simulated: bool,
    /// Only visits with a duplicate exit (a second payment at another booth) to review.
    pub duplicates_only: bool,
    /// Only visits closed by a forced close.
    pub forced_only: bool,
}

/// Which page of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return.
    pub limit: u64,
}

/// One page of visits, newest entry first, and how many match in all.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitPage {
    /// The rows.
    pub rows: Vec<Visit>,
    /// All matching rows.
    pub total: u64,
}

/// Per-class figures for a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassDay {
    /// Class code.
    pub class: ClassCode,
    /// Entries that day.
    pub entries: u64,
    /// Exits that day.
    pub exits: u64,
    /// Money taken that day.
    pub revenue: Rupiah,
}

/// Per-method figures for a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MethodDay {
    /// Payment method.
    pub method: PaymentMethod,
    /// Exits paid this way.
    pub exits: u64,
    /// Money taken this way.
    pub revenue: Rupiah,
}

/// One day at one site, in the site's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DailyStats {
    /// The local day.
    pub day: NaiveDate,
    /// Entries that day.
    pub entries: u64,
    /// Exits that day.
    pub exits: u64,
    /// Money taken that day.
    pub revenue: Rupiah,
    /// Entries in each local hour 0–23.
    pub entries_per_hour: [u64; 24],
    /// Exits in each local hour 0–23.
    pub exits_per_hour: [u64; 24],
    /// By class: every configured class in display order (zeros included), then any other
    /// class the day's visits carry. An exit counts under its entry's class; an orphan exit
    /// (entry not stored yet) is in the day's totals but in no class.
    pub by_class: Vec<ClassDay>,
    /// By payment method: every method in `PaymentMethod::ALL` order, zeros included.
    pub by_method: Vec<MethodDay>,
    /// Average stay of the day's exits whose entry is known, in whole minutes (rounded down).
    pub average_stay_min: Option<i64>,
    /// Lost tickets among the day's exits.
    pub lost_tickets: u64,
}

/// A running console's report of itself, written every half minute so the admin dashboard can
/// show each booth's state. A booth that cannot reach the database stops reporting: its last
/// report ages, and that age is what the dashboard shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoothStatus {
    /// Site code.
    pub site: String,
    /// Booth code (one row per booth, the newest report wins).
    pub booth: String,
    /// `entry`, `exit` or `admin`.
    pub mode: String,
    /// Username of the operator logged in, if any.
    pub operator: Option<String>,
    /// When the booth wrote this report (its clock).
    pub seen_at: DateTime<Utc>,
    /// Devices are simulated.
    pub simulated: bool,
    /// Records waiting in the booth's offline journal.
    pub journal_waiting: u64,
    /// Journal files the sync refused, waiting for a person.
    pub journal_rejected: u64,
    /// Devices in fault, as `device: reason` lines.
    pub faults: Vec<String>,
    /// Program version.
    pub version: String,
}

/// Exits of a time range that share class, payment method, operator and shift, added up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExitGroup {
    /// The entry's class; `None` for exits whose entry is not stored (orphans).
    pub class: Option<ClassCode>,
    /// How they were paid.
    pub method: PaymentMethod,
    /// Cashier username.
    pub operator: Option<String>,
    /// The cashier's shift.
    pub shift_id: Option<Uuid>,
    /// How many exits.
    pub exits: u64,
    /// Money taken.
    pub revenue: Rupiah,
    /// Lost tickets among them.
    pub lost_tickets: u64,
    /// Exits whose entry is known (so whose stay is known).
    pub stays: u64,
    /// Sum of those stays in milliseconds.
    pub stay_total_ms: i64,
}

/// Filters for the audit log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Site code (every site when `None`; a site's own database holds only its own).
    pub site: Option<String>,
    /// Action name.
    pub action: Option<String>,
    /// Username.
    pub username: Option<String>,
    /// Booth code.
    pub booth: Option<String>,
    /// From (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// To (exclusive).
    pub to: Option<DateTime<Utc>>,
    /// At most this many, newest first; 0 for no limit.
    pub limit: u64,
}

/// Schema version and how many rows each table holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemaInfo {
    /// Backend name: `sqlite` or `postgres`.
    pub backend: String,
    /// Applied migration count.
    pub version: i64,
    /// Table name and row count.
    pub counts: Vec<(String, i64)>,
}

/// An entry as the books see it: when it came, and whether something closed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BookEntry {
    /// Entry id.
    pub id: Uuid,
    /// When it came in.
    pub entry_time: DateTime<Utc>,
    /// Made by simulation.
    pub simulated: bool,
    /// The exit that closed it, if any.
    pub exit_id: Option<Uuid>,
    /// That exit is a forced close.
    pub forced: bool,
}

/// An exit as the books see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BookExit {
    /// The exit row (a forced close too).
    pub exit: Exit,
    /// Its entry is not in the database (yet).
    pub orphan: bool,
}

/// What the books check reads for a period of one site: the entries that came in, the exits
/// and duplicate payments that happened, the shifts they belong to (and those opened in the
/// period), and those shifts' late records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BooksRows {
    /// Entries with their entry time in the period.
    pub entries: Vec<BookEntry>,
    /// Exits (and forced closes) with their exit time in the period.
    pub exits: Vec<BookExit>,
    /// Duplicate exits with their exit time in the period.
    pub duplicates: Vec<DuplicateExit>,
    /// Shifts those exits belong to, and shifts opened in the period.
    pub shifts: Vec<Shift>,
    /// Late records of those shifts.
    pub late: Vec<LateRecord>,
}
