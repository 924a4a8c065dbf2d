//! Slip layout: turns a print job into lines, codes and a cut for a paper width. Pure.
//!
//! The ESC/POS encoder and the PNG renderer both draw these blocks, so the preview on screen is
//! the printout, column for column. Text here is already in the printer's character set.

use crate::devices::printer::code128::Code128Plan;
use crate::devices::printer::job::{Paper, PrintJob, ReceiptSlip, TicketSlip};
use crate::domain::Rupiah;

/// Horizontal placement of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Flush left.
    Left,
    /// Centred.
    Center,
}

/// Character size, as the printer's `GS !` offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// Font A, 12×24 dots.
    Normal,
    /// Double height, normal width: keeps the columns (totals).
    Tall,
    /// Double width and height: half the columns (ticket number).
    Large,
}

impl Size {
    /// How many character cells one character takes horizontally.
    pub fn width_factor(self) -> usize {
        match self {
            Size::Normal | Size::Tall => 1,
            Size::Large => 2,
        }
    }
}

/// One element of a slip, top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// One printed line that fits the paper at its size.
    Text {
        /// The characters (printer character set, no control characters).
        text: String,
        /// Placement.
        align: Align,
        /// Emphasised.
        bold: bool,
        /// Character size.
        size: Size,
    },
    /// A QR code (model 2, error correction M), centred.
    Qr {
        /// The data, e.g. the signed ticket code.
        data: String,
        /// Module size in dots.
        module_dots: u8,
    },
    /// A Code128 barcode, centred, with the text printed below it.
    Code128 {
        /// The text a scanner reads back.
        text: String,
        /// How it is encoded.
        plan: Code128Plan,
    },
    /// Blank lines.
    Feed(u8),
    /// End of the slip: feed to the cutter and cut partially.
    Cut,
}

/// Height of the barcode bars in dots.
pub const BARCODE_HEIGHT_DOTS: u8 = 80;

/// Words an operator or driver reads on the slips (Indonesian, the console's default language).
mod words {
    pub const TICKET_TITLE: &str = "TIKET PARKIR";
    pub const RECEIPT_TITLE: &str = "STRUK PARKIR";
    pub const TEST_TITLE: &str = "TES PRINTER";
    pub const LOST: &str = "*** TIKET HILANG ***";
    pub const TICKET: &str = "Tiket";
    pub const ENTRY: &str = "Masuk";
    pub const EXIT: &str = "Keluar";
    pub const DURATION: &str = "Durasi";
    pub const BOOTH: &str = "Pintu";
    pub const CLASS: &str = "Jenis";
    pub const PLATE: &str = "Plat";
    pub const CASHIER: &str = "Kasir";
    pub const METHOD: &str = "Bayar";
    pub const REFERENCE: &str = "Ref";
    pub const TOTAL: &str = "TOTAL";
    pub const TENDERED: &str = "Tunai";
    pub const CHANGE: &str = "Kembali";
    pub const SITE: &str = "Lokasi";
    pub const TIME: &str = "Waktu";
    pub const PAPER: &str = "Kertas";
    pub const SAMPLE: &str = "Contoh tarif";
    pub const KEEP: &str = "Simpan tiket ini";
}

/// Label column width of `label : value` rows.
const LABEL_WIDTH: usize = 7;

/// Lays out any job for `paper`.
pub fn layout(job: &PrintJob, paper: Paper) -> Vec<Block> {
    match job {
        PrintJob::Ticket(slip) => layout_ticket(slip, paper),
        PrintJob::Receipt(slip) => layout_receipt(slip, paper),
        PrintJob::TestPage { site, booth, at } => layout_test_page(site, booth, at, paper),
    }
}

/// Module size of printed QR codes: about 0.75 mm on 58 mm paper, 1 mm on 80 mm.
pub fn qr_module_dots(paper: Paper) -> u8 {
    match paper {
        Paper::Mm58 => 6,
        Paper::Mm80 => 8,
    }
}

/// An entry ticket: header, number large, time, booth, class, plate, QR, Code128, footer, cut.
pub fn layout_ticket(slip: &TicketSlip, paper: Paper) -> Vec<Block> {
    let mut out = Slip::new(paper);
    out.header(&slip.header_lines);
    out.centered(&slip.site_code, false, Size::Normal);
    out.rule();
    out.centered(words::TICKET_TITLE, true, Size::Normal);
    // Double width halves the columns: fall back to double height for long numbers.
    let number_size = if to_printable(&slip.ticket_no).chars().count() * 2 <= paper.columns() {
        Size::Large
    } else {
        Size::Tall
    };
    out.centered(&slip.ticket_no, true, number_size);
    out.rule();
    out.field(words::ENTRY, &slip.entry_time);
    out.field(words::BOOTH, &slip.booth);
    out.field(words::CLASS, &slip.class_label);
    if let Some(plate) = &slip.plate {
        out.field(words::PLATE, plate);
    }
    out.blocks.push(Block::Feed(1));
    out.blocks.push(Block::Qr { data: slip.ticket_code.clone(), module_dots: qr_module_dots(paper) });
    out.code128(&slip.ticket_no);
    out.blocks.push(Block::Feed(1));
    if slip.footer_lines.is_empty() {
        out.centered(words::KEEP, false, Size::Normal);
    } else {
        out.footer(&slip.footer_lines);
    }
    out.finish()
}

/// A receipt: header, ticket, times, duration, fee lines, total, payment, cashier, lost flag,
/// footer, cut.
pub fn layout_receipt(slip: &ReceiptSlip, paper: Paper) -> Vec<Block> {
    let mut out = Slip::new(paper);
    out.header(&slip.header_lines);
    out.rule();
    out.centered(words::RECEIPT_TITLE, true, Size::Normal);
    if slip.lost_ticket {
        out.centered(words::LOST, true, Size::Tall);
    }
    out.rule();
    out.field(words::TICKET, &slip.ticket_no);
    out.field(words::ENTRY, slip.entry_time.as_deref().unwrap_or("-"));
    out.field(words::EXIT, &slip.exit_time);
    out.field(words::DURATION, &slip.duration);
    out.rule();
    for (label, amount) in &slip.lines {
        out.amount(label, *amount, false, Size::Normal);
    }
    out.rule();
    out.amount(words::TOTAL, slip.total, true, Size::Tall);
    out.field(words::METHOD, &slip.method);
    if let Some(tendered) = slip.tendered {
        out.amount(words::TENDERED, tendered, false, Size::Normal);
    }
    if let Some(change) = slip.change {
        out.amount(words::CHANGE, change, false, Size::Normal);
    }
    if let Some(reference) = &slip.reference {
        out.field(words::REFERENCE, reference);
    }
    out.rule();
    out.field(words::CASHIER, &slip.cashier);
    out.field(words::BOOTH, &slip.booth);
    if !slip.footer_lines.is_empty() {
        out.blocks.push(Block::Feed(1));
        out.footer(&slip.footer_lines);
    }
    out.finish()
}

/// A test page: title, where and when, a ruler the width of the paper, a sample amount row, a QR
/// code and a barcode.
pub fn layout_test_page(site: &str, booth: &str, at: &str, paper: Paper) -> Vec<Block> {
    let mut out = Slip::new(paper);
    out.centered(words::TEST_TITLE, true, Size::Large);
    out.rule();
    out.field(words::SITE, site);
    out.field(words::BOOTH, booth);
    out.field(words::TIME, at);
    out.field(words::PAPER, &format!("{}, {} kolom", paper.label(), paper.columns()));
    let ruler: String = (0..paper.columns()).map(|i| char::from(b'0' + (i % 10) as u8)).collect();
    out.left(&ruler, false, Size::Normal);
    out.amount(words::SAMPLE, Rupiah(12_345), false, Size::Normal);
    out.amount(words::TOTAL, Rupiah(12_345), true, Size::Tall);
    out.blocks.push(Block::Qr {
        data: format!("GARDU-TEST-{}", to_printable(booth)),
        module_dots: qr_module_dots(paper),
    });
    out.code128("TEST-1234");
    out.finish()
}

/// Blocks under construction for one paper width.
struct Slip {
    paper: Paper,
    blocks: Vec<Block>,
}

impl Slip {
    fn new(paper: Paper) -> Self {
        Self { paper, blocks: Vec::new() }
    }

    fn finish(mut self) -> Vec<Block> {
        self.blocks.push(Block::Cut);
        self.blocks
    }

    fn columns(&self, size: Size) -> usize {
        self.paper.columns() / size.width_factor()
    }

    fn push_line(&mut self, text: String, align: Align, bold: bool, size: Size) {
        self.blocks.push(Block::Text { text, align, bold, size });
    }

    fn centered(&mut self, text: &str, bold: bool, size: Size) {
        for line in wrap(&to_printable(text), self.columns(size)) {
            self.push_line(line, Align::Center, bold, size);
        }
    }

    fn left(&mut self, text: &str, bold: bool, size: Size) {
        for line in wrap(&to_printable(text), self.columns(size)) {
            self.push_line(line, Align::Left, bold, size);
        }
    }

    /// The site name in bold, the rest plain, all centred.
    fn header(&mut self, lines: &[String]) {
        for (i, line) in lines.iter().enumerate() {
            self.centered(line, i == 0, Size::Normal);
        }
    }

    fn footer(&mut self, lines: &[String]) {
        for line in lines {
            self.centered(line, false, Size::Normal);
        }
    }

    fn rule(&mut self) {
        let dashes = "-".repeat(self.paper.columns());
        self.push_line(dashes, Align::Left, false, Size::Normal);
    }

    /// `Label  : value`, the value wrapped under itself.
    fn field(&mut self, label: &str, value: &str) {
        let label = to_printable(label);
        let indent = LABEL_WIDTH + 2;
        let width = self.paper.columns().saturating_sub(indent).max(1);
        let value = to_printable(value);
        let mut lines = wrap(&value, width).into_iter();
        let first = lines.next().unwrap_or_default();
        self.push_line(format!("{label:<LABEL_WIDTH$}: {first}"), Align::Left, false, Size::Normal);
        for rest in lines {
            self.push_line(format!("{:indent$}{rest}", ""), Align::Left, false, Size::Normal);
        }
    }

    /// Label left, amount right; a label too long for one line goes above its amount.
    fn amount(&mut self, label: &str, amount: Rupiah, bold: bool, size: Size) {
        let columns = self.columns(size);
        for line in two_columns(&to_printable(label), &amount.to_string(), columns) {
            self.push_line(line, Align::Left, bold, size);
        }
    }

    fn code128(&mut self, text: &str) {
        if let Some(plan) = Code128Plan::for_width(text, self.paper.width_dots()) {
            self.blocks.push(Block::Code128 { text: text.to_string(), plan });
        }
        // Otherwise no barcode: the number is printed large above and the QR carries it too.
    }
}

/// Two-column rows: `label` flush left and `value` flush right in `columns` characters.
pub fn two_columns(label: &str, value: &str, columns: usize) -> Vec<String> {
    let label_len = label.chars().count();
    let value_len = value.chars().count();
    if label_len + 1 + value_len <= columns {
        let gap = columns - label_len - value_len;
        return vec![format!("{label}{:gap$}{value}", "")];
    }
    let mut lines = wrap(label, columns);
    lines.push(format!("{value:>columns$}"));
    lines
}

/// Word-wraps `text` to `columns` characters per line; words longer than a line are split.
pub fn wrap(text: &str, columns: usize) -> Vec<String> {
    let columns = columns.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        let line_len = line.chars().count();
        if line_len > 0 && line_len + 1 + word.len() <= columns {
            line.push(' ');
            line.extend(&word);
            continue;
        }
        if line_len > 0 {
            lines.push(std::mem::take(&mut line));
        }
        while word.len() > columns {
            lines.push(word.drain(..columns).collect());
        }
        line.extend(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Text as the printer can print it: control characters become spaces (a plate or name can
/// never smuggle in printer commands), characters outside code page 437 become their nearest
/// ASCII spelling, or `?`.
pub fn to_printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if ch.is_control() {
            out.push(' ');
        } else if ch.is_ascii() || cp437_byte(ch).is_some() {
            out.push(ch);
        } else {
            out.push_str(transliterate(ch));
        }
    }
    out
}

/// The upper half of code page 437 (bytes 0x80..=0xFF), which ESC/POS printers use by default.
const CP437_HIGH: &str = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐\
                          └┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}";

/// The code page 437 byte for `ch`, if it has one.
pub fn cp437_byte(ch: char) -> Option<u8> {
    if ch.is_ascii() {
        return u8::try_from(u32::from(ch)).ok();
    }
    CP437_HIGH.chars().position(|c| c == ch).and_then(|i| u8::try_from(0x80 + i).ok())
}

/// Nearest ASCII spelling of a character code page 437 lacks.
fn transliterate(ch: char) -> &'static str {
    const TABLE: &[(&str, &str)] = &[
        ("ÀÁÂÃĀĂĄ", "A"),
        ("ãāăą", "a"),
        ("ĆĈĊČ", "C"),
        ("ćĉċč", "c"),
        ("ĎĐÐ", "D"),
        ("ďđð", "d"),
        ("ÈÊËĒĔĖĘĚ", "E"),
        ("ēĕėęě", "e"),
        ("ĜĞĠĢ", "G"),
        ("ĝğġģ", "g"),
        ("ÌÍÎÏĨĪĬĮİ", "I"),
        ("ĩīĭįı", "i"),
        ("ĹĻĽĿŁ", "L"),
        ("ĺļľŀł", "l"),
        ("ŃŅŇ", "N"),
        ("ńņň", "n"),
        ("ÒÓÔÕØŌŎŐ", "O"),
        ("õøōŏő", "o"),
        ("ŔŖŘ", "R"),
        ("ŕŗř", "r"),
        ("ŚŜŞŠ", "S"),
        ("śŝşš", "s"),
        ("ŢŤ", "T"),
        ("ţť", "t"),
        ("ÙÚÛŨŪŬŮŰŲ", "U"),
        ("ũūŭůűų", "u"),
        ("ÝŶŸ", "Y"),
        ("ýŷ", "y"),
        ("ŹŻŽ", "Z"),
        ("źżž", "z"),
        ("Œ", "OE"),
        ("œ", "oe"),
        ("Þ", "Th"),
        ("þ", "th"),
        ("‐‑‒–—―−", "-"),
        ("‘’‚‛′", "'"),
        ("“”„‟″", "\""),
        ("…", "..."),
        ("•", "*"),
        ("€", "EUR"),
        ("×", "x"),
    ];
    TABLE.iter().find(|(chars, _)| chars.contains(ch)).map_or("?", |(_, ascii)| ascii)
}

#[cfg(test)]
#[path = "layout_tests.rs"]
mod tests;
