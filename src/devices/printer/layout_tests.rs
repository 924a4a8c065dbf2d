//! Unit tests of the slip layout (kept beside `layout.rs`, split out for length).

use super::*;
use crate::devices::printer::fixtures::{sample_receipt, sample_ticket};

fn text_lines(blocks: &[Block]) -> Vec<String> {
    blocks
        .iter()
        .filter_map(|block| match block {
            Block::Text { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

fn text(text: &str, align: Align, bold: bool, size: Size) -> Block {
    Block::Text { text: text.into(), align, bold, size }
}

#[test]
fn ticket_on_58mm_paper_block_by_block() {
    let blocks = layout_ticket(&sample_ticket(), Paper::Mm58);
    let rule = "-".repeat(32);
    let expected = vec![
        text("MALL KOTA KASABLANKA", Align::Center, true, Size::Normal),
        text("Jl. Casablanca Raya Kav. 88,", Align::Center, false, Size::Normal),
        text("Jakarta Selatan", Align::Center, false, Size::Normal),
        text("JKT-MALL-01", Align::Center, false, Size::Normal),
        text(&rule, Align::Left, false, Size::Normal),
        text("TIKET PARKIR", Align::Center, true, Size::Normal),
        text("IN1-0042", Align::Center, true, Size::Large),
        text(&rule, Align::Left, false, Size::Normal),
        text("Masuk  : 15/03/2024 08:30:05", Align::Left, false, Size::Normal),
        text("Pintu  : IN1", Align::Left, false, Size::Normal),
        text("Jenis  : MOBIL", Align::Left, false, Size::Normal),
        text("Plat   : B 1234 XYZ", Align::Left, false, Size::Normal),
        Block::Feed(1),
        Block::Qr { data: "G1.JKT-MALL-01.IN1.42.1710466205.MBL.Q7W2E9R4T6".into(), module_dots: 6 },
        Block::Code128 { text: "IN1-0042".into(), plan: Code128Plan::for_width("IN1-0042", 384).unwrap() },
        Block::Feed(1),
        text("Simpan tiket ini.", Align::Center, false, Size::Normal),
        text("Kehilangan tiket dikenakan denda", Align::Center, false, Size::Normal),
        Block::Cut,
    ];
    assert_eq!(blocks, expected);
}

#[test]
fn ticket_without_plate_and_with_a_long_number() {
    let mut slip = sample_ticket();
    slip.plate = None;
    slip.ticket_no = "IN1-20240315-00042".into();
    let blocks = layout_ticket(&slip, Paper::Mm58);
    let lines = text_lines(&blocks);
    assert!(!lines.iter().any(|l| l.starts_with("Plat")));
    // 18 characters do not fit double width on 32 columns: double height instead.
    assert!(blocks.contains(&text("IN1-20240315-00042", Align::Center, true, Size::Tall)));
}

#[test]
fn every_receipt_line_fits_the_paper() {
    for paper in [Paper::Mm58, Paper::Mm80] {
        for block in layout_receipt(&sample_receipt(), paper) {
            if let Block::Text { text, size, .. } = block {
                assert!(
                    text.chars().count() * size.width_factor() <= paper.columns(),
                    "{text:?} on {paper:?}"
                );
            }
        }
    }
}

#[test]
fn receipt_on_80mm_paper_in_reading_order() {
    let lines = text_lines(&layout_receipt(&sample_receipt(), Paper::Mm80));
    let amount_row =
        |label: &str, amount: &str| format!("{label}{}{amount}", " ".repeat(48 - label.len() - amount.len()));
    let expected_in_order = [
        "MALL KOTA KASABLANKA".to_string(),
        "STRUK PARKIR".into(),
        "*** TIKET HILANG ***".into(),
        "Tiket  : IN1-0042".into(),
        "Masuk  : 15/03/2024 08:30:05".into(),
        "Keluar : 15/03/2024 11:02:40".into(),
        "Durasi : 2 jam 32 menit".into(),
        amount_row("Jam pertama", "Rp 5.000"),
        amount_row("2 jam berikutnya x Rp 3.000", "Rp 6.000"),
        amount_row("Denda tiket hilang", "Rp 50.000"),
        amount_row("TOTAL", "Rp 61.000"),
        "Bayar  : TUNAI".into(),
        amount_row("Tunai", "Rp 100.000"),
        amount_row("Kembali", "Rp 39.000"),
        "Kasir  : Siti".into(),
        "Pintu  : OUT2".into(),
        "Terima kasih".into(),
    ];
    let mut position = 0;
    for wanted in &expected_in_order {
        match lines[position..].iter().position(|l| l == wanted) {
            Some(found) => position += found + 1,
            None => panic!("{wanted:?} missing or out of order in {lines:#?}"),
        }
    }
    assert!(!lines.iter().any(|l| l.starts_with("Ref")));
}

#[test]
fn receipt_marks_lost_tickets_only() {
    let mut slip = sample_receipt();
    slip.lost_ticket = false;
    slip.entry_time = None;
    slip.reference = Some("QRIS-88123".into());
    let blocks = layout_receipt(&slip, Paper::Mm58);
    let lines = text_lines(&blocks);
    assert!(!lines.iter().any(|l| l.contains("HILANG")));
    assert!(lines.contains(&"Masuk  : -".to_string()));
    assert!(lines.contains(&"Ref    : QRIS-88123".to_string()));
    assert!(blocks.contains(&text(
        &format!("TOTAL{}Rp 61.000", " ".repeat(32 - 5 - 9)),
        Align::Left,
        true,
        Size::Tall
    )));
    assert_eq!(blocks.last(), Some(&Block::Cut));
}

#[test]
fn test_page_has_a_ruler_as_wide_as_the_paper() {
    for paper in [Paper::Mm58, Paper::Mm80] {
        let blocks = layout_test_page("Mall", "IN1", "15/03/2024 08:30", paper);
        let lines = text_lines(&blocks);
        let ruler = lines.iter().find(|l| l.starts_with("0123456789")).unwrap();
        assert_eq!(ruler.len(), paper.columns());
        assert!(blocks.iter().any(|b| matches!(b, Block::Qr { .. })));
        assert!(blocks.iter().any(|b| matches!(b, Block::Code128 { .. })));
    }
}

#[test]
fn wrapping_table() {
    let cases: [(&str, usize, &[&str]); 6] = [
        ("", 10, &[""]),
        ("short", 10, &["short"]),
        ("two words", 5, &["two", "words"]),
        ("Jl. Casablanca Raya", 10, &["Jl.", "Casablanca", "Raya"]),
        ("ABCDEFGHIJKL", 5, &["ABCDE", "FGHIJ", "KL"]),
        ("a  b   c", 10, &["a b c"]),
    ];
    for (input, columns, expected) in cases {
        assert_eq!(wrap(input, columns), expected, "{input:?} at {columns}");
    }
}

#[test]
fn two_column_table() {
    let cases: [(&str, &str, usize, &[&str]); 3] = [
        ("Parkir", "Rp 5.000", 20, &["Parkir      Rp 5.000"]),
        ("Parkir", "Rp 5.000", 15, &["Parkir Rp 5.000"]),
        ("Denda tiket hilang", "Rp 50.000", 16, &["Denda tiket", "hilang", "       Rp 50.000"]),
    ];
    for (label, value, columns, expected) in cases {
        assert_eq!(two_columns(label, value, columns), expected, "{label:?}");
    }
}

#[test]
fn printable_text_table() {
    let cases = [
        ("B 1234 XYZ", "B 1234 XYZ"),
        ("Café Über", "Café Über"),
        ("Ås – “OK” …", "Ås - \"OK\" ..."),
        ("Łódź", "Lódz"),
        ("Rp€5", "RpEUR5"),
        ("evil\x1b@\x1dV\n", "evil @ V "),
        ("日本", "??"),
    ];
    for (input, expected) in cases {
        assert_eq!(to_printable(input), expected, "{input:?}");
    }
}

#[test]
fn code_page_437_bytes() {
    assert_eq!(cp437_byte('A'), Some(b'A'));
    assert_eq!(cp437_byte('Ç'), Some(0x80));
    assert_eq!(cp437_byte('é'), Some(0x82));
    assert_eq!(cp437_byte('ñ'), Some(0xA4));
    assert_eq!(cp437_byte('°'), Some(0xF8));
    assert_eq!(cp437_byte('\u{a0}'), Some(0xFF));
    assert_eq!(cp437_byte('€'), None);
    assert_eq!(CP437_HIGH.chars().count(), 128);
}
