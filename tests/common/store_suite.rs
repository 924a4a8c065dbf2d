//! The behaviour every `Store` backend must show, written against `&dyn Store` only.
//!
//! A backend's test file runs the whole suite with one line:
//!
//! ```ignore
//! #[macro_use]
//! mod common;
//! store_suite!(|| SqliteStore::open_in_memory().unwrap());
//! ```
//!
//! The expression is a closure returning a fresh, empty, migrated store (any type that
//! implements `Store`); each behaviour becomes its own `#[test]` with its own store.

pub mod catalog;
pub mod figures;
pub mod people;
pub mod reports;
pub mod simulated;
pub mod visits;

/// Expands to one `#[test]` per behaviour, each on a fresh store from `$make`.
#[macro_export]
macro_rules! store_suite {
    ($make:expr) => {
        $crate::store_suite!(@tests $make;
            catalog::migrations_are_applied_and_counted,
            catalog::ensure_site_seeds_classes_and_tariffs_once,
            catalog::save_site_creates_and_updates,
            catalog::vehicle_classes_are_saved_in_display_order,
            catalog::tariff_at_picks_the_version_in_force,
            catalog::tariff_versions_are_checked,
            catalog::ticket_sequences_count_per_booth_per_day,
            visits::record_entry_is_idempotent,
            visits::entries_are_found_by_every_key,
            visits::find_returns_the_newest_match,
            visits::open_and_exited_entries_differ,
            visits::record_exit_is_idempotent_and_round_trips,
            visits::second_exit_is_refused_naming_the_first,
            visits::orphan_exit_waits_for_its_entry,
            visits::photos_round_trip,
            reports::list_visits_applies_every_filter,
            reports::list_visits_pages_with_exact_totals,
            reports::plate_fragments_find_confirmed_and_read_plates,
            reports::plate_search_finds_read_plates,
            reports::daily_stats_follow_the_local_day,
            reports::daily_stats_count_a_day_that_is_not_whole_quarters,
            reports::filtered_totals_over_days_match_every_visit,
            figures::inside_by_class_lists_every_class,
            figures::inside_at_counts_who_was_parked_then,
            figures::entry_count_covers_a_half_open_range,
            figures::entry_count_is_exact_at_the_edges_of_quarters,
            figures::exit_groups_add_up_by_class_method_operator_and_shift,
            figures::exit_groups_over_days_match_the_same_exits_hour_by_hour,
            figures::booth_statuses_keep_each_booths_latest_report,
            figures::list_totals_over_many_days_are_exact,
            people::users_are_created_found_and_updated,
            people::the_last_admin_cannot_be_removed,
            people::members_are_saved_found_and_searched,
            people::shifts_open_once_and_close_once,
            people::audit_log_filters_newest_first,
            people::a_replayed_audit_line_is_stored_once,
            people::a_purge_keeps_what_is_still_needed,
            simulated::simulated_records_stay_out_of_every_figure_unless_asked,
            simulated::duplicates_and_forced_closes_are_listed_alone,
        );
    };
    (@tests $make:expr; $($module:ident :: $name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                let make = $make;
                let store = make();
                $crate::common::store_suite::$module::$name(&store);
            }
        )*
    };
}
