//! The real serial workers over pseudo-terminal pairs: the test plays the controller, the card
//! reader, the scanner and the relay board at the master end, and unplugs and replugs them.
#![cfg(unix)]

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use gardu::devices::barrier::{Barrier, BarrierPosition};
use gardu::devices::config::SerialDevicesConfig;
use gardu::devices::input::{CardUid, InputEvent};
use gardu::devices::protocol::controller::{ControllerProfile, EventTable};
use gardu::devices::protocol::line::Terminator;
use gardu::devices::protocol::rdm6300::{Rdm6300Decoder, encode_frame};
use gardu::devices::protocol::relay::RelayFrames;
use gardu::devices::protocol::scanner::{CardLineDecoder, ScannerDecoder};
use gardu::devices::serial::{
    self, ControllerSettings, ReconnectPolicy, RelaySettings, SerialController, SerialReader,
    SerialRelayBarrier,
};
use gardu::devices::{DeviceError, DeviceStatus, LinkState};
use serialport::{SerialPort, TTYPort};

/// Only to keep a broken test from hanging; nothing is timed against it.
const PATIENCE: Duration = Duration::from_secs(10);

const FAST_RETRY: ReconnectPolicy = ReconnectPolicy { initial_ms: 5, max_ms: 20 };

/// A device at the far end of a pseudo-terminal, reached by the worker through a symlink
/// that plays the role of `/dev/ttyUSB0`.
struct FakeDevice {
    _dir: tempfile::TempDir,
    link: PathBuf,
    master: Option<TTYPort>,
}

impl FakeDevice {
    fn plug() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("ttyFAKE0");
        let mut device = Self { _dir: dir, link, master: None };
        device.replug();
        device
    }

    fn path(&self) -> String {
        self.link.to_str().unwrap().to_owned()
    }

    /// The cable is pulled: the device node vanishes and its far end closes.
    fn unplug(&mut self) {
        // Remove the node first, so the worker can never reopen a freed pty number that
        // another test has been given meanwhile.
        std::fs::remove_file(&self.link).unwrap();
        self.master = None;
    }

    /// The cable is back: a new pty under the same name.
    fn replug(&mut self) {
        let (master, slave) = TTYPort::pair().unwrap();
        let slave_path = slave.name().unwrap();
        // The worker opens the port exclusively, so our own slave handle must go.
        drop(slave);
        let _ = std::fs::remove_file(&self.link);
        std::os::unix::fs::symlink(slave_path, &self.link).unwrap();
        self.master = Some(master);
    }

    fn send(&mut self, bytes: &[u8]) {
        let master = self.master.as_mut().unwrap();
        master.write_all(bytes).unwrap();
        master.flush().unwrap();
    }

    /// Reads exactly `count` bytes the worker wrote.
    fn receive(&mut self, count: usize) -> Vec<u8> {
        let master = self.master.as_mut().unwrap();
        let deadline = Instant::now() + PATIENCE;
        let mut bytes = vec![0u8; count];
        let mut filled = 0;
        while filled < count {
            assert!(Instant::now() < deadline, "only got {:02X?}", &bytes[..filled]);
            match master.read(&mut bytes[filled..]) {
                Ok(read) => filled += read,
                Err(error) if error.kind() == std::io::ErrorKind::TimedOut => {}
                Err(error) => panic!("reading the master failed: {error}"),
            }
        }
        bytes
    }

    /// Asserts nothing more was written (within a short look).
    fn assert_quiet(&mut self) {
        let master = self.master.as_mut().unwrap();
        master.set_timeout(Duration::from_millis(50)).unwrap();
        let mut byte = [0u8; 16];
        match master.read(&mut byte) {
            Ok(read) => panic!("unexpected bytes {:02X?}", &byte[..read]),
            Err(error) => assert_eq!(error.kind(), std::io::ErrorKind::TimedOut),
        }
        master.set_timeout(Duration::from_millis(100)).unwrap();
    }
}

fn wait_for_state(what: &str, status: impl Fn() -> DeviceStatus, state: LinkState) -> DeviceStatus {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let now = status();
        if now.state == state {
            return now;
        }
        assert!(Instant::now() < deadline, "{what} never became {state:?}: {now:?}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn next_event(events: &Receiver<InputEvent>) -> InputEvent {
    events.recv_timeout(PATIENCE).expect("no event arrived")
}

fn card(text: &str) -> InputEvent {
    InputEvent::Card(CardUid::parse(text).unwrap())
}

fn controller_settings(path: &str, profile: ControllerProfile) -> ControllerSettings {
    ControllerSettings {
        name: "controller".into(),
        path: path.into(),
        baud: 9600,
        reconnect: FAST_RETRY,
        framing: profile.framing(),
        events: EventTable::for_profile(profile, &Default::default()).unwrap(),
        open_command: profile.default_open_command().into(),
        close_command: profile.default_close_command().into(),
        ack: None,
        ack_timeout_ms: 1000,
    }
}

fn start_controller(settings: ControllerSettings) -> (SerialController, Receiver<InputEvent>) {
    let (tx, rx) = crossbeam_channel::bounded(64);
    let controller = SerialController::start(settings, tx, None).unwrap();
    wait_for_state("controller", || controller.status(), LinkState::Connected);
    (controller, rx)
}

#[test]
fn controller_lines_become_events_despite_garbage_and_oversized_lines() {
    let mut device = FakeDevice::plug();
    let (controller, events) =
        start_controller(controller_settings(&device.path(), ControllerProfile::ArduinoText));
    device.send(b"IN1\r\nBT");
    device.send(b"N\n\x00\xFFnoise\r\nIN:0012345678\r\n");
    device.send(&vec![b'Z'; 1000]);
    device.send(b"\nW12345678\rHELP\rIN1OFF\n");
    let expected = [
        InputEvent::LoopOccupied { loop_id: 1 },
        InputEvent::Button,
        card("00BC614E"),
        card("12345678"),
        InputEvent::HelpButton,
        InputEvent::LoopCleared { loop_id: 1 },
    ];
    for event in expected {
        assert_eq!(next_event(&events), event);
    }
    assert!(controller.status().last_seen.is_some());
    assert_eq!(controller.position(), BarrierPosition::Unknown);
}

#[test]
fn controller_commands_wait_for_the_ack_and_time_out_without_one() {
    let mut device = FakeDevice::plug();
    let mut settings = controller_settings(&device.path(), ControllerProfile::ArduinoText);
    settings.open_command = "OPEN_GATE\r\n".into();
    settings.ack = Some("OK".into());
    settings.ack_timeout_ms = 300;
    let (controller, events) = start_controller(settings);
    let controller = Arc::new(controller);

    let opener = Arc::clone(&controller);
    let open = std::thread::spawn(move || opener.open());
    assert_eq!(device.receive(11), b"OPEN_GATE\r\n");
    // Inputs keep flowing while the command waits for its answer.
    device.send(b"BTN\r\nok\r\n");
    assert_eq!(open.join().unwrap(), Ok(()));
    assert_eq!(next_event(&events), InputEvent::Button);
    assert_eq!(controller.position(), BarrierPosition::Open);

    let closer = Arc::clone(&controller);
    let close = std::thread::spawn(move || closer.close());
    assert_eq!(device.receive(6), b"CLOSE\n");
    assert!(matches!(close.join().unwrap(), Err(DeviceError::Timeout { timeout_ms: 300, .. })));
    assert_eq!(controller.position(), BarrierPosition::Unknown);
    let fault = wait_for_state("controller", || controller.status(), LinkState::Fault);
    assert!(fault.last_error.unwrap().contains("300 ms"));
    // A late answer is harmless and the controller still works.
    device.send(b"OK\nIN2\n");
    assert_eq!(next_event(&events), InputEvent::LoopOccupied { loop_id: 2 });
    // The next acknowledged command ends the fault.
    let opener = Arc::clone(&controller);
    let open = std::thread::spawn(move || opener.open());
    assert_eq!(device.receive(11), b"OPEN_GATE\r\n");
    device.send(b"OK\r\n");
    assert_eq!(open.join().unwrap(), Ok(()));
    let healthy = controller.status();
    assert_eq!(healthy.state, LinkState::Connected);
    assert_eq!(healthy.last_error, None);
}

#[test]
fn framed_controller_wraps_commands_and_resynchronises_on_frames() {
    let mut device = FakeDevice::plug();
    let (controller, events) =
        start_controller(controller_settings(&device.path(), ControllerProfile::Framed));
    device.send(b"junk\xA9\xA6IN1\xA9\xA6BT");
    device.send(b"N\xA9IN1\n\xA6IN:00BC\xA6HELP\xA9");
    assert_eq!(next_event(&events), InputEvent::LoopOccupied { loop_id: 1 });
    assert_eq!(next_event(&events), InputEvent::Button);
    assert_eq!(next_event(&events), InputEvent::HelpButton);
    controller.open().unwrap();
    assert_eq!(device.receive(6), b"\xA6OPEN\xA9");
    controller.close().unwrap();
    assert_eq!(device.receive(7), b"\xA6CLOSE\xA9");
    assert_eq!(controller.position(), BarrierPosition::Closed);
}

#[test]
fn controller_comes_back_after_an_unplug_without_a_restart() {
    let mut device = FakeDevice::plug();
    let (controller, events) =
        start_controller(controller_settings(&device.path(), ControllerProfile::ArduinoText));
    device.send(b"IN1\n");
    assert_eq!(next_event(&events), InputEvent::LoopOccupied { loop_id: 1 });

    device.unplug();
    let lost = wait_for_state("controller", || controller.status(), LinkState::Disconnected);
    let reason = lost.last_error.unwrap();
    assert!(reason.contains("unplugged") || reason.contains("does not exist"), "{reason}");
    assert!(matches!(controller.open(), Err(DeviceError::NotConnected { .. })));

    device.replug();
    let back = wait_for_state("controller", || controller.status(), LinkState::Connected);
    assert_eq!(back.last_error, None);
    device.send(b"BTN\n");
    assert_eq!(next_event(&events), InputEvent::Button);
    controller.open().unwrap();
    assert_eq!(device.receive(5), b"OPEN\n");
}

#[test]
fn a_missing_port_is_reported_and_picked_up_when_it_appears() {
    let mut device = FakeDevice::plug();
    device.unplug();
    let (tx, events) = crossbeam_channel::bounded(8);
    let repaints = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&repaints);
    let controller = SerialController::start(
        controller_settings(&device.path(), ControllerProfile::ArduinoText),
        tx,
        Some(Arc::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        })),
    )
    .unwrap();
    let missing = wait_for_state("controller", || controller.status(), LinkState::Disconnected);
    let reason = missing.last_error.unwrap();
    assert!(reason.contains("ttyFAKE0 does not exist"), "{reason}");
    device.replug();
    wait_for_state("controller", || controller.status(), LinkState::Connected);
    device.send(b"HELP\n");
    assert_eq!(next_event(&events), InputEvent::HelpButton);
    // The screen was woken for "disconnected" and again for "connected".
    assert!(repaints.load(Ordering::SeqCst) >= 2);
}

fn start_reader(
    device: &FakeDevice,
    decoder: Box<dyn gardu::devices::protocol::InputDecoder>,
) -> (SerialReader, Receiver<InputEvent>) {
    let (tx, rx) = crossbeam_channel::bounded(64);
    let reader = SerialReader::start("reader", &device.path(), 9600, FAST_RETRY, decoder, tx, None).unwrap();
    wait_for_state("reader", || reader.status(), LinkState::Connected);
    (reader, rx)
}

#[test]
fn rdm6300_reader_checks_frames_resyncs_and_reports_a_held_card_once() {
    let mut device = FakeDevice::plug();
    // A hold-off far longer than the test: every repeat below is the same presentation.
    let (reader, events) = start_reader(&device, Box::new(Rdm6300Decoder::new(Duration::from_secs(600))));
    let first = encode_frame(0x01, 0x00BC_614E);
    let second = encode_frame(0x1A, 0xDEAD_BEEF);
    let mut bad_checksum = second;
    bad_checksum[12] ^= 0x01;
    device.send(&first[..5]);
    device.send(&first[5..]);
    device.send(&[first, first, first].concat());
    device.send(b"\xFF\x00garbage\x03\x02123\x03");
    device.send(&bad_checksum);
    device.send(&vec![0x55; 2000]);
    device.send(&[&first[..8], &second[..]].concat());
    assert_eq!(next_event(&events), card("00BC614E"));
    assert_eq!(next_event(&events), card("DEADBEEF"));
    assert!(events.try_recv().is_err());
    let status = reader.status();
    assert!(status.connected());
    // The last good read cleared the warnings about the bad frames before it.
    assert_eq!(status.warning, None);
}

#[test]
fn rdm6300_bad_frames_warn_and_only_bad_frames_mean_a_fault() {
    let mut device = FakeDevice::plug();
    let (reader, events) = start_reader(&device, Box::new(Rdm6300Decoder::new(Duration::from_millis(1500))));
    let mut bad = encode_frame(0x01, 0x1234_5678);
    bad[3] = b'F';
    device.send(&bad);
    device.send(b"\x02AB\x03");
    device.send(b"\x020100BC614EZZ\x03");
    let fault = wait_for_state("reader", || reader.status(), LinkState::Fault);
    assert!(fault.last_error.unwrap().contains("baud rate"));
    assert!(fault.warning.unwrap().contains("not a hex digit"));
    assert!(events.try_recv().is_err());

    device.send(&encode_frame(0x01, 0x1234_5678));
    assert_eq!(next_event(&events), card("12345678"));
    let healthy = reader.status();
    assert_eq!(healthy.state, LinkState::Connected);
    assert_eq!((healthy.last_error, healthy.warning), (None, None));
}

#[test]
fn wiegand_converter_and_scanner_lines() {
    let mut converter = FakeDevice::plug();
    let (_reader, cards) =
        start_reader(&converter, Box::new(CardLineDecoder::new(Terminator::CrLf, Duration::from_secs(600))));
    converter.send(b"W26 0012345678\r\n0012345678\r\n0xDEADBEEF\r\nrubbish\r\n188,24910\r\n");
    assert_eq!(next_event(&cards), card("00BC614E"));
    assert_eq!(next_event(&cards), card("DEADBEEF"));
    assert_eq!(next_event(&cards), card("00BC614E"));

    let mut scanner_device = FakeDevice::plug();
    let (_scanner, scans) = start_reader(&scanner_device, Box::new(ScannerDecoder::new(Terminator::Cr)));
    scanner_device.send(b" G1.JKT-MALL-01.000123.ab12 \r8991234567890\r\n\r");
    assert_eq!(next_event(&scans), InputEvent::Scan("G1.JKT-MALL-01.000123.ab12".into()));
    assert_eq!(next_event(&scans), InputEvent::Scan("8991234567890".into()));
}

#[test]
fn dropping_a_worker_closes_its_port() {
    let mut device = FakeDevice::plug();
    let (reader, _events) = start_reader(&device, Box::new(ScannerDecoder::new(Terminator::Any)));
    drop(reader);
    // The port is opened exclusively: a second worker only gets it if the first let go.
    let (second, events) = start_reader(&device, Box::new(ScannerDecoder::new(Terminator::Any)));
    device.send(b"again\n");
    assert_eq!(next_event(&events), InputEvent::Scan("again".into()));
    drop(second);
}

fn relay_settings(path: &str, frames: RelayFrames) -> RelaySettings {
    RelaySettings {
        name: "barrier".into(),
        path: path.into(),
        baud: 9600,
        reconnect: FAST_RETRY,
        frames,
        pulse_ms: 20,
    }
}

fn start_relay(device: &mut FakeDevice, frames: RelayFrames) -> SerialRelayBarrier {
    let relay = SerialRelayBarrier::start(relay_settings(&device.path(), frames), None).unwrap();
    wait_for_state("relay", || relay.status(), LinkState::Connected);
    relay
}

const LCUS_ON: [u8; 4] = [0xA0, 0x01, 0x01, 0xA2];
const LCUS_OFF: [u8; 4] = [0xA0, 0x01, 0x00, 0xA1];

#[test]
fn lcus_relay_releases_on_connect_and_pulses_on_open() {
    let mut device = FakeDevice::plug();
    let relay = start_relay(&mut device, RelayFrames::lcus(1, None));
    assert_eq!(device.receive(4), LCUS_OFF);
    assert_eq!(relay.position(), BarrierPosition::Unknown);

    relay.open().unwrap();
    assert_eq!(relay.position(), BarrierPosition::Open);
    assert_eq!(device.receive(8), [LCUS_ON, LCUS_OFF].concat());
    relay.close().unwrap();
    assert_eq!(device.receive(4), LCUS_OFF);
    assert_eq!(relay.position(), BarrierPosition::Closed);
    device.assert_quiet();
}

#[test]
fn lcus_relay_with_a_close_channel_pulses_it_on_close() {
    let mut device = FakeDevice::plug();
    let relay = start_relay(&mut device, RelayFrames::lcus(1, Some(2)));
    assert_eq!(device.receive(8), [LCUS_OFF, [0xA0, 0x02, 0x00, 0xA2]].concat());
    relay.close().unwrap();
    assert_eq!(device.receive(8), [[0xA0, 0x02, 0x01, 0xA3], [0xA0, 0x02, 0x00, 0xA2]].concat());
}

#[test]
fn raw_relay_writes_the_configured_bytes() {
    let mut device = FakeDevice::plug();
    let frames = RelayFrames {
        open_on: b"\xFE\x05\x00\x00\xFF\x00".to_vec(),
        open_off: b"\xFE\x05\x00\x00\x00\x00".to_vec(),
        close: None,
    };
    let relay = start_relay(&mut device, frames);
    assert_eq!(device.receive(6), b"\xFE\x05\x00\x00\x00\x00");
    relay.open().unwrap();
    assert_eq!(device.receive(12), b"\xFE\x05\x00\x00\xFF\x00\xFE\x05\x00\x00\x00\x00");
}

#[test]
fn relay_comes_back_after_an_unplug_and_releases_again() {
    let mut device = FakeDevice::plug();
    let relay = start_relay(&mut device, RelayFrames::lcus(1, None));
    assert_eq!(device.receive(4), LCUS_OFF);

    device.unplug();
    let lost = wait_for_state("relay", || relay.status(), LinkState::Disconnected);
    assert!(lost.last_error.is_some());
    assert!(matches!(relay.open(), Err(DeviceError::NotConnected { .. })));

    device.replug();
    wait_for_state("relay", || relay.status(), LinkState::Connected);
    assert_eq!(device.receive(4), LCUS_OFF);
    relay.open().unwrap();
    assert_eq!(device.receive(8), [LCUS_ON, LCUS_OFF].concat());
}

#[test]
fn monitor_prints_hex_and_ascii_until_stopped() {
    let mut device = FakeDevice::plug();
    let stop = Arc::new(AtomicBool::new(false));
    let (path, worker_stop) = (device.path(), Arc::clone(&stop));
    let (chunks_tx, chunks) = crossbeam_channel::bounded(64);
    let monitor =
        std::thread::spawn(move || serial::monitor(&path, 9600, &worker_stop, &mut ChannelWriter(chunks_tx)));
    let mut text = String::new();
    let read_until = |needle: &str, text: &mut String| {
        while !text.contains(needle) {
            let chunk: Vec<u8> = chunks.recv_timeout(PATIENCE).expect("monitor went quiet");
            text.push_str(&String::from_utf8(chunk).unwrap());
        }
    };
    // Its first line says the port is open.
    read_until("monitoring", &mut text);
    device.send(b"IN1\r\n");
    read_until("|IN1..|", &mut text);
    stop.store(true, Ordering::SeqCst);
    monitor.join().unwrap().unwrap();
    assert!(text.contains("49 4E 31 0D 0A"), "{text}");
}

/// Hands whatever the monitor prints to the test.
struct ChannelWriter(crossbeam_channel::Sender<Vec<u8>>);

impl Write for ChannelWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let _ = self.0.send(bytes.to_vec());
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn devices_started_from_config_share_the_controller_port_for_the_barrier() {
    let mut controller_device = FakeDevice::plug();
    let mut reader_device = FakeDevice::plug();
    let config: SerialDevicesConfig = toml::from_str(&format!(
        r#"
        reconnect = {{ initial_ms = 5, max_ms = 20 }}
        [controller]
        kind = "serial"
        port = "{}"
        [reader]
        kind = "rdm6300"
        port = "{}"
        [scanner]
        kind = "none"
        [barrier]
        kind = "controller"
        "#,
        controller_device.path(),
        reader_device.path()
    ))
    .unwrap();
    let devices = config.start(false, None).unwrap();
    let deadline = Instant::now() + PATIENCE;
    while !devices.statuses().iter().all(DeviceStatus::connected) {
        assert!(Instant::now() < deadline, "{:?}", devices.statuses());
        std::thread::sleep(Duration::from_millis(2));
    }
    let names: Vec<String> = devices.statuses().into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["controller", "reader", "controller"]);

    controller_device.send(b"IN1\n");
    assert_eq!(next_event(devices.events()), InputEvent::LoopOccupied { loop_id: 1 });
    reader_device.send(&encode_frame(1, 42));
    assert_eq!(next_event(devices.events()), card("0000002A"));
    devices.barrier().open().unwrap();
    assert_eq!(controller_device.receive(5), b"OPEN\n");
}

#[test]
fn device_test_pulses_a_configured_lcus_barrier() {
    let mut device = FakeDevice::plug();
    // The pulse is longer than the test: the close always cuts it short, so the bytes are fixed.
    let config: SerialDevicesConfig = toml::from_str(&format!(
        r#"
        reconnect = {{ initial_ms = 5, max_ms = 20 }}
        controller = {{ kind = "none" }}
        reader = {{ kind = "none" }}
        scanner = {{ kind = "none" }}
        [barrier]
        kind = "lcus"
        port = "{}"
        pulse_ms = 600000
        "#,
        device.path()
    ))
    .unwrap();
    let devices = config.start(false, None).unwrap();
    let status = devices.test_barrier(Duration::ZERO, PATIENCE).unwrap();
    assert!(status.connected());
    assert_eq!(device.receive(12), [LCUS_OFF, LCUS_ON, LCUS_OFF].concat());
    device.assert_quiet();
    assert_eq!(devices.barrier().position(), BarrierPosition::Closed);
}

#[test]
fn listing_ports_works_even_with_none_present() {
    let ports = serial::list_ports().unwrap();
    // Pseudo-terminals are not listed; real ones, if any, have names.
    assert!(ports.iter().all(|port| !port.name.is_empty()));
}
