//! A shift's report leaves the payments made by simulation out of its figures unless asked,
//! adds them up apart, and keeps the drawer's expected cash: a real shift's drawer never held
//! the money of what its booth did while switched to simulation.

mod common;

use gardu::domain::Rupiah;
use gardu::lane::shift::report;
use gardu::store::sqlite::SqliteStore;
use gardu::store::{Entry, Exit, PaymentMethod, Shift, Store};
use uuid::Uuid;

use common::fixtures::{SITE, at, entry, exit_of, seed};

#[test]
fn a_shift_report_counts_simulated_payments_only_when_asked() {
    let store = SqliteStore::open_in_memory().unwrap();
    seed(&store);
    let shift = Shift {
        id: Uuid::from_u128(0x5000_0001),
        site: SITE.into(),
        booth: "OUT1".into(),
        username: "cashier1".into(),
        opened_at: at(2024, 3, 1, 0, 0),
        closed_at: None,
        opening_float: Rupiah(100_000),
        expected_cash: None,
        counted_cash: None,
        simulated: false,
    };
    store.open_shift(&shift).unwrap();
    let real = entry(1, at(2024, 3, 1, 1, 0), Some("B 1 AA"), "MBL");
    let simulated = Entry { simulated: true, ..entry(2, at(2024, 3, 1, 1, 0), Some("B 2 SIM"), "MBL") };
    store.record_entry(&real).unwrap();
    store.record_entry(&simulated).unwrap();
    let paid = |e: &Entry| Exit {
        shift_id: Some(shift.id),
        simulated: e.simulated,
        ..exit_of(e, at(2024, 3, 1, 2, 0), PaymentMethod::Cash)
    };
    let (real_exit, simulated_exit) = (paid(&real), paid(&simulated));
    assert_eq!(real_exit.total, Rupiah(5_000));
    store.record_exit(&real_exit).unwrap();
    store.record_exit(&simulated_exit).unwrap();
    // The booth closed with the real payment in its drawer.
    store.close_shift(shift.id, at(2024, 3, 1, 3, 0), Rupiah(105_000), Rupiah(105_000)).unwrap();

    let now = at(2024, 3, 1, 4, 0);
    let everything = report(&store, shift.id, now, true).unwrap();
    assert_eq!((everything.all.exits, everything.all.total), (2, Rupiah(10_000)));
    assert_eq!(everything.simulated_left_out.exits, 0);
    assert_eq!(everything.expected_cash, Rupiah(105_000), "the drawer's figure either way");

    let figures = report(&store, shift.id, now, false).unwrap();
    assert_eq!((figures.all.exits, figures.all.total), (1, Rupiah(5_000)));
    assert_eq!(figures.by_method["cash"].total, Rupiah(5_000));
    assert_eq!((figures.simulated_left_out.exits, figures.simulated_left_out.total), (1, Rupiah(5_000)));
    assert_eq!(figures.expected_cash, Rupiah(105_000), "the drawer as the booth counted it");
    assert_eq!(figures.difference, Some(Rupiah::ZERO));
    assert!(!figures.revised(), "leaving simulation out is not a revision");
}
