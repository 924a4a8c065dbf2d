//! ESC/POS encoding of laid-out slips, and decoding of the printer's status bytes. Pure: bytes in,
//! bytes out, no I/O.

use crate::devices::printer::job::{Paper, PrintJob};
use crate::devices::printer::layout::{self, Align, BARCODE_HEIGHT_DOTS, Block, Size, cp437_byte};

const ESC: u8 = 0x1B;
const GS: u8 = 0x1D;
const DLE: u8 = 0x10;
const EOT: u8 = 0x04;
const LF: u8 = 0x0A;

/// `ESC @`: reset the printer to its power-on settings.
pub const INIT: [u8; 2] = [ESC, b'@'];
/// `ESC t 0`: code page 437, which [`layout::to_printable`] restricts text to.
pub const CODE_PAGE_437: [u8; 3] = [ESC, b't', 0];
/// `GS V 66 0`: feed to the cutter and cut, leaving a hinge.
pub const PARTIAL_CUT: [u8; 4] = [GS, b'V', 66, 0];
/// `DLE EOT 4`: real-time query of the paper roll sensor.
pub const QUERY_PAPER: [u8; 3] = [DLE, EOT, 4];
/// `DLE EOT 2`: real-time query of why the printer is off line (cover, paper, error).
pub const QUERY_OFFLINE: [u8; 3] = [DLE, EOT, 2];

/// Encodes a whole job for `paper`: reset, code page, the laid-out slip, cut.
pub fn encode_job(job: &PrintJob, paper: Paper) -> Vec<u8> {
    encode_blocks(&layout::layout(job, paper))
}

/// Encodes laid-out blocks, sending style commands only when the style changes.
pub fn encode_blocks(blocks: &[Block]) -> Vec<u8> {
    let mut encoder = Encoder::default();
    encoder.out.extend_from_slice(&INIT);
    encoder.out.extend_from_slice(&CODE_PAGE_437);
    for block in blocks {
        encoder.block(block);
    }
    encoder.out
}

/// Text style the printer is in, so commands are only sent on change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Style {
    align: Align,
    bold: bool,
    size: Size,
}

impl Default for Style {
    fn default() -> Self {
        Self { align: Align::Left, bold: false, size: Size::Normal }
    }
}

#[derive(Debug, Default)]
struct Encoder {
    out: Vec<u8>,
    style: Style,
}

impl Encoder {
    fn block(&mut self, block: &Block) {
        match block {
            Block::Text { text, align, bold, size } => {
                self.set_align(*align);
                self.set_bold(*bold);
                self.set_size(*size);
                self.out.extend(text.chars().map(|ch| cp437_byte(ch).unwrap_or(b'?')));
                self.out.push(LF);
            }
            Block::Qr { data, module_dots } => {
                self.set_align(Align::Center);
                self.out.extend(qr_code(data.as_bytes(), *module_dots));
                self.out.push(LF);
            }
            Block::Code128 { plan, .. } => {
                self.set_align(Align::Center);
                // Bar height, narrow bar width, text below in font A.
                self.out.extend([GS, b'h', BARCODE_HEIGHT_DOTS]);
                self.out.extend([GS, b'w', u8::try_from(plan.module_dots).unwrap_or(2)]);
                self.out.extend([GS, b'H', 2, GS, b'f', 0]);
                let data = plan.escpos_data();
                // The printer caps the data length at 255; the plan is far shorter.
                let len = u8::try_from(data.len()).unwrap_or(u8::MAX);
                self.out.extend([GS, b'k', 73, len]);
                self.out.extend(data.iter().take(usize::from(len)));
                self.out.push(LF);
            }
            Block::Feed(lines) => self.out.extend([ESC, b'd', *lines]),
            Block::Cut => {
                self.set_align(Align::Left);
                self.set_bold(false);
                self.set_size(Size::Normal);
                self.out.extend_from_slice(&PARTIAL_CUT);
            }
        }
    }

    fn set_align(&mut self, align: Align) {
        if self.style.align != align {
            let n = match align {
                Align::Left => 0,
                Align::Center => 1,
            };
            self.out.extend([ESC, b'a', n]);
            self.style.align = align;
        }
    }

    fn set_bold(&mut self, bold: bool) {
        if self.style.bold != bold {
            self.out.extend([ESC, b'E', u8::from(bold)]);
            self.style.bold = bold;
        }
    }

    fn set_size(&mut self, size: Size) {
        if self.style.size != size {
            let n = match size {
                Size::Normal => 0x00,
                Size::Tall => 0x01,
                Size::Large => 0x11,
            };
            self.out.extend([GS, b'!', n]);
            self.style.size = size;
        }
    }
}

/// `GS ( k` sequence: model 2, module size, error correction M, store the data, print it.
pub fn qr_code(data: &[u8], module_dots: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 40);
    // fn 165: model 2.
    out.extend([GS, b'(', b'k', 4, 0, 49, 65, 50, 0]);
    // fn 167: module size in dots (1..=16).
    out.extend([GS, b'(', b'k', 3, 0, 49, 67, module_dots.clamp(1, 16)]);
    // fn 169: error correction level M (15 % of codewords can be restored).
    out.extend([GS, b'(', b'k', 3, 0, 49, 69, 49]);
    // fn 180: store the data; the length counts the three bytes `49 80 48` too.
    let stored = data.len().min(usize::from(u16::MAX) - 3);
    let [len_low, len_high] = u16::try_from(stored + 3).unwrap_or(u16::MAX).to_le_bytes();
    out.extend([GS, b'(', b'k', len_low, len_high, 49, 80, 48]);
    out.extend_from_slice(&data[..stored]);
    // fn 181: print what was stored.
    out.extend([GS, b'(', b'k', 3, 0, 49, 81, 48]);
    out
}

/// What the printer said about itself through `DLE EOT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PrinterCondition {
    /// The roll is nearly used up: print, but tell someone.
    pub paper_low: bool,
    /// No paper: printing stops.
    pub paper_out: bool,
    /// The cover is open: printing stops.
    pub cover_open: bool,
    /// The printer reports an error (cutter jam, head too hot).
    pub error: bool,
}

impl PrinterCondition {
    /// Why the printer cannot print now, in plain words, or `None` when it can.
    pub fn fault(&self) -> Option<&'static str> {
        if self.paper_out {
            Some("paper roll is empty: put in a new roll")
        } else if self.cover_open {
            Some("cover is open: close the printer cover")
        } else if self.error {
            Some("printer reports an error: check for a paper jam, then switch it off and on")
        } else {
            None
        }
    }

    /// A warning that does not stop printing.
    pub fn warning(&self) -> Option<&'static str> {
        self.paper_low.then_some("paper roll is nearly empty: have a new roll ready")
    }
}

/// A status byte always has bit 1 and bit 4 set and bits 0 and 7 clear; anything else is not an
/// answer to `DLE EOT` (for instance a printer that echoes, or line noise).
fn is_status_byte(byte: u8) -> bool {
    byte & 0b1001_0011 == 0b0001_0010
}

/// Decodes the answer to [`QUERY_PAPER`] (bits 2–3: near end, bits 5–6: paper end) into `into`.
/// Returns `false` when the byte is not a status byte.
pub fn parse_paper_status(byte: u8, into: &mut PrinterCondition) -> bool {
    if !is_status_byte(byte) {
        return false;
    }
    into.paper_low = byte & 0b0000_1100 != 0;
    into.paper_out = byte & 0b0110_0000 != 0;
    true
}

/// Decodes the answer to [`QUERY_OFFLINE`] (bit 2: cover open, bit 5: stopped for paper end,
/// bit 6: error) into `into`. Returns `false` when the byte is not a status byte.
pub fn parse_offline_status(byte: u8, into: &mut PrinterCondition) -> bool {
    if !is_status_byte(byte) {
        return false;
    }
    into.cover_open = byte & 0b0000_0100 != 0;
    into.paper_out |= byte & 0b0010_0000 != 0;
    into.error = byte & 0b0100_0000 != 0;
    true
}

#[cfg(test)]
#[path = "escpos_tests.rs"]
mod tests;
