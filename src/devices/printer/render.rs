//! Renders laid-out slips to images: on-screen previews and the simulated printer's paper.
//!
//! One pixel is one printer dot (203 dpi), so a 58 mm slip is 384 px wide and an 80 mm slip
//! 576 px, and the QR code and barcode have the module sizes the printer would use.

use std::io::Cursor;

use barcoders::sym::code128::Code128;
use image::{ImageFormat, RgbImage};
use qrcode::{Color, EcLevel, QrCode};

use crate::devices::draw::{self, BLACK, TextStyle, WHITE};
use crate::devices::printer::code128::Code128Plan;
use crate::devices::printer::job::{Paper, PrintJob, ReceiptSlip, TicketSlip};
use crate::devices::printer::layout::{self, Align, BARCODE_HEIGHT_DOTS, Block, Size};

/// Height of one normal text line in dots: font A is 24 dots tall plus the default spacing.
pub const LINE_DOTS: u32 = 30;
/// White paper above the first line.
const TOP_MARGIN_DOTS: u32 = 12;
/// White paper below the last line, up to the cut.
const BOTTOM_MARGIN_DOTS: u32 = 36;
/// Modules of white around a QR code, as the QR specification asks.
const QR_QUIET_MODULES: u32 = 4;
/// White above and below a barcode.
const BARCODE_GAP_DOTS: u32 = 10;

/// Why a slip could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// The QR data does not fit any QR version.
    #[error("cannot draw the QR code: {0}")]
    Qr(String),
    /// The barcode text cannot be encoded.
    #[error("cannot draw the barcode: {0}")]
    Barcode(String),
    /// PNG encoding failed.
    #[error("cannot encode the PNG image: {0}")]
    Png(String),
}

/// Renders an entry ticket as PNG bytes.
pub fn render_ticket_png(slip: &TicketSlip, paper: Paper) -> Result<Vec<u8>, RenderError> {
    encode_png(&render_blocks(&layout::layout_ticket(slip, paper), paper)?)
}

/// Renders a receipt as PNG bytes.
pub fn render_receipt_png(slip: &ReceiptSlip, paper: Paper) -> Result<Vec<u8>, RenderError> {
    encode_png(&render_blocks(&layout::layout_receipt(slip, paper), paper)?)
}

/// Renders any job as an image.
pub fn render_job(job: &PrintJob, paper: Paper) -> Result<RgbImage, RenderError> {
    render_blocks(&layout::layout(job, paper), paper)
}

/// Encodes an image as PNG.
pub fn encode_png(image: &RgbImage) -> Result<Vec<u8>, RenderError> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, ImageFormat::Png).map_err(|err| RenderError::Png(err.to_string()))?;
    Ok(out.into_inner())
}

/// A block ready to draw: codes are encoded first so the image height is known up front.
enum Prepared<'a> {
    Text { text: &'a str, align: Align, bold: bool, size: Size },
    Qr { modules: Vec<bool>, width_modules: u32, module_dots: u32 },
    Barcode { bars: Vec<u8>, module_dots: u32, text: &'a str },
    Gap(u32),
}

impl Prepared<'_> {
    fn height(&self) -> u32 {
        match self {
            Prepared::Text { size, .. } => match size {
                Size::Normal => LINE_DOTS,
                Size::Tall | Size::Large => 2 * LINE_DOTS,
            },
            Prepared::Qr { width_modules, module_dots, .. } => {
                (width_modules + 2 * QR_QUIET_MODULES) * module_dots
            }
            Prepared::Barcode { .. } => 2 * BARCODE_GAP_DOTS + u32::from(BARCODE_HEIGHT_DOTS) + LINE_DOTS,
            Prepared::Gap(dots) => *dots,
        }
    }
}

/// Renders laid-out blocks on white paper `paper.width_dots()` pixels wide.
pub fn render_blocks(blocks: &[Block], paper: Paper) -> Result<RgbImage, RenderError> {
    let prepared = blocks.iter().map(|block| prepare(block, paper)).collect::<Result<Vec<_>, _>>()?;
    let height = TOP_MARGIN_DOTS + prepared.iter().map(Prepared::height).sum::<u32>() + BOTTOM_MARGIN_DOTS;
    let width = paper.width_dots();
    let mut image = draw::filled(width, height, WHITE);
    // One character cell is 12 dots wide, as in the printer's font A.
    let cell_dots = width as f32 / paper.columns() as f32;
    let font_px = cell_dots / draw::mono_advance_per_px();
    let mut top = TOP_MARGIN_DOTS;
    for block in &prepared {
        match block {
            Prepared::Text { text, align, bold, size } => {
                let style = match size {
                    Size::Normal => TextStyle::mono(font_px),
                    Size::Tall => TextStyle::mono(font_px).stretched(2.0),
                    Size::Large => TextStyle::mono(2.0 * font_px),
                }
                .bolded(*bold);
                let text_width = draw::text_width_px(&style, text);
                let left = match align {
                    Align::Left => 0.0,
                    Align::Center => ((width as f32 - text_width) / 2.0).max(0.0).floor(),
                };
                let line = block.height() as f32;
                let glyph_top = top as f32 + (line - draw::line_height_px(&style)) / 2.0;
                draw::draw_text(&mut image, &style, left, glyph_top, text);
            }
            Prepared::Qr { modules, width_modules, module_dots } => {
                let side = width_modules * module_dots;
                let left = width.saturating_sub(side) / 2;
                let qr_top = top + QR_QUIET_MODULES * module_dots;
                for (i, dark) in modules.iter().enumerate() {
                    if *dark {
                        let i = u32::try_from(i).unwrap_or(u32::MAX);
                        let (mx, my) = (i % width_modules, i / width_modules);
                        draw::fill_rect(
                            &mut image,
                            i64::from(left + mx * module_dots),
                            i64::from(qr_top + my * module_dots),
                            i64::from(*module_dots),
                            i64::from(*module_dots),
                            BLACK,
                        );
                    }
                }
            }
            Prepared::Barcode { bars, module_dots, text } => {
                let symbol_width = u32::try_from(bars.len()).unwrap_or(u32::MAX) * module_dots;
                let left = width.saturating_sub(symbol_width) / 2;
                let bars_top = top + BARCODE_GAP_DOTS;
                for (i, bar) in bars.iter().enumerate() {
                    if *bar == 1 {
                        let i = u32::try_from(i).unwrap_or(u32::MAX);
                        draw::fill_rect(
                            &mut image,
                            i64::from(left + i * module_dots),
                            i64::from(bars_top),
                            i64::from(*module_dots),
                            i64::from(BARCODE_HEIGHT_DOTS),
                            BLACK,
                        );
                    }
                }
                // The human-readable text under the bars, like the printer's HRI.
                let style = TextStyle::mono(font_px);
                let text_width = draw::text_width_px(&style, text);
                let hri_top = bars_top + u32::from(BARCODE_HEIGHT_DOTS) + BARCODE_GAP_DOTS / 2;
                let left = ((width as f32 - text_width) / 2.0).max(0.0).floor();
                draw::draw_text(&mut image, &style, left, hri_top as f32, text);
            }
            Prepared::Gap(_) => {}
        }
        top += block.height();
    }
    Ok(image)
}

fn prepare(block: &Block, paper: Paper) -> Result<Prepared<'_>, RenderError> {
    Ok(match block {
        Block::Text { text, align, bold, size } => {
            Prepared::Text { text, align: *align, bold: *bold, size: *size }
        }
        Block::Qr { data, module_dots } => {
            let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
                .map_err(|err| RenderError::Qr(err.to_string()))?;
            let width_modules = u32::try_from(code.width()).unwrap_or(u32::MAX);
            // Shrink the modules rather than crop the code if it is wider than the paper.
            let fitting = (paper.width_dots() / (width_modules + 2 * QR_QUIET_MODULES)).max(1);
            Prepared::Qr {
                modules: code.to_colors().into_iter().map(|color| color == Color::Dark).collect(),
                width_modules,
                module_dots: u32::from(*module_dots).min(fitting),
            }
        }
        Block::Code128 { text, plan } => {
            Prepared::Barcode { bars: code128_bars(plan)?, module_dots: plan.module_dots, text }
        }
        Block::Feed(lines) => Prepared::Gap(u32::from(*lines) * LINE_DOTS),
        Block::Cut => Prepared::Gap(0),
    })
}

/// The bars of a planned Code128 symbol, one entry per module (1 = bar), without quiet zones.
pub fn code128_bars(plan: &Code128Plan) -> Result<Vec<u8>, RenderError> {
    Ok(Code128::new(plan.barcoders_data()).map_err(|err| RenderError::Barcode(err.to_string()))?.encode())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::printer::fixtures::{sample_receipt, sample_ticket};

    fn dark_rows(image: &RgbImage) -> usize {
        (0..image.height()).filter(|&y| (0..image.width()).any(|x| image.get_pixel(x, y).0[0] < 128)).count()
    }

    #[test]
    fn slips_are_as_wide_as_the_paper_and_decode_as_png() {
        for paper in [Paper::Mm58, Paper::Mm80] {
            let png = render_ticket_png(&sample_ticket(), paper).unwrap();
            let image = image::load_from_memory(&png).unwrap().to_rgb8();
            assert_eq!(image.width(), paper.width_dots());
            assert!(dark_rows(&image) > 200, "{paper:?}");
            let png = render_receipt_png(&sample_receipt(), paper).unwrap();
            let image = image::load_from_memory(&png).unwrap().to_rgb8();
            assert_eq!(image.width(), paper.width_dots());
        }
    }

    #[test]
    fn each_text_line_adds_one_line_of_paper() {
        let mut slip = sample_receipt();
        let short = render_job(&PrintJob::Receipt(slip.clone()), Paper::Mm58).unwrap();
        slip.lines.push(("Tambahan".into(), crate::domain::Rupiah(1_000)));
        let long = render_job(&PrintJob::Receipt(slip), Paper::Mm58).unwrap();
        assert_eq!(long.height(), short.height() + LINE_DOTS);
    }

    #[test]
    fn barcode_bars_match_the_plan() {
        let plan = Code128Plan::for_width("IN1-20240315-00042", 384).unwrap();
        let bars = code128_bars(&plan).unwrap();
        assert_eq!(bars.len() as u32, plan.modules());
        assert_eq!(&bars[..2], &[1, 1], "start code opens with a double bar");
    }

    #[test]
    fn qr_code_is_centred_with_a_quiet_zone() {
        let blocks = [Block::Qr { data: "G1.ABC".into(), module_dots: 6 }];
        let image = render_blocks(&blocks, Paper::Mm58).unwrap();
        let dark: Vec<(u32, u32)> =
            image.enumerate_pixels().filter(|(_, _, p)| p.0[0] < 128).map(|(x, y, _)| (x, y)).collect();
        let min_x = dark.iter().map(|d| d.0).min().unwrap();
        let max_x = dark.iter().map(|d| d.0).max().unwrap();
        // Version 1 is 21 modules of 6 dots: 126 dots, centred in 384.
        assert_eq!(max_x - min_x + 1, 126);
        assert_eq!(min_x, (384 - 126) / 2);
        let min_y = dark.iter().map(|d| d.1).min().unwrap();
        assert_eq!(min_y, TOP_MARGIN_DOTS + QR_QUIET_MODULES * 6);
    }
}
