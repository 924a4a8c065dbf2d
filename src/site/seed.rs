//! `gardu db seed-demo`: fills a store with realistic past visits (for demos and benchmarks).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use clap::Args;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

use crate::domain::tariff::{default_tariffs, parking_fee};
use crate::domain::ticket::{self, TicketClaims};
use crate::domain::{FeeFlags, Rupiah, Tariff};
use crate::secret::SiteSecret;
use crate::store::{Entry, Exit, Origin, PaymentMethod, Shift, Store, StoreResult};

/// Arguments of `gardu db seed-demo`.
#[derive(Debug, Args)]
pub struct SeedArgs {
    /// How many visits to make.
    #[arg(long, default_value_t = 1_000)]
    pub visits: u64,
    /// Spread over this many past days.
    #[arg(long, default_value_t = 90)]
    pub days: u32,
    /// Random seed (the same seed gives the same visits).
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

/// What a seeding run wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seeded {
    /// Entries written.
    pub entries: u64,
    /// Exits written (the rest are still inside).
    pub exits: u64,
}

/// Writes `args.visits` visits ending before `now`: morning and evening peaks, 55 % motorbikes,
/// 40 % cars, 5 % trucks, stays from minutes to days, cash, QRIS, card and e-money; visits of the
/// last few hours are partly still inside. Booths `IN1`/`IN2` and `OUT1`/`OUT2`.
pub fn seed(
    store: &dyn Store,
    secret: &SiteSecret,
    site: &str,
    args: &SeedArgs,
    now: DateTime<Utc>,
) -> StoreResult<Seeded> {
    let mut rng = StdRng::seed_from_u64(args.seed);
    let tariffs = default_tariffs();
    let span_s = i64::from(args.days.max(1)) * 86_400;
    let start = now.trunc_subsecs(0) - Duration::seconds(span_s);
    let mut entries = Vec::with_capacity(1_000);
    let mut exits = Vec::with_capacity(1_000);
    let mut seeded = Seeded { entries: 0, exits: 0 };
    // The cashiers' shifts: one per exit booth and UTC day, so the demo's books balance.
    let mut shifts: BTreeMap<(String, i64), Shift> = BTreeMap::new();
    for n in 0..args.visits {
        // Evenly through the span, jittered, with a preference for peak hours.
        let base = start + Duration::seconds(span_s * n as i64 / args.visits.max(1) as i64);
        let entry_time = base + Duration::seconds(rng.random_range(0..600));
        let tariff = pick_class(&mut rng, &tariffs);
        let booth = if rng.random_bool(0.5) { "IN1" } else { "IN2" };
        let claims = TicketClaims {
            site: site.to_string(),
            booth: booth.to_string(),
            sequence: (n % 100_000) as u32 + 1,
            entry_time,
            class: tariff.class.clone(),
        };
        let code = ticket::encode(&claims, secret.bytes())
            .map_err(|e| crate::store::StoreError::Refused(e.to_string()))?;
        let entry = Entry {
            id: ticket::entry_id(&code),
            site: site.to_string(),
            booth: booth.to_string(),
            ticket_no: format!("{}-{:07}", booth, n + 1),
            ticket_code: code,
            plate: Some(random_plate(&mut rng)),
            class: tariff.class.clone(),
            card_uid: None,
            entry_time,
            operator: Some(if rng.random_bool(0.5) { "guard1" } else { "guard2" }.into()),
            photo_id: None,
            origin: if rng.random_bool(0.02) { Origin::Journal } else { Origin::Online },
            simulated: false,
            plate_read: None,
            plate_confidence: None,
            plate_source: crate::plate::PlateSource::None,
        };
        let stay_min: i64 = match rng.random_range(0..100) {
            0..=9 => rng.random_range(1..10),
            10..=69 => rng.random_range(10..240),
            70..=94 => rng.random_range(240..720),
            _ => rng.random_range(720..4_000),
        };
        let exit_time = entry_time + Duration::minutes(stay_min) + Duration::seconds(rng.random_range(0..60));
        if exit_time < now {
            let mut exit = make_exit(&mut rng, &entry, tariff, exit_time);
            let shift = shift_of(&mut shifts, site, &exit, now);
            exit.shift_id = Some(shift.id);
            if exit.method == PaymentMethod::Cash {
                let expected = shift.expected_cash.unwrap_or(shift.opening_float) + exit.total;
                shift.expected_cash = Some(expected);
            }
            exits.push(exit);
        }
        entries.push(entry);
        if entries.len() >= 1_000 {
            flush(store, &mut entries, &mut exits, &mut seeded)?;
        }
    }
    flush(store, &mut entries, &mut exits, &mut seeded)?;
    for shift in shifts.into_values() {
        let closed = shift.closed_at.is_some();
        let expected = shift.expected_cash.unwrap_or(shift.opening_float);
        let shift = if closed {
            Shift { expected_cash: Some(expected), counted_cash: Some(expected), ..shift }
        } else {
            Shift { expected_cash: None, ..shift }
        };
        store.insert_shift(&shift)?;
    }
    Ok(seeded)
}

/// The shift of the exit's booth on the exit's UTC day (made on first use): kasir1 at OUT1,
/// kasir2 at OUT2, a Rp 200.000 float, closed at the day's end once that has passed.
fn shift_of<'a>(
    shifts: &'a mut BTreeMap<(String, i64), Shift>,
    site: &str,
    exit: &Exit,
    now: DateTime<Utc>,
) -> &'a mut Shift {
    let day = exit.exit_time.timestamp().div_euclid(86_400);
    shifts.entry((exit.booth.clone(), day)).or_insert_with(|| {
        let opened_at = DateTime::from_timestamp(day * 86_400, 0).unwrap_or(exit.exit_time);
        let closes = opened_at + Duration::days(1) - Duration::seconds(1);
        let name = format!("seed-shift {site} {} {day}", exit.booth);
        Shift {
            id: {
                use sha2::Digest;
                let digest = sha2::Sha256::digest(name.as_bytes());
                let mut bytes = [0u8; 16];
                bytes.copy_from_slice(&digest[..16]);
                Uuid::new_v8(bytes)
            },
            site: site.to_string(),
            booth: exit.booth.clone(),
            username: exit.operator.clone().unwrap_or_default(),
            opened_at,
            closed_at: (closes < now).then_some(closes),
            opening_float: Rupiah(200_000),
            expected_cash: None,
            counted_cash: None,
            simulated: false,
        }
    })
}

fn flush(
    store: &dyn Store,
    entries: &mut Vec<Entry>,
    exits: &mut Vec<Exit>,
    seeded: &mut Seeded,
) -> StoreResult<()> {
    for outcome in store.record_entries(entries) {
        outcome?;
    }
    for outcome in store.record_exits(exits) {
        outcome?;
    }
    seeded.entries += entries.len() as u64;
    seeded.exits += exits.len() as u64;
    entries.clear();
    exits.clear();
    Ok(())
}

fn pick_class<'a>(rng: &mut StdRng, tariffs: &'a [Tariff]) -> &'a Tariff {
    let wanted = match rng.random_range(0..100) {
        0..=54 => "MTR",
        55..=94 => "MBL",
        _ => "TRK",
    };
    tariffs.iter().find(|t| t.class.as_str() == wanted).unwrap_or(&tariffs[0])
}

fn make_exit(rng: &mut StdRng, entry: &Entry, tariff: &Tariff, exit_time: DateTime<Utc>) -> Exit {
    let lost = rng.random_bool(0.003);
    let fee = parking_fee(tariff, entry.entry_time, exit_time, FeeFlags { lost_ticket: lost, member: false });
    let method = match (fee.total, rng.random_range(0..100)) {
        (Rupiah::ZERO, _) => PaymentMethod::Free,
        (_, 0..=69) => PaymentMethod::Cash,
        (_, 70..=89) => PaymentMethod::Qris,
        (_, 90..=94) => PaymentMethod::Card,
        _ => PaymentMethod::Emoney,
    };
    let total = fee.total;
    let tendered = (method == PaymentMethod::Cash).then(|| round_up_to(total, 5_000));
    let booth = if rng.random_bool(0.5) { "OUT1" } else { "OUT2" };
    Exit {
        id: Uuid::from_u128(rng.random()),
        entry_id: entry.id,
        site: entry.site.clone(),
        booth: booth.into(),
        exit_time,
        operator: Some(if booth == "OUT1" { "kasir1" } else { "kasir2" }.into()),
        shift_id: None,
        total,
        fee,
        method,
        change: tendered.map(|t| t - total),
        tendered,
        reference: (method != PaymentMethod::Cash && method != PaymentMethod::Free)
            .then(|| format!("REF{:08}", rng.random_range(0..100_000_000u32))),
        lost_ticket: lost,
        photo_id: None,
        origin: entry.origin,
        simulated: false,
        forced_reason: None,
    }
}

fn round_up_to(amount: Rupiah, step: i64) -> Rupiah {
    Rupiah((amount.0 + step - 1) / step * step)
}

/// A plausible plate: region letters, digits, suffix.
fn random_plate(rng: &mut StdRng) -> String {
    const REGIONS: [&str; 10] = ["B", "D", "F", "L", "AB", "AD", "BK", "DK", "H", "N"];
    let region = REGIONS[rng.random_range(0..REGIONS.len())];
    let number: u32 = rng.random_range(1..10_000);
    let suffix: String =
        (0..rng.random_range(1..=3)).map(|_| char::from(b'A' + rng.random_range(0..26u8))).collect();
    format!("{region} {number} {suffix}")
}
