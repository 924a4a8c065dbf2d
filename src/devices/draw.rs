//! Text and simple shapes painted onto RGB images: shared by the printer preview and the simulated camera.
//!
//! Fonts are the ones egui ships (`epaint_default_fonts`), so the binary carries no font of its own
//! and the preview looks like the rest of the console.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use image::{Rgb, RgbImage};

/// Black ink.
pub const BLACK: Rgb<u8> = Rgb([0, 0, 0]);
/// White paper.
pub const WHITE: Rgb<u8> = Rgb([255, 255, 255]);

/// Which typeface to draw with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    /// Hack, monospaced: slips, where columns must line up like on a thermal printer.
    Mono,
    /// Ubuntu Light, proportional: overlays on camera pictures.
    Sans,
}

/// How a run of text looks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextStyle {
    /// Typeface.
    pub face: Face,
    /// Height of the em square in pixels.
    pub size_px: f32,
    /// Vertical stretch: 2.0 draws double-height glyphs of normal width, like ESC/POS `GS ! 0x01`.
    pub stretch_y: f32,
    /// Ink colour.
    pub color: Rgb<u8>,
    /// Thicker strokes, made by drawing twice one pixel apart (the fonts have no bold cut).
    pub bold: bool,
}

impl TextStyle {
    /// Regular black monospaced text of the given size.
    pub fn mono(size_px: f32) -> Self {
        Self::new(Face::Mono, size_px)
    }

    /// Regular black text in `face` of the given size.
    pub fn new(face: Face, size_px: f32) -> Self {
        Self { face, size_px, stretch_y: 1.0, color: BLACK, bold: false }
    }

    /// The same style stretched vertically by `factor`.
    pub fn stretched(self, factor: f32) -> Self {
        Self { stretch_y: factor, ..self }
    }

    fn scale(&self) -> PxScale {
        PxScale { x: self.size_px, y: self.size_px * self.stretch_y }
    }

    /// The same style in bold.
    pub fn bolded(self, bold: bool) -> Self {
        Self { bold, ..self }
    }

    /// The same style in another colour.
    pub fn colored(self, color: Rgb<u8>) -> Self {
        Self { color, ..self }
    }
}

/// The parsed font for a face, or `None` if the embedded bytes do not parse (a unit test proves
/// they do; drawing code then draws no text rather than panicking in a booth).
pub fn font(face: Face) -> Option<&'static FontRef<'static>> {
    static MONO: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    static SANS: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    let (cell, bytes) = match face {
        Face::Mono => (&MONO, epaint_default_fonts::HACK_REGULAR),
        Face::Sans => (&SANS, epaint_default_fonts::UBUNTU_LIGHT),
    };
    cell.get_or_init(|| FontRef::try_from_slice(bytes).ok()).as_ref()
}

/// Horizontal advance of `text` in pixels.
pub fn text_width_px(style: &TextStyle, text: &str) -> f32 {
    let Some(font) = font(style.face) else {
        return 0.0;
    };
    let scaled = font.as_scaled(style.scale());
    let mut width: f32 = text.chars().map(|ch| scaled.h_advance(scaled.glyph_id(ch))).sum();
    if style.bold && !text.is_empty() {
        width += 1.0;
    }
    width
}

/// Advance of one character of the monospaced face, per pixel of font size.
pub fn mono_advance_per_px() -> f32 {
    font(Face::Mono)
        .map(|font| {
            let scaled = font.as_scaled(PxScale::from(1.0));
            scaled.h_advance(scaled.glyph_id('0'))
        })
        .unwrap_or(0.6)
}

/// Distance from one baseline to the next, in pixels.
pub fn line_height_px(style: &TextStyle) -> f32 {
    font(style.face)
        .map(|font| font.as_scaled(style.scale()).height())
        .unwrap_or(style.size_px * style.stretch_y)
}

/// Draws `text` with its top-left corner at (`left`, `top`); returns the width drawn in pixels.
pub fn draw_text(img: &mut RgbImage, style: &TextStyle, left: f32, top: f32, text: &str) -> f32 {
    let Some(font) = font(style.face) else {
        return 0.0;
    };
    let scale = style.scale();
    let scaled = font.as_scaled(scale);
    let baseline = top + scaled.ascent();
    let passes: &[f32] = if style.bold { &[0.0, 1.0] } else { &[0.0] };
    for &offset in passes {
        let mut x = left + offset;
        for ch in text.chars() {
            let id = scaled.glyph_id(ch);
            let glyph = id.with_scale_and_position(scale, point(x, baseline));
            x += scaled.h_advance(id);
            let Some(outlined) = font.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outlined.px_bounds();
            outlined.draw(|gx, gy, coverage| {
                let px = bounds.min.x as i64 + i64::from(gx);
                let py = bounds.min.y as i64 + i64::from(gy);
                blend(img, px, py, style.color, coverage);
            });
        }
    }
    text_width_px(style, text)
}

/// Mixes `color` into the pixel at (`x`, `y`) with the given coverage (0..=1); outside is ignored.
///
/// The drawing functions index the image's bytes directly: the simulated camera draws a
/// 1280×720 picture for every vehicle, and the tests that drive lanes run unoptimised, where
/// per-pixel iterators cost ten times the arithmetic.
fn blend(img: &mut RgbImage, x: i64, y: i64, color: Rgb<u8>, coverage: f32) {
    let (width, height) = (i64::from(img.width()), i64::from(img.height()));
    if x < 0 || y < 0 || x >= width || y >= height || coverage <= 0.0 {
        return;
    }
    let alpha = coverage.min(1.0);
    let at = ((y * width + x) * 3) as usize;
    let bytes: &mut [u8] = img;
    for channel in 0..3 {
        let mixed = f32::from(bytes[at + channel]) * (1.0 - alpha) + f32::from(color.0[channel]) * alpha;
        bytes[at + channel] = mixed.round().clamp(0.0, 255.0) as u8;
    }
}

/// A `width`×`height` image of one colour.
pub fn filled(width: u32, height: u32, color: Rgb<u8>) -> RgbImage {
    let row = color.0.repeat(width as usize);
    RgbImage::from_raw(width, height, row.repeat(height as usize)).expect("a whole number of rows")
}

/// Fills the rectangle with its top-left at (`left`, `top`), clipped to the image.
pub fn fill_rect(img: &mut RgbImage, left: i64, top: i64, width: i64, height: i64, color: Rgb<u8>) {
    let image_width = i64::from(img.width());
    let x0 = left.clamp(0, image_width);
    let y0 = top.clamp(0, i64::from(img.height()));
    let x1 = (left + width).clamp(0, image_width);
    let y1 = (top + height).clamp(0, i64::from(img.height()));
    if x1 <= x0 {
        return;
    }
    let run = color.0.repeat((x1 - x0) as usize);
    let bytes: &mut [u8] = img;
    for y in y0..y1 {
        let start = ((y * image_width + x0) * 3) as usize;
        bytes[start..start + run.len()].copy_from_slice(&run);
    }
}

/// Fills the ellipse inside the given box, clipped to the image.
pub fn fill_ellipse(
    img: &mut RgbImage,
    center_x: i64,
    center_y: i64,
    radius_x: i64,
    radius_y: i64,
    color: Rgb<u8>,
) {
    if radius_x <= 0 || radius_y <= 0 {
        return;
    }
    let (rx, ry) = (radius_x as f64, radius_y as f64);
    for dy in -radius_y..=radius_y {
        let y = center_y + dy;
        if y < 0 || y >= i64::from(img.height()) {
            continue;
        }
        let half = rx * (1.0 - (dy as f64 / ry).powi(2)).max(0.0).sqrt();
        let half = half.round() as i64;
        fill_rect(img, center_x - half, y, 2 * half + 1, 1, color);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_fonts_parse() {
        assert!(font(Face::Mono).is_some());
        assert!(font(Face::Sans).is_some());
        let advance = mono_advance_per_px();
        assert!(advance > 0.5 && advance < 0.7, "advance {advance}");
    }

    #[test]
    fn text_puts_ink_inside_its_box_only() {
        let mut img = RgbImage::from_pixel(200, 60, WHITE);
        let style = TextStyle::mono(20.0);
        let width = draw_text(&mut img, &style, 10.0, 10.0, "B 1234 XY");
        assert!((width - text_width_px(&style, "B 1234 XY")).abs() < 0.01);
        let mut inked = 0;
        for (x, y, pixel) in img.enumerate_pixels() {
            if pixel.0[0] < 128 {
                inked += 1;
                assert!(x >= 10 && (x as f32) <= 10.0 + width, "ink at x {x}");
                assert!((10..40).contains(&y), "ink at y {y}");
            }
        }
        assert!(inked > 100, "only {inked} dark pixels");
    }

    #[test]
    fn bold_text_has_more_ink() {
        let ink = |bold: bool| {
            let mut img = RgbImage::from_pixel(200, 40, WHITE);
            draw_text(&mut img, &TextStyle::mono(20.0).bolded(bold), 0.0, 0.0, "TOTAL");
            img.pixels().filter(|p| p.0[0] < 128).count()
        };
        assert!(ink(true) > ink(false));
    }

    #[test]
    fn blending_mixes_by_coverage_and_ignores_the_outside() {
        let mut img = filled(3, 2, Rgb([100, 200, 0]));
        blend(&mut img, 1, 1, Rgb([200, 0, 255]), 0.5);
        blend(&mut img, 0, 0, BLACK, 0.0);
        blend(&mut img, 2, 0, BLACK, 1.7);
        blend(&mut img, 3, 0, BLACK, 1.0);
        blend(&mut img, -1, 1, BLACK, 1.0);
        assert_eq!(img.get_pixel(1, 1), &Rgb([150, 100, 128]));
        assert_eq!(img.get_pixel(0, 0), &Rgb([100, 200, 0]));
        assert_eq!(img.get_pixel(2, 0), &BLACK);
        assert_eq!(img.get_pixel(0, 1), &Rgb([100, 200, 0]));
        assert_eq!(img.get_pixel(2, 1), &Rgb([100, 200, 0]));
    }

    #[test]
    fn shapes_are_clipped_to_the_image() {
        let mut img = filled(10, 10, WHITE);
        fill_rect(&mut img, -5, -5, 8, 8, BLACK);
        fill_rect(&mut img, 12, 0, 3, 3, BLACK);
        fill_ellipse(&mut img, 9, 9, 4, 4, BLACK);
        assert_eq!(img.get_pixel(0, 0), &BLACK);
        assert_eq!(img.get_pixel(2, 2), &BLACK);
        assert_eq!(img.get_pixel(3, 3), &WHITE);
        assert_eq!(img.get_pixel(9, 9), &BLACK);
    }
}
