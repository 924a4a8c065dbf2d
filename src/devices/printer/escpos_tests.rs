//! Raw-byte tests of the ESC/POS encoder (kept beside `escpos.rs`, split out for length).

use super::*;
use crate::devices::printer::code128::Code128Plan;
use crate::devices::printer::fixtures::{sample_receipt, sample_ticket};

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

fn text(text: &str, align: Align, bold: bool, size: Size) -> Block {
    Block::Text { text: text.into(), align, bold, size }
}

#[test]
fn styles_are_sent_only_when_they_change() {
    let blocks = [
        text("HEAD", Align::Center, true, Size::Normal),
        text("sub", Align::Center, false, Size::Normal),
        text("sub2", Align::Center, false, Size::Normal),
        text("No", Align::Center, true, Size::Large),
        text("Masuk", Align::Left, false, Size::Normal),
        text("TOTAL", Align::Left, true, Size::Tall),
        Block::Feed(2),
        Block::Cut,
    ];
    let mut expected = vec![0x1B, b'@', 0x1B, b't', 0];
    expected.extend(b"\x1Ba\x01\x1BE\x01HEAD\n");
    expected.extend(b"\x1BE\x00sub\n");
    expected.extend(b"sub2\n");
    expected.extend(b"\x1BE\x01\x1D!\x11No\n");
    expected.extend(b"\x1Ba\x00\x1BE\x00\x1D!\x00Masuk\n");
    expected.extend(b"\x1BE\x01\x1D!\x01TOTAL\n");
    expected.extend(b"\x1Bd\x02");
    expected.extend(b"\x1BE\x00\x1D!\x00\x1DVB\x00");
    assert_eq!(encode_blocks(&blocks), expected);
}

#[test]
fn qr_code_sequence_byte_for_byte() {
    let bytes = qr_code(b"G1.AB-9", 6);
    let mut expected = vec![];
    expected.extend([0x1D, 0x28, 0x6B, 4, 0, 0x31, 0x41, 0x32, 0]);
    expected.extend([0x1D, 0x28, 0x6B, 3, 0, 0x31, 0x43, 6]);
    expected.extend([0x1D, 0x28, 0x6B, 3, 0, 0x31, 0x45, 0x31]);
    expected.extend([0x1D, 0x28, 0x6B, 10, 0, 0x31, 0x50, 0x30]);
    expected.extend(b"G1.AB-9");
    expected.extend([0x1D, 0x28, 0x6B, 3, 0, 0x31, 0x51, 0x30]);
    assert_eq!(bytes, expected);
}

#[test]
fn qr_store_length_spans_two_bytes() {
    let data = vec![b'A'; 300];
    let bytes = qr_code(&data, 8);
    // 300 + 3 = 303 = 0x012F, little endian.
    assert!(find(&bytes, &[0x1D, 0x28, 0x6B, 0x2F, 0x01, 0x31, 0x50, 0x30]).is_some());
    assert_eq!(bytes[16], 8, "module size");
}

#[test]
fn code128_block_byte_for_byte() {
    let plan = Code128Plan::for_width("IN1-0042", 384).unwrap();
    let blocks = [Block::Code128 { text: "IN1-0042".into(), plan }];
    let mut expected = vec![0x1B, b'@', 0x1B, b't', 0, 0x1B, b'a', 1];
    expected.extend([0x1D, b'h', 80, 0x1D, b'w', 2, 0x1D, b'H', 2, 0x1D, b'f', 0]);
    expected.extend([0x1D, b'k', 73, 10]);
    expected.extend(b"{BIN1-0042\n");
    assert_eq!(encode_blocks(&blocks), expected);
}

#[test]
fn ticket_carries_number_large_qr_code_and_barcode_then_cuts() {
    let slip = sample_ticket();
    let bytes = encode_job(&PrintJob::Ticket(slip.clone()), Paper::Mm58);
    assert!(bytes.starts_with(&[0x1B, b'@', 0x1B, b't', 0]));
    assert!(bytes.ends_with(&PARTIAL_CUT));
    assert!(find(&bytes, b"\x1D!\x11IN1-0042\n").is_some());
    let qr = qr_code(slip.ticket_code.as_bytes(), 6);
    let qr_at = find(&bytes, &qr).expect("QR sequence");
    let barcode_at = find(&bytes, b"\x1Dk\x49\x0A{BIN1-0042").expect("Code128");
    assert!(qr_at < barcode_at, "QR first, then the barcode");
    for line in [
        &b"Masuk  : 15/03/2024 08:30:05\n"[..],
        b"Pintu  : IN1\n",
        b"Jenis  : MOBIL\n",
        b"Plat   : B 1234 XYZ\n",
        b"JKT-MALL-01\n",
    ] {
        assert!(find(&bytes, line).is_some(), "{}", String::from_utf8_lossy(line));
    }
    let cuts = bytes.windows(4).filter(|w| w == &PARTIAL_CUT).count();
    assert_eq!(cuts, 1, "one cut");
}

#[test]
fn eighty_mm_uses_bigger_qr_modules_and_wider_rules() {
    let bytes = encode_job(&PrintJob::Ticket(sample_ticket()), Paper::Mm80);
    assert!(find(&bytes, &[0x1D, 0x28, 0x6B, 3, 0, 0x31, 0x43, 8]).is_some());
    let rule = [vec![b'-'; 48], vec![b'\n']].concat();
    assert!(find(&bytes, &rule).is_some());
    assert!(find(&bytes, &[vec![b'-'; 49]].concat()).is_none());
}

#[test]
fn receipt_amounts_line_up_right_and_lost_ticket_is_marked() {
    let bytes = encode_job(&PrintJob::Receipt(sample_receipt()), Paper::Mm58);
    let total = format!("\x1BE\x01\x1D!\x01TOTAL{}Rp 61.000\n", " ".repeat(18));
    assert!(find(&bytes, total.as_bytes()).is_some());
    let change = format!("Kembali{}Rp 39.000\n", " ".repeat(16));
    assert!(find(&bytes, change.as_bytes()).is_some());
    assert!(find(&bytes, b"*** TIKET HILANG ***\n").is_some());
    assert!(find(&bytes, b"Kasir  : Siti\n").is_some());
    assert!(bytes.ends_with(&PARTIAL_CUT));
}

#[test]
fn text_is_sent_in_code_page_437_and_cannot_inject_commands() {
    let mut slip = sample_ticket();
    slip.header_lines = vec!["Café Ñandú €".into()];
    slip.plate = Some("B 1\x1B@\x1DV\x00X".into());
    let bytes = encode_job(&PrintJob::Ticket(slip), Paper::Mm80);
    assert!(find(&bytes, b"Caf\x82 \xA5and\xA3 EUR\n").is_some());
    assert!(find(&bytes, b"Plat   : B 1 @ V X\n").is_some());
    // Exactly one reset: the one at the start.
    assert_eq!(bytes.windows(2).filter(|w| w == &[0x1B, b'@']).count(), 1);
}

#[test]
fn test_page_encodes() {
    let job = PrintJob::TestPage { site: "Mall".into(), booth: "IN1".into(), at: "15/03/2024 08:30".into() };
    let bytes = encode_job(&job, Paper::Mm58);
    assert!(find(&bytes, b"\x1D!\x11TES PRINTER\n").is_some());
    assert!(find(&bytes, b"01234567890123456789012345678901\n").is_some());
    assert!(find(&bytes, b"GARDU-TEST-IN1").is_some());
    assert!(find(&bytes, b"{BTEST-1234").is_some());
}

#[test]
fn status_bytes_table() {
    // (paper byte, offline byte, expected condition)
    let ok = PrinterCondition::default();
    let cases = [
        (0x12, 0x12, ok),
        (0x1E, 0x12, PrinterCondition { paper_low: true, ..ok }),
        (0x7E, 0x32, PrinterCondition { paper_low: true, paper_out: true, ..ok }),
        (0x12, 0x16, PrinterCondition { cover_open: true, ..ok }),
        (0x12, 0x52, PrinterCondition { error: true, ..ok }),
    ];
    for (paper, offline, expected) in cases {
        let mut condition = PrinterCondition::default();
        assert!(parse_paper_status(paper, &mut condition), "{paper:#04x}");
        assert!(parse_offline_status(offline, &mut condition), "{offline:#04x}");
        assert_eq!(condition, expected, "{paper:#04x} {offline:#04x}");
    }
    let mut condition = PrinterCondition::default();
    for not_status in [0x00, 0x10, 0x13, 0x92, b'A'] {
        assert!(!parse_paper_status(not_status, &mut condition));
        assert!(!parse_offline_status(not_status, &mut condition));
    }
}

#[test]
fn condition_in_words() {
    let out = PrinterCondition { paper_out: true, cover_open: true, ..Default::default() };
    assert!(out.fault().unwrap().contains("paper"));
    let low = PrinterCondition { paper_low: true, ..Default::default() };
    assert_eq!(low.fault(), None);
    assert!(low.warning().unwrap().contains("nearly empty"));
}
