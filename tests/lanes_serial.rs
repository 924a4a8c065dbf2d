//! The lanes over the real serial code: the test plays the Arduino controller, the ticket
//! printer, the QR scanner and the LCUS relay board at the far end of pseudo-terminals, and
//! the devices come from a `[devices]` config as at a real booth.
#![cfg(unix)]

mod lane_support;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Duration as Span;
use gardu::config::Config;
use gardu::devices::booth::BoothDevices;
use gardu::devices::input::InputEvent;
use gardu::domain::Rupiah;
use gardu::lane::entry::{EntryDevices, EntryLane};
use gardu::lane::exit::{ExitDevices, ExitError, ExitLane, Payment};
use gardu::lane::shift;
use lane_support::Booth;
use serialport::{SerialPort, TTYPort};

const PATIENCE: Duration = Duration::from_secs(10);

/// The far end of a pseudo-terminal, reached by the booth through a symlink.
struct FarEnd {
    link: PathBuf,
    master: TTYPort,
    seen: Vec<u8>,
    /// Printers open and close their port per job; holding the slave open keeps the last
    /// job's bytes readable after the printer hangs up.
    _slave: Option<TTYPort>,
}

impl FarEnd {
    /// A device whose port the booth opens exclusively and keeps open.
    fn plug(dir: &Path, name: &str) -> FarEnd {
        Self::plug_with(dir, name, false)
    }

    /// A printer: opened and closed by the booth for every job.
    fn plug_printer(dir: &Path, name: &str) -> FarEnd {
        Self::plug_with(dir, name, true)
    }

    fn plug_with(dir: &Path, name: &str, keep_slave: bool) -> FarEnd {
        let (mut master, slave) = TTYPort::pair().unwrap();
        let link = dir.join(name);
        std::os::unix::fs::symlink(slave.name().unwrap(), &link).unwrap();
        master.set_timeout(Duration::from_millis(50)).unwrap();
        FarEnd { link, master, seen: Vec::new(), _slave: keep_slave.then_some(slave) }
    }

    fn path(&self) -> &str {
        self.link.to_str().unwrap()
    }

    fn send(&mut self, text: &str) {
        self.master.write_all(text.as_bytes()).unwrap();
        self.master.flush().unwrap();
    }

    /// Reads until `needle` has arrived; returns everything read so far.
    fn expect(&mut self, needle: &[u8]) -> Vec<u8> {
        let deadline = Instant::now() + PATIENCE;
        let mut buffer = [0u8; 4096];
        while !self.seen.windows(needle.len()).any(|w| w == needle) {
            assert!(
                Instant::now() < deadline,
                "never got {:?}; got {:?}",
                String::from_utf8_lossy(needle),
                String::from_utf8_lossy(&self.seen)
            );
            match self.master.read(&mut buffer) {
                Ok(n) => self.seen.extend_from_slice(&buffer[..n]),
                Err(err) if err.kind() == std::io::ErrorKind::TimedOut => {}
                // The printer closes its end after each job (open-write-close): wait for more.
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
        self.seen.clone()
    }
}

fn next_event(devices: &BoothDevices) -> InputEvent {
    devices.events().recv_timeout(PATIENCE).expect("an input event")
}

fn wait_connected(devices: &BoothDevices) {
    let deadline = Instant::now() + PATIENCE;
    while !devices
        .statuses()
        .iter()
        .filter(|s| s.name != "camera" && s.name != "printer")
        .all(|s| s.connected())
    {
        assert!(Instant::now() < deadline, "{:?}", devices.statuses());
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn entry_and_exit_over_serial_devices() {
    let booth = Booth::new();
    let dir = booth.dir.path();
    let mut controller = FarEnd::plug(dir, "ttyController");
    let mut entry_printer = FarEnd::plug_printer(dir, "ttyEntryPrinter");
    let toml = format!(
        r#"
[devices.controller]
kind = "serial"
port = "{}"
[devices.barrier]
kind = "controller"
[devices.printer]
kind = "serial"
port = "{}"
status_query = false
"#,
        controller.path(),
        entry_printer.path()
    );
    let config = Config::parse(&toml, "entry.toml").unwrap();
    let entry_devices = BoothDevices::start(
        &config.devices,
        "IN1",
        chrono_tz::Asia::Jakarta,
        false,
        booth.clock.clone(),
        None,
    )
    .unwrap();
    wait_connected(&entry_devices);
    let devices = EntryDevices {
        camera: booth.camera("IN1"),
        printer: entry_devices.printer(),
        barrier: entry_devices.barrier(),
    };
    let mut entry =
        EntryLane::new(booth.ctx("IN1"), devices, gardu::domain::ClassCode::parse("MBL").unwrap());

    // The Arduino reports a car on the loop, then the button, twice.
    controller.send("IN1\r\nBTN\r\n");
    assert_eq!(next_event(&entry_devices), InputEvent::LoopOccupied { loop_id: 1 });
    assert!(entry.handle(&InputEvent::LoopOccupied { loop_id: 1 }).is_none());
    let event = next_event(&entry_devices);
    let issued = entry.handle(&event).unwrap().unwrap();
    let printed = entry_printer.expect(&[0x1D, 0x56, 0x42, 0x00]);
    let text = String::from_utf8_lossy(&printed);
    assert!(printed.starts_with(&[0x1B, 0x40]), "ESC @ first");
    assert!(text.contains(&issued.entry.ticket_code), "QR data carries the signed code");
    assert!(text.contains(&issued.entry.ticket_no), "Code128 / text carries the ticket number");
    controller.expect(b"OPEN\n");
    controller.send("BTN\r\n");
    let again = entry.handle(&next_event(&entry_devices)).unwrap().unwrap();
    assert_eq!(again.entry.id, issued.entry.id);
    controller.send("IN1OFF\r\n");
    entry.handle(&next_event(&entry_devices));
    controller.expect(b"CLOSE\n");
    drop(entry_devices);

    // Exit booth: scanner, LCUS relay barrier and a receipt printer.
    booth.clock.advance(Span::minutes(75));
    let mut scanner = FarEnd::plug(dir, "ttyScanner");
    let mut relay = FarEnd::plug(dir, "ttyRelay");
    let mut exit_printer = FarEnd::plug_printer(dir, "ttyExitPrinter");
    let toml = format!(
        r#"
[devices.controller]
kind = "none"
[devices.scanner]
kind = "serial"
port = "{}"
[devices.barrier]
kind = "lcus"
port = "{}"
pulse_ms = 20
[devices.printer]
kind = "serial"
port = "{}"
status_query = false
"#,
        scanner.path(),
        relay.path(),
        exit_printer.path()
    );
    let config = Config::parse(&toml, "exit.toml").unwrap();
    let exit_devices = BoothDevices::start(
        &config.devices,
        "OUT1",
        chrono_tz::Asia::Jakarta,
        false,
        booth.clock.clone(),
        None,
    )
    .unwrap();
    wait_connected(&exit_devices);
    relay.expect(&[0xA0, 0x01, 0x00, 0xA1]); // relays released on connect
    let ctx = booth.ctx("OUT1");
    let (open, _) = shift::open_shift(&ctx, "kasir1", Rupiah(100_000)).unwrap();
    let mut exit = ExitLane::new(
        ctx,
        ExitDevices {
            camera: booth.camera("OUT1"),
            printer: exit_devices.printer(),
            barrier: exit_devices.barrier(),
        },
    );
    exit.set_operator(Some("kasir1".into()), "Siti".into(), Some(open));

    scanner.send(&format!("{}\r\n", issued.entry.ticket_code));
    let quote = exit.handle(&next_event(&exit_devices)).unwrap().unwrap();
    assert_eq!(quote.fee.total, Rupiah(8_000));
    let paid = exit.pay(Payment::Cash { tendered: Rupiah(10_000) }).unwrap();
    assert_eq!(paid.exit.change, Some(Rupiah(2_000)));
    let receipt = exit_printer.expect(&[0x1D, 0x56, 0x42, 0x00]);
    let text = String::from_utf8_lossy(&receipt);
    assert!(text.contains("Rp 8.000") && text.contains("Rp 2.000"), "{text}");
    let sent = relay.expect(&[0xA0, 0x01, 0x01, 0xA2, 0xA0, 0x01, 0x00, 0xA1]);
    assert!(sent.ends_with(&[0xA0, 0x01, 0x01, 0xA2, 0xA0, 0x01, 0x00, 0xA1]), "{sent:02X?}");

    // The same ticket scanned again is refused.
    scanner.send(&format!("{}\r\n", issued.entry.ticket_code));
    let refused = exit.handle(&next_event(&exit_devices)).unwrap();
    assert!(matches!(refused, Err(ExitError::AlreadyExited { .. })));
    let _ = Arc::strong_count(&booth.sqlite);
}
