//! The tour's records for the books: OUT2 was cut off and took a photocopy of a ticket already
//! paid at OUT1, and a car's exit that Budi took there for his own shift; Budi closed his shift
//! before OUT2's journal came back, so the replay revises it; a towed car is closed by the admin.
//! Everything goes through the store, the journal, its replay and `close_visit`, as at a site.

use anyhow::Context as _;
use chrono::Duration;
use uuid::Uuid;

use crate::admin::Acting;
use crate::admin::closes::close_visit;
use crate::auth::AuditContext;
use crate::clock::{Clock, ManualClock};
use crate::domain::plate::search_key;
use crate::domain::tariff::{default_tariffs, parking_fee};
use crate::domain::{FeeFlags, Rupiah};
use crate::journal::{JournalPayload, replay};
use crate::lane::shift;
use crate::site::Context;
use crate::store::{EntryLookup, Exit, Origin, PaymentMethod, Shift};

/// Writes the records; the clock moves on five minutes.
pub(super) fn books_records(base: &Context, clock: &ManualClock) -> anyhow::Result<()> {
    let store = base.open_store()?;
    let site = base.config.site.code.clone();
    clock.advance(Duration::minutes(5));
    let now = clock.now();
    let plate = |text: &str| EntryLookup::PlateKey(search_key(text));

    let out2_shift = Shift {
        id: Uuid::new_v4(),
        site: site.clone(),
        booth: "OUT2".into(),
        username: "kasir2".into(),
        opened_at: now - Duration::hours(3),
        closed_at: None,
        opening_float: Rupiah(150_000),
        expected_cash: None,
        counted_cash: None,
        simulated: false,
    };
    store.open_shift(&out2_shift)?;
    let first = store
        .find_visit(&site, &plate("B 1821 KJA"))?
        .and_then(|visit| visit.exit)
        .context("B 1821 KJA has not left at OUT1")?;
    let photocopy = Exit {
        id: Uuid::new_v4(),
        booth: "OUT2".into(),
        exit_time: now - Duration::minutes(2),
        operator: Some("kasir2".into()),
        shift_id: Some(out2_shift.id),
        photo_id: None,
        origin: Origin::Journal,
        ..first
    };

    let budi = store.open_shift_of("budi")?.context("Budi has no open shift")?;
    let expected = shift::report(store.as_ref(), budi.id, now, false)?.expected_cash;
    store.close_shift(budi.id, now, expected, expected)?;

    let car = store.find_open_entry(&site, &plate("D 1290 ABC"))?.context("D 1290 ABC is not inside")?;
    let tariff = default_tariffs().into_iter().find(|t| t.class == car.class).context("no tariff")?;
    let left = now - Duration::minutes(4);
    let fee = parking_fee(&tariff, car.entry_time, left, FeeFlags::default());
    let late = Exit {
        id: Uuid::new_v4(),
        entry_id: car.id,
        site: site.clone(),
        booth: "OUT2".into(),
        exit_time: left,
        operator: Some("budi".into()),
        shift_id: Some(budi.id),
        total: fee.total,
        tendered: Some(fee.total),
        change: Some(Rupiah::ZERO),
        fee,
        method: PaymentMethod::Cash,
        reference: None,
        lost_ticket: false,
        photo_id: None,
        origin: Origin::Journal,
        simulated: false,
        forced_reason: None,
    };

    let mut out2 = base.clone();
    out2.config.booth.code = "OUT2".into();
    let journal = out2.journal();
    journal.write(JournalPayload::Exit(photocopy), None, now)?;
    journal.write(JournalPayload::Exit(late), None, now)?;
    let summary = replay::replay(&journal, store.as_ref(), clock, false, &mut |_| {})?;
    if (summary.duplicates, summary.late) != (1, 1) {
        anyhow::bail!(
            "OUT2's replay found {} duplicate(s) and {} late record(s)",
            summary.duplicates,
            summary.late
        );
    }

    let admin = store.user_by_username("admin")?.context("no admin")?;
    let acting = Acting {
        user: &admin,
        store: store.as_ref(),
        clock,
        audit: AuditContext { site: site.clone(), booth: "ADM1".into() },
    };
    let towed = store.find_open_entry(&site, &plate("B 2756 SDM"))?.context("B 2756 SDM is not inside")?;
    close_visit(&acting, &site, &towed.ticket_no, "Diderek petugas: parkir di jalur darurat", Rupiah::ZERO)?;
    Ok(())
}
