//! Printers and cameras end to end: rendered slips decoded by zbarimg, ESC/POS bytes received
//! by fake printers over TCP, a pseudo-terminal and a device file, and HTTP cameras served by a
//! local test server with digest authentication.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use camera_server::{Serve, camera_server};
use chrono::{TimeZone, Utc};
use gardu::clock::{Clock, ManualClock};
use gardu::devices::camera::http::{AuthScheme, SnapshotTarget};
use gardu::devices::camera::jpeg::{decode_jpeg, encode_jpeg};
use gardu::devices::camera::{
    Camera, CameraConfig, CameraKind, HttpCamera, PhotoSettings, camera_from_config,
};
use gardu::devices::printer::escpos::{self, PARTIAL_CUT};
use gardu::devices::printer::{
    EscPosPrinter, Paper, PrintJob, Printer, PrinterConfig, ReceiptSlip, TicketSlip, Transport,
    print_test_page, printer_from_config, render_receipt_png, render_ticket_png,
};
use gardu::devices::{DeviceError, LinkState};
use gardu::domain::Rupiah;
use image::{Rgb, RgbImage};

#[path = "devices_media/camera_server.rs"]
mod camera_server;
#[cfg(feature = "anpr")]
#[path = "devices_media/plates.rs"]
mod plates;

// ---------------------------------------------------------------------------------------------
// Fixtures

fn clock() -> Arc<dyn Clock> {
    Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2024, 3, 15, 1, 30, 5).unwrap()))
}

fn ticket(ticket_no: &str, ticket_code: &str) -> TicketSlip {
    TicketSlip {
        header_lines: vec!["MALL KOTA KASABLANKA".into(), "Jakarta Selatan".into()],
        site_code: "JKT-MALL-01".into(),
        ticket_no: ticket_no.into(),
        ticket_code: ticket_code.into(),
        entry_time: "15/03/2024 08:30:05".into(),
        booth: "IN1".into(),
        class_label: "MOBIL".into(),
        plate: Some("B 1234 XYZ".into()),
        footer_lines: vec!["Simpan tiket ini".into()],
    }
}

fn receipt() -> ReceiptSlip {
    ReceiptSlip {
        header_lines: vec!["MALL KOTA KASABLANKA".into()],
        ticket_no: "IN1-0042".into(),
        booth: "OUT2".into(),
        cashier: "Siti".into(),
        entry_time: Some("15/03/2024 08:30:05".into()),
        exit_time: "15/03/2024 11:02:40".into(),
        duration: "2 jam 32 menit".into(),
        lines: vec![("Jam pertama".into(), Rupiah(5_000)), ("2 jam berikutnya".into(), Rupiah(6_000))],
        total: Rupiah(11_000),
        method: "QRIS".into(),
        tendered: None,
        change: None,
        reference: Some("QR-88123".into()),
        lost_ticket: false,
        footer_lines: vec![],
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering, checked by a real barcode reader

/// Runs `zbarimg` on a PNG and returns the decoded texts, one per symbol.
fn zbarimg(png: &[u8], extra_args: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("slip.png");
    std::fs::write(&path, png).unwrap();
    let output =
        Command::new("zbarimg").args(["--raw", "-q"]).args(extra_args).arg(&path).output().unwrap_or_else(
            |err| {
                panic!(
                    "zbarimg could not be run ({err}): install it with `apt-get install zbar-tools` \
                 — this test checks that printed codes scan and is never skipped"
                )
            },
        );
    assert!(
        output.status.success(),
        "zbarimg found no symbol (exit {:?}): {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().lines().map(str::to_string).collect()
}

#[test]
fn rendered_tickets_scan_back_to_the_code_and_the_number() {
    let cases = [
        (Paper::Mm58, "IN1-0042", "G1.JKT-MALL-01.IN1.42.1710466205.MBL.Q7W2E9R4T6"),
        (Paper::Mm80, "IN1-0042", "G1.JKT-MALL-01.IN1.42.1710466205.MBL.Q7W2E9R4T6"),
        // 64 characters of code, and a number long enough to need code set C on 58 mm.
        (Paper::Mm58, "A-20240315000042", "G1.JKT-MALL-01.OUT12.000042.1710466205.TRK.ABCDEFGHJKMNPQRSTVWXY"),
        // Long enough for one-dot bars on 58 mm.
        (Paper::Mm58, "IN1-20240315-00042", "G1.X-1"),
    ];
    for (paper, number, code) in cases {
        assert!(code.len() <= 64, "{} characters", code.len());
        let png = render_ticket_png(&ticket(number, code), paper).unwrap();
        let image = image::load_from_memory(&png).unwrap();
        assert_eq!(image.width(), paper.width_dots());
        let all: BTreeSet<String> = zbarimg(&png, &[]).into_iter().collect();
        let expected: BTreeSet<String> = [number.to_string(), code.to_string()].into();
        assert_eq!(all, expected, "{paper:?} {number}");
        assert_eq!(zbarimg(&png, &["-Sdisable", "-Sqrcode.enable"]), vec![code]);
        assert_eq!(zbarimg(&png, &["-Sdisable", "-Scode128.enable"]), vec![number]);
    }
}

#[test]
fn rendered_receipts_are_paper_wide_pngs() {
    for paper in [Paper::Mm58, Paper::Mm80] {
        let png = render_receipt_png(&receipt(), paper).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let image = image::load_from_memory(&png).unwrap().to_rgb8();
        assert_eq!(image.width(), paper.width_dots());
        assert!(image.height() > 500, "{}", image.height());
    }
}

#[test]
fn simulated_test_page_scans_and_timing_is_reported() {
    let handle =
        printer_from_config(&PrinterConfig { print_ms: 0, ..PrinterConfig::default() }, clock()).unwrap();
    let printer = handle.printer();
    print_test_page(printer.as_ref(), "Mall", "IN1", "15/03/2024 08:30").unwrap();
    let simulated = handle.simulated().unwrap();
    let page = simulated.last_output().unwrap();
    let png = gardu::devices::printer::render::encode_png(&page.image).unwrap();
    assert!(zbarimg(&png, &[]).contains(&"GARDU-TEST-IN1".to_string()));

    // One simulated ticket print (layout, ESC/POS, render) timed for the report, not asserted.
    let started = Instant::now();
    printer.print(&PrintJob::Ticket(ticket("IN1-0042", "G1.X"))).unwrap();
    println!(
        "simulated print + render of a ticket: {:?} ({} jobs)",
        started.elapsed(),
        simulated.jobs_printed()
    );
}

// ---------------------------------------------------------------------------------------------
// Real printers over fake links

/// A network printer on 127.0.0.1 that answers each status query with the next byte of
/// `replies` (or stays silent when there are none) and records what it receives.
fn fake_tcp_printer(replies: Vec<u8>) -> (SocketAddr, std::thread::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let handle = std::thread::Builder::new()
        .name("fake-tcp-printer".into())
        .spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let mut received = Vec::new();
            let mut replies = replies.into_iter();
            let mut buf = [0u8; 4096];
            loop {
                let n = match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                received.extend_from_slice(&buf[..n]);
                // Answer every status query seen in this read.
                let queries = buf[..n].windows(2).filter(|w| w == &[0x10, 0x04]).count();
                for _ in 0..queries {
                    if let Some(reply) = replies.next() {
                        stream.write_all(&[reply]).unwrap();
                    }
                }
            }
            received
        })
        .unwrap();
    (address, handle)
}

fn tcp_printer(address: SocketAddr, paper: Paper) -> EscPosPrinter {
    EscPosPrinter::new(
        Transport::Tcp { address: address.to_string() },
        paper,
        Duration::from_secs(5),
        clock(),
    )
}

#[test]
fn tcp_printer_receives_status_queries_then_the_exact_job() {
    let (address, server) = fake_tcp_printer(vec![0x12, 0x12]);
    let printer = tcp_printer(address, Paper::Mm80);
    assert_eq!(printer.status().state, LinkState::Connecting);
    let job = PrintJob::Receipt(receipt());
    printer.print(&job).unwrap();
    let received = server.join().unwrap();
    let mut expected = escpos::QUERY_PAPER.to_vec();
    expected.extend(escpos::QUERY_OFFLINE);
    expected.extend(printer.encode(&job));
    assert_eq!(received, expected);
    assert!(received.ends_with(&PARTIAL_CUT));
    let status = printer.status();
    assert_eq!(status.state, LinkState::Connected);
    assert_eq!(status.port, format!("tcp://{address}"));
    assert_eq!(status.warning, None);
    assert!(status.last_seen.is_some());
}

#[test]
fn tcp_printer_out_of_paper_refuses_the_job() {
    // Paper sensor: end (bits 5-6); offline cause: stopped for paper end (bit 5).
    let (address, server) = fake_tcp_printer(vec![0x72, 0x32]);
    let printer = tcp_printer(address, Paper::Mm58);
    let err = printer.print(&PrintJob::Ticket(ticket("IN1-1", "G1.X"))).unwrap_err();
    assert!(matches!(err, DeviceError::Fault { .. }), "{err:?}");
    assert!(err.to_string().contains("paper roll is empty"), "{err}");
    let received = server.join().unwrap();
    assert_eq!(received.len(), 6, "only the two status queries were sent");
    let status = printer.status();
    assert_eq!(status.state, LinkState::Fault);
    assert_eq!(status.last_error, Some(err.to_string()));
}

#[test]
fn tcp_printer_with_paper_low_prints_and_warns() {
    let (address, server) = fake_tcp_printer(vec![0x1E, 0x12]);
    let printer = tcp_printer(address, Paper::Mm58);
    printer.print(&PrintJob::Ticket(ticket("IN1-2", "G1.X"))).unwrap();
    assert!(server.join().unwrap().ends_with(&PARTIAL_CUT));
    let status = printer.status();
    assert_eq!(status.state, LinkState::Connected);
    assert!(status.warning.unwrap().contains("nearly empty"));
}

#[test]
fn tcp_printer_that_never_answers_status_still_prints() {
    let (address, server) = fake_tcp_printer(vec![]);
    let printer = tcp_printer(address, Paper::Mm58);
    let job = PrintJob::Ticket(ticket("IN1-3", "G1.X"));
    printer.print(&job).unwrap();
    let received = server.join().unwrap();
    assert!(received.starts_with(&escpos::QUERY_PAPER));
    assert!(received.ends_with(&printer.encode(&job)));
}

#[test]
fn probing_a_printer_with_its_cover_open() {
    // Paper fine; offline cause: cover open (bit 2).
    let (address, server) = fake_tcp_printer(vec![0x12, 0x16]);
    let printer = tcp_printer(address, Paper::Mm58);
    let condition = printer.probe().unwrap().expect("the printer answered");
    assert!(condition.cover_open && !condition.paper_out);
    let sent = server.join().unwrap();
    assert_eq!(sent, [escpos::QUERY_PAPER, escpos::QUERY_OFFLINE].concat());
    let status = printer.status();
    assert_eq!(status.state, LinkState::Fault);
    assert!(status.last_error.unwrap().contains("cover is open"));
}

#[test]
fn unreachable_tcp_printer_is_disconnected() {
    // A port that was just free: nothing listens there now.
    let address = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let printer = tcp_printer(address, Paper::Mm58);
    let err = printer.print(&PrintJob::Ticket(ticket("IN1-4", "G1.X"))).unwrap_err();
    assert!(matches!(err, DeviceError::NotConnected { .. }), "{err:?}");
    let status = printer.status();
    assert_eq!(status.state, LinkState::Disconnected);
    assert!(status.last_error.unwrap().contains("not connected"));
}

#[test]
fn device_file_printer_recovers_when_the_printer_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lp0");
    let printer = EscPosPrinter::new(
        Transport::File { path: path.clone() },
        Paper::Mm58,
        Duration::from_secs(5),
        clock(),
    );
    let job = PrintJob::Ticket(ticket("IN1-5", "G1.X"));
    let err = printer.print(&job).unwrap_err();
    assert!(matches!(err, DeviceError::NotConnected { .. }), "{err:?}");
    assert_eq!(printer.status().state, LinkState::Disconnected);
    assert!(!path.exists(), "an unplugged printer's device file is never created");
    // "Plugging in" the printer: the next job goes through, no status queries on a file.
    std::fs::write(&path, b"").unwrap();
    printer.print(&job).unwrap();
    printer.print(&job).unwrap();
    let written = std::fs::read(&path).unwrap();
    assert_eq!(written, [printer.encode(&job), printer.encode(&job)].concat());
    let status = printer.status();
    assert_eq!(status.state, LinkState::Connected);
    assert_eq!(status.last_error, None);
}

#[cfg(unix)]
#[test]
fn a_blocked_device_file_times_out_instead_of_hanging() {
    // Opening a FIFO for writing blocks until someone reads it, like a stalled printer driver.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stalled");
    let made = Command::new("mkfifo").arg(&path).status().unwrap();
    assert!(made.success());
    let printer = EscPosPrinter::new(
        Transport::File { path: path.clone() },
        Paper::Mm58,
        Duration::from_millis(200),
        clock(),
    );
    let err = printer.print(&PrintJob::Ticket(ticket("IN1-6", "G1.X"))).unwrap_err();
    assert!(matches!(err, DeviceError::Timeout { .. }), "{err:?}");
    assert_eq!(printer.status().state, LinkState::Disconnected);
    // Unblock the abandoned job thread so it ends.
    let mut reader = std::fs::File::open(&path).unwrap();
    let mut sink = Vec::new();
    reader.read_to_end(&mut sink).unwrap();
    assert!(sink.ends_with(&PARTIAL_CUT), "the late job still completes");
}

#[cfg(unix)]
#[test]
fn serial_printer_over_a_pseudo_terminal() {
    use serialport::{SerialPort, TTYPort};
    let (mut master, slave) = TTYPort::pair().unwrap();
    let port = slave.name().unwrap();
    let printer = EscPosPrinter::new(
        Transport::Serial { port: port.clone(), baud: 115_200 },
        Paper::Mm58,
        Duration::from_secs(5),
        clock(),
    );
    let job = PrintJob::Ticket(ticket("IN1-7", "G1.JKT-MALL-01.IN1.7"));
    let expected_job = printer.encode(&job);
    let fake = std::thread::Builder::new()
        .name("fake-serial-printer".into())
        .spawn(move || {
            let mut received = Vec::new();
            let mut answered = 0;
            let deadline = Instant::now() + Duration::from_secs(10);
            let mut buf = [0u8; 1024];
            while Instant::now() < deadline && !received.ends_with(&PARTIAL_CUT) {
                match master.read(&mut buf) {
                    Ok(n) => received.extend_from_slice(&buf[..n]),
                    Err(_) => continue,
                }
                let queries = received.windows(2).filter(|w| w == &[0x10, 0x04]).count();
                while answered < queries {
                    master.write_all(&[0x12]).unwrap();
                    answered += 1;
                }
            }
            // Hand the master back rather than closing it: a hang-up while the printer side
            // still drains its output would fail the job's flush.
            (received, master)
        })
        .unwrap();
    printer.print(&job).unwrap();
    let (received, _master) = fake.join().unwrap();
    let mut expected = escpos::QUERY_PAPER.to_vec();
    expected.extend(escpos::QUERY_OFFLINE);
    expected.extend(expected_job);
    assert_eq!(received, expected);
    assert_eq!(printer.status().port, port);
    assert_eq!(printer.status().state, LinkState::Connected);
    drop(slave);
}

// ---------------------------------------------------------------------------------------------
// HTTP cameras against a local server

fn test_jpeg(width: u32, height: u32) -> Vec<u8> {
    let image = RgbImage::from_fn(width, height, |x, y| Rgb([(x / 8 % 256) as u8, (y / 8 % 256) as u8, 128]));
    encode_jpeg(&image, 85).unwrap().bytes
}

fn http_camera(url: &str, user: &str, password: &str, auth: AuthScheme) -> HttpCamera {
    HttpCamera::new(
        SnapshotTarget {
            url: url.into(),
            username: Some(user.into()),
            password: Some(password.into()),
            auth,
        },
        PhotoSettings::default(),
        None,
        Duration::from_secs(5),
        clock(),
    )
    .unwrap()
}

#[test]
fn digest_camera_serves_a_scaled_jpeg_and_reuses_its_nonce() {
    let jpeg = Arc::new(test_jpeg(1920, 1080));
    let server = camera_server(Serve::DigestJpeg { user: "admin", password: "Kamera#2024", jpeg });
    let camera = http_camera(&server.url, "admin", "Kamera#2024", AuthScheme::Digest);
    let photo = camera.capture(Duration::from_secs(5)).unwrap();
    assert_eq!((photo.width, photo.height), (1280, 720));
    assert_eq!(decode_jpeg(&photo.bytes).unwrap().dimensions(), (1280, 720));
    {
        let seen = server.seen.lock().unwrap();
        assert_eq!(seen.len(), 2, "challenge, then the authorised request");
        assert!(seen[0].authorization.is_none() && !seen[0].authorized);
        assert!(seen[1].authorized, "server-side digest check passed");
        assert!(seen[1].authorization.as_ref().unwrap().contains("nc=00000001"));
    }
    camera.capture(Duration::from_secs(5)).unwrap();
    let seen = server.seen.lock().unwrap();
    assert_eq!(seen.len(), 3, "the second photo reuses the nonce: one request");
    assert!(seen[2].authorized);
    assert!(seen[2].authorization.as_ref().unwrap().contains("nc=00000002"));
    let status = camera.status();
    assert_eq!(status.state, LinkState::Connected);
    assert_eq!(status.port, server.url);
}

#[test]
fn basic_camera_sends_credentials_up_front() {
    let server = camera_server(Serve::BasicJpeg {
        user: "admin",
        password: "12345",
        jpeg: Arc::new(test_jpeg(640, 480)),
    });
    let camera = http_camera(&server.url, "admin", "12345", AuthScheme::Basic);
    let photo = camera.capture(Duration::from_secs(5)).unwrap();
    assert_eq!((photo.width, photo.height), (640, 480));
    let seen = server.seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].authorized);
}

#[test]
fn wrong_password_is_a_clear_error_without_the_password() {
    let server = camera_server(Serve::DigestJpeg {
        user: "admin",
        password: "right-one",
        jpeg: Arc::new(test_jpeg(64, 64)),
    });
    let camera = http_camera(&server.url, "admin", "wrong-one", AuthScheme::Digest);
    let err = camera.capture(Duration::from_secs(5)).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, DeviceError::Fault { .. }), "{err:?}");
    assert!(message.contains("refused the user name or password"), "{message}");
    assert!(!message.contains("wrong-one"), "{message}");
    let status = camera.status();
    assert_eq!(status.state, LinkState::Fault);
    assert!(!format!("{status:?}").contains("wrong-one"));
    assert_eq!(server.seen.lock().unwrap().len(), 2, "no retry storm");
}

#[test]
fn a_camera_answering_html_is_refused() {
    let server = camera_server(Serve::Html);
    let camera = http_camera(&server.url, "admin", "x", AuthScheme::Digest);
    let err = camera.capture(Duration::from_secs(5)).unwrap_err();
    match &err {
        DeviceError::UnexpectedReply { expected, got, .. } => {
            assert_eq!(expected, "a JPEG image");
            assert!(got.contains("<html>"), "{got}");
        }
        other => panic!("expected UnexpectedReply, got {other:?}"),
    }
}

#[test]
fn a_hanging_camera_times_out() {
    let server = camera_server(Serve::Hang);
    let camera = http_camera(&server.url, "admin", "x", AuthScheme::Digest);
    let err = camera.capture(Duration::from_millis(300)).unwrap_err();
    assert!(matches!(err, DeviceError::Timeout { timeout_ms: 300, .. }), "{err:?}");
    assert_eq!(camera.status().state, LinkState::Disconnected);
}

#[test]
fn simulated_camera_from_config_and_timing_is_reported() {
    let config = CameraConfig { kind: CameraKind::Simulated, ..CameraConfig::default() };
    let handle = camera_from_config(&config, "IN1", chrono_tz::Asia::Jakarta, clock()).unwrap();
    handle.simulated().unwrap().set_vehicle(Some("B 1234 XYZ".into()));
    let camera = handle.camera();
    let started = Instant::now();
    let photo = camera.capture(Duration::from_secs(5)).unwrap();
    println!("simulated capture (draw + JPEG): {:?}, {} bytes", started.elapsed(), photo.bytes.len());
    assert_eq!((photo.width, photo.height), (1280, 720));
}
