//! Tests of the serial-side device config: parsing, defaults, refusals and simulated start.

use std::time::Duration;

use super::*;
use crate::devices::DeviceStatus;
use crate::devices::barrier::BarrierPosition;
use crate::devices::input::CardUid;
use crate::devices::input::InputEvent;
use crate::devices::protocol::controller::LineMeaning;

fn parse(text: &str) -> Result<SerialDevicesConfig, toml::de::Error> {
    toml::from_str(text)
}

#[test]
fn an_empty_config_simulates_everything() {
    let config = parse("").unwrap();
    assert_eq!(config, SerialDevicesConfig::default());
    assert_eq!(config.controller.kind, ControllerKind::Simulated);
    assert_eq!(config.reader.kind, ReaderKind::Simulated);
    assert_eq!(config.reader.holdoff_ms, 1500);
    assert_eq!(config.scanner.terminator, Terminator::Any);
    assert_eq!(config.barrier.kind, BarrierKind::Simulated);
    assert_eq!(config.reconnect.max_ms, 5000);
    config.validate().unwrap();
}

#[test]
fn a_full_config_parses() {
    let config = parse(
        r#"
        [controller]
        kind = "serial"
        port = "COM3"
        baud = 19200
        profile = "framed"
        [controller.events]
        "IN1" = "loop_occupied:1"
        "TIKET" = "button"
        "QR:*" = "scan"
        "W*" = "ignore"
        [controller.commands]
        open = "OPEN1"
        close = "CLOSE1"
        ack = "OK"
        ack_timeout_ms = 300

        [reader]
        kind = "wiegand"
        port = "/dev/ttyUSB1"
        holdoff_ms = 2000
        terminator = "crlf"

        [scanner]
        kind = "serial"
        port = "/dev/ttyACM0"
        terminator = "0x0D"

        [barrier]
        kind = "raw"
        port = "/dev/ttyUSB2"
        pulse_ms = 800
        on = "A0 01 01 A2"
        off = "A0 01 00 A1"

        [reconnect]
        initial_ms = 50
        max_ms = 2000
        "#,
    )
    .unwrap();
    config.validate().unwrap();
    let controller = config.controller_settings().unwrap().unwrap();
    assert_eq!(controller.path, "COM3");
    assert_eq!(controller.open_command, "OPEN1");
    assert_eq!(controller.ack.as_deref(), Some("OK"));
    assert_eq!(controller.framing.encode(&controller.open_command), b"\xA6OPEN1\xA9");
    assert_eq!(controller.events.meaning("tiket"), LineMeaning::Event(InputEvent::Button));
    let relay = config.relay_settings().unwrap().unwrap();
    assert_eq!(relay.frames.open_on, [0xA0, 0x01, 0x01, 0xA2]);
    assert_eq!(relay.pulse_ms, 800);
    assert_eq!(config.scanner.terminator, Terminator::Byte(0x0D));
    assert_eq!(config.reader.terminator, Terminator::CrLf);
}

#[test]
fn profile_defaults_fill_missing_commands() {
    let config = SerialDevicesConfig {
        controller: ControllerConfig {
            kind: ControllerKind::Serial,
            port: Some("/dev/ttyUSB0".into()),
            ..ControllerConfig::default()
        },
        ..SerialDevicesConfig::default()
    };
    let settings = config.controller_settings().unwrap().unwrap();
    assert_eq!(settings.open_command, "OPEN\n");
    assert_eq!(settings.close_command, "CLOSE\n");
    assert_eq!(settings.ack, None);
}

#[test]
fn typos_and_bad_values_are_refused_at_parse_time() {
    for (text, needle) in [
        ("[controller]\nkind = \"usb\"", "unknown variant"),
        ("[controller]\nbaud_rate = 9600", "unknown field"),
        ("[controller.events]\n\"IN1\" = \"open\"", "not an event"),
        ("[scanner]\nterminator = \"newline\"", "not a line terminator"),
        ("[barrier]\non = \"A0 1\"", "not a hex byte string"),
        ("[reader]\nkind = \"mifare\"", "unknown variant"),
        ("[barrier]\nkind = \"relay\"", "unknown variant"),
        ("[surprise]\nx = 1", "unknown field"),
    ] {
        let error = parse(text).unwrap_err().to_string();
        assert!(error.contains(needle), "{text:?} gave {error}");
    }
}

#[test]
fn inconsistent_settings_are_refused_with_their_key() {
    let cases: Vec<(&str, &str)> = vec![
        ("[controller]\nkind = \"serial\"", "devices.controller.port"),
        ("[controller]\nkind = \"serial\"\nport = \" \"", "devices.controller.port"),
        ("[controller]\nkind = \"serial\"\nport = \"COM1\"\nbaud = 0", "devices.controller.baud"),
        ("[controller.events]\n\"CARD\" = \"card\"", "devices.controller.events"),
        (
            "[controller]\nkind = \"serial\"\nport = \"COM1\"\n[controller.commands]\nopen = \"\"",
            "devices.controller.commands.open",
        ),
        (
            "[controller]\nkind = \"serial\"\nport = \"COM1\"\n[controller.commands]\nack = \"OK\"\nack_timeout_ms = 0",
            "devices.controller.commands.ack_timeout_ms",
        ),
        ("[reader]\nkind = \"rdm6300\"", "devices.reader.port"),
        ("[scanner]\nkind = \"serial\"", "devices.scanner.port"),
        ("[barrier]\nkind = \"lcus\"", "devices.barrier.port"),
        ("[barrier]\nkind = \"lcus\"\nport = \"COM4\"\nchannel = 0", "devices.barrier.channel"),
        ("[barrier]\nkind = \"raw\"\nport = \"COM4\"", "devices.barrier.on"),
        (
            "[barrier]\nkind = \"raw\"\nport = \"COM4\"\non = \"01\"\noff = \"00\"\nclose_on = \"02\"",
            "devices.barrier.close_on",
        ),
        ("[controller]\nkind = \"none\"\n[barrier]\nkind = \"controller\"", "devices.barrier.kind"),
    ];
    for (text, key) in cases {
        let error = parse(text).unwrap().validate().unwrap_err();
        assert_eq!(error.key, key, "{text:?}: {error}");
        assert!(!error.message.is_empty());
    }
}

#[test]
fn impossible_com_port_names_are_refused_with_their_key() {
    let cases = [
        ("[controller]\nkind = \"serial\"\nport = \"COM0\"", "devices.controller.port", "COM1 to COM256"),
        ("[reader]\nkind = \"rdm6300\"\nport = \"COM257\"", "devices.reader.port", "COM1 to COM256"),
        ("[scanner]\nkind = \"serial\"\nport = \"COM 3\"", "devices.scanner.port", "write it as COM3"),
        ("[barrier]\nkind = \"lcus\"\nport = '\\\\.\\COM0'", "devices.barrier.port", "COM1 to COM256"),
    ];
    for (text, key, needle) in cases {
        let error = parse(text).unwrap().validate().unwrap_err();
        assert_eq!(error.key, key, "{text:?}: {error}");
        assert!(error.message.contains(needle), "{text:?}: {error}");
    }
    let extended = parse("[barrier]\nkind = \"lcus\"\nport = '\\\\.\\COM10'").unwrap();
    assert_eq!(extended.validate(), Ok(()));
}

#[test]
fn simulated_devices_start_and_feed_one_event_queue() {
    let config = SerialDevicesConfig {
        barrier: BarrierConfig { travel_ms: 0, ..BarrierConfig::default() },
        ..SerialDevicesConfig::default()
    };
    let devices = config.start(false, None).unwrap();
    let names: Vec<String> = devices.statuses().into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["controller", "reader", "scanner", "barrier"]);
    assert!(devices.statuses().iter().all(DeviceStatus::connected));

    devices.simulated_controller().unwrap().vehicle_arrives().unwrap();
    let uid = CardUid::from_u32(7);
    devices.simulated_reader().unwrap().tap_card(uid.clone()).unwrap();
    devices.simulated_scanner().unwrap().scan("G1.X").unwrap();
    let events: Vec<InputEvent> = devices.events().try_iter().collect();
    assert_eq!(
        events,
        [InputEvent::LoopOccupied { loop_id: 1 }, InputEvent::Card(uid), InputEvent::Scan("G1.X".into()),]
    );

    let barrier = devices.barrier();
    barrier.open().unwrap();
    assert_eq!(barrier.position(), BarrierPosition::Open);
    devices.simulated_barrier().unwrap().fault(true);
    assert!(barrier.open().is_err());
}

#[test]
fn simulate_replaces_real_devices_and_none_stays_none() {
    let config = parse(
        r#"
        [controller]
        kind = "serial"
        port = "/dev/does-not-exist"
        [reader]
        kind = "rdm6300"
        port = "/dev/does-not-exist"
        [scanner]
        kind = "none"
        [barrier]
        kind = "controller"
        travel_ms = 0
        "#,
    )
    .unwrap();
    let devices = config.start(true, None).unwrap();
    let names: Vec<String> = devices.statuses().into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["controller", "reader", "barrier"]);
    assert!(devices.simulated_controller().is_some());
    assert!(devices.simulated_scanner().is_none());
    assert!(devices.simulated_barrier().is_some());
    let status = devices.test_barrier(Duration::ZERO, Duration::ZERO).unwrap();
    assert!(status.connected());
}

#[test]
fn the_default_config_serialises_back_to_toml_that_parses() {
    let text = toml::to_string(&SerialDevicesConfig::default()).unwrap();
    assert_eq!(parse(&text).unwrap(), SerialDevicesConfig::default());
}
