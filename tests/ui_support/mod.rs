//! The console under egui_kittest: a site folder with a real SQLite file, a fixed clock and
//! simulated devices, and the clicks, keys and waits the UI tests share.
// Each test crate compiles this module on its own and uses a different part of it.
#![allow(dead_code)]

pub use std::sync::Arc;
pub use std::time::{Duration, Instant};

pub use chrono::{TimeZone, Utc};
pub use egui::accesskit::Role as A11yRole;
pub use egui::{Event, Key};
pub use egui_kittest::Harness;
pub use egui_kittest::kittest::Queryable;
pub use gardu::auth::{self, AuditContext, Hasher, NewUser};
pub use gardu::clock::ManualClock;
pub use gardu::config::{Config, Mode};
pub use gardu::devices::BarrierPosition;
pub use gardu::lane::RandomIds;
pub use gardu::lane::worker::ExitView;
pub use gardu::site::Context;
pub use gardu::store::{EntryLookup, Role};
pub use gardu::ui::inbox::Waker;
pub use gardu::ui::{BoothRuntime, ConsoleApp, RuntimeOptions};

pub const PASSWORD: &str = "rahasia-123";
pub const WAIT: Duration = Duration::from_secs(20);

/// A booth's data folder shared by the consoles of one test.
pub struct Site {
    pub dir: tempfile::TempDir,
    pub clock: Arc<ManualClock>,
}

impl Site {
    pub fn new() -> Site {
        // 08:05 in Jakarta.
        let start = Utc.with_ymd_and_hms(2026, 11, 23, 1, 5, 0).single().expect("valid time");
        Site { dir: tempfile::tempdir().expect("temp dir"), clock: Arc::new(ManualClock::new(start)) }
    }

    pub fn context(&self, mode: Mode, booth: &str) -> Context {
        let mut config = Config::zero();
        config.booth.code = booth.into();
        config.booth.code_configured = true;
        config.booth.mode = mode;
        config.devices.barrier.travel_ms = 200;
        config.devices.printer.print_ms = 0;
        // The console tests type their plates: the real reader (seconds a photo in a test
        // build, on the cores the tests share) would fill the field under them at random
        // moments. The lanes' tests drive the reader wiring with a table-driven reader.
        config.plate.enabled = false;
        Context { data_dir: self.dir.path().to_path_buf(), config_file: None, config }
    }

    pub fn add_users(&self) {
        let ctx = self.context(Mode::Admin, "ADM1");
        let store = ctx.open_store().expect("store");
        let audit = AuditContext { site: ctx.config.site.code.clone(), booth: "test".into() };
        for (username, full_name, role) in [
            ("siti", "Siti Rahma", Role::Guard),
            ("budi", "Budi Hartono", Role::Cashier),
            ("dewi", "Dewi Lestari", Role::Admin),
            ("agus", "Agus Teknisi", Role::Technician),
        ] {
            let new = NewUser { username, full_name, role, password: PASSWORD };
            auth::create_user(
                store.as_ref(),
                self.clock.as_ref(),
                &Hasher::for_tests(),
                &audit,
                &new,
                "test",
            )
            .expect("user");
        }
    }

    pub fn console(&self, mode: Mode, booth: &str) -> Harness<'static, ConsoleApp> {
        self.console_with(self.context(mode, booth), [1600.0, 900.0])
    }

    /// A console of `ctx` in a window of `size` (a booth's 1366×768 monitor, say).
    pub fn console_with(&self, ctx: Context, size: [f32; 2]) -> Harness<'static, ConsoleApp> {
        let waker = Waker::new();
        let mode = ctx.config.booth.mode;
        let options =
            RuntimeOptions { mode, simulate: true, clock: self.clock.clone(), ids: Arc::new(RandomIds) };
        let runtime = BoothRuntime::start(&ctx, options, &waker).expect("runtime");
        Harness::builder()
            .with_size(size)
            .build_ui_state(|ui, app: &mut ConsoleApp| app.console_ui(ui), ConsoleApp::new(runtime, waker))
    }
}

/// Steps the console until `done` holds, failing after [`WAIT`].
pub fn step_until(
    harness: &mut Harness<'_, ConsoleApp>,
    what: &str,
    done: impl Fn(&Harness<'_, ConsoleApp>) -> bool,
) {
    let started = Instant::now();
    loop {
        harness.step();
        if done(harness) {
            return;
        }
        assert!(started.elapsed() < WAIT, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(15));
    }
}

pub fn shows(harness: &Harness<'_, ConsoleApp>, text: &str) -> bool {
    harness.query_all_by_label_contains(text).next().is_some()
}

pub fn text_fields<'h>(harness: &'h Harness<'_, ConsoleApp>) -> Vec<egui_kittest::Node<'h>> {
    harness
        .query_all_by(|node| matches!(node.role(), A11yRole::TextInput | A11yRole::PasswordInput))
        .collect()
}

/// Logs in and waits for the working screen to be drawn.
/// Types `texts` into the screen's text fields, first to last.
pub fn fill_fields(harness: &mut Harness<'_, ConsoleApp>, texts: &[&str]) {
    for (index, text) in texts.iter().enumerate() {
        text_fields(harness)[index].click();
        harness.step();
        type_text(harness, text);
    }
}

pub fn login_to_work(harness: &mut Harness<'_, ConsoleApp>, username: &str) {
    login(harness, username, PASSWORD);
    step_until(harness, "the working screen", |h| h.state().is_working());
    harness.step();
    harness.step();
}

pub fn wait_for_text(harness: &mut Harness<'_, ConsoleApp>, text: &str) {
    step_until(harness, text, |h| shows(h, text));
}

pub fn type_text(harness: &mut Harness<'_, ConsoleApp>, text: &str) {
    harness.event(Event::Text(text.into()));
    harness.step();
}

pub fn press(harness: &mut Harness<'_, ConsoleApp>, key: Key) {
    harness.key_press(key);
    harness.step();
    harness.step();
}

pub fn login(harness: &mut Harness<'_, ConsoleApp>, username: &str, password: &str) {
    step_until(harness, "the login screen", |h| h.state().is_on_login());
    harness.step();
    type_text(harness, username);
    press(harness, Key::Tab);
    type_text(harness, password);
    press(harness, Key::Enter);
}

pub fn click(harness: &mut Harness<'_, ConsoleApp>, label: &str) {
    step_until(harness, label, |h| h.query_by_role_and_label(A11yRole::Button, label).is_some());
    harness.get_by_role_and_label(A11yRole::Button, label).click();
    harness.step();
}

pub fn toggle_outage(harness: &mut Harness<'_, ConsoleApp>) {
    let label = "Simulasikan database terputus";
    step_until(harness, label, |h| h.query_by_label(label).is_some());
    harness.get_by_label(label).click();
    harness.step();
}

/// Issues one ticket at the entry booth for a car with `plate`; returns its ticket number.
pub fn issue_ticket(harness: &mut Harness<'_, ConsoleApp>, plate: &str) -> String {
    click(harness, "Kendaraan datang");
    wait_for_text(harness, "Kendaraan di depan palang");
    type_text(harness, plate);
    press(harness, Key::F2);
    step_until(harness, "the ticket", |h| {
        h.state()
            .runtime()
            .entry()
            .is_some_and(|w| !w.snapshot().recent.is_empty() && w.snapshot().stage.is_none())
    });
    let ticket = harness.state().runtime().entry().map(|w| w.snapshot().recent[0].ticket_no.clone());
    ticket.expect("a ticket")
}

/// A booth PC's small monitor.
pub const SMALL_SCREEN: [f32; 2] = [1366.0, 768.0];

/// True when the button `label` lies wholly inside a window of `size`.
pub fn button_on_screen(harness: &Harness<'_, ConsoleApp>, label: &str, size: [f32; 2]) -> bool {
    harness.query_by_role_and_label(A11yRole::Button, label).is_some_and(|node| {
        let rect = node.rect();
        let inside = rect.min.x >= 0.0 && rect.min.y >= 0.0 && rect.max.x <= size[0] && rect.max.y <= size[1];
        if !inside {
            eprintln!("button {label:?} at {rect:?} is outside {size:?}");
        }
        inside
    })
}
