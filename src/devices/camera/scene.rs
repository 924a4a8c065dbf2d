//! What the simulated camera sees, with the variety real booths see: new black-on-white and older
//! white-on-black plates, two-line plates with the month/year line, motorbikes, night, blur, a
//! tilted plate, a far car; plus an empty lane and a car without a plate. Randomness comes in as
//! an `Rng`, so a seed gives the same pictures every time.

use image::imageops;
use image::{Rgb, RgbImage};
use rand::Rng;

use crate::devices::draw::{self, BLACK, TextStyle, WHITE};

/// Colours of a plate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlateStyle {
    /// Current plates: black characters on white.
    BlackOnWhite,
    /// Older plates: white characters on black.
    WhiteOnBlack,
}

/// What carries the plate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VehicleKind {
    /// A car seen from the front.
    Car,
    /// A motorbike with its small plate.
    Motorbike,
}

/// How one vehicle and its plate look in the picture.
#[derive(Debug, Clone, PartialEq)]
pub struct Look {
    /// Plate colours.
    pub style: PlateStyle,
    /// Car or motorbike.
    pub kind: VehicleKind,
    /// The plate's small month/year line (`MM.YY`) under the number, when it has one.
    pub month_year: Option<(u8, u8)>,
    /// Taken at night: the scene dark and grainy, the plate lit.
    pub night: bool,
    /// Out of focus or moving: blur radius in pixels (0 is sharp).
    pub blur_px: f32,
    /// The plate tilted by this many degrees (mounted crooked, the car on a slope).
    pub angle_deg: f32,
    /// How big the vehicle appears: 1.0 at the stop line, smaller further away.
    pub scale: f32,
    /// Seed of the sensor grain at night.
    pub grain_seed: u64,
}

impl Look {
    /// A car at the stop line in daylight with a new one-line plate: the plain picture.
    pub fn plain() -> Look {
        Look {
            style: PlateStyle::BlackOnWhite,
            kind: VehicleKind::Car,
            month_year: None,
            night: false,
            blur_px: 0.0,
            angle_deg: 0.0,
            scale: 1.0,
            grain_seed: 0,
        }
    }

    /// A random look in daylight, sharp and close (`degraded` false), or with one or two of
    /// night, blur, tilt and distance (`degraded` true).
    pub fn random(rng: &mut impl Rng, degraded: bool) -> Look {
        let style = if rng.random_bool(0.6) { PlateStyle::BlackOnWhite } else { PlateStyle::WhiteOnBlack };
        let kind = if rng.random_bool(0.25) { VehicleKind::Motorbike } else { VehicleKind::Car };
        let two_line = kind == VehicleKind::Motorbike || rng.random_bool(0.35);
        let month_year = two_line.then(|| (rng.random_range(1..=12u8), rng.random_range(25..=30u8)));
        let mut look = Look {
            style,
            kind,
            month_year,
            night: false,
            blur_px: if rng.random_bool(0.3) { 0.6 } else { 0.0 },
            angle_deg: rng.random_range(-2.0..=2.0),
            scale: rng.random_range(0.85..=1.0),
            grain_seed: rng.random(),
        };
        if degraded {
            let first = rng.random_range(0..4u8);
            let second = rng.random_range(0..4u8);
            for trouble in [first, second] {
                match trouble {
                    0 => look.night = true,
                    1 => look.blur_px = rng.random_range(1.2..=2.0),
                    2 => {
                        let tilt: f32 = rng.random_range(4.0..=7.0);
                        look.angle_deg = if rng.random_bool(0.5) { tilt } else { -tilt };
                    }
                    _ => look.scale = rng.random_range(0.6..=0.72),
                }
            }
        }
        look
    }
}

/// What stands in front of the camera.
#[derive(Debug, Clone, PartialEq)]
pub enum Subject {
    /// Nobody: the empty lane.
    Empty,
    /// A vehicle, with its plate text (`None`: no plate mounted).
    Vehicle {
        /// The plate's text as painted, e.g. `B 1234 XYZ`.
        plate: Option<String>,
        /// How the vehicle and plate look.
        look: Look,
    },
}

/// Region codes drawn on random plates, weighted towards the big cities by repetition.
const REGIONS: [&str; 16] =
    ["B", "B", "B", "D", "D", "F", "L", "AB", "AD", "H", "N", "BK", "DK", "KT", "DD", "E"];

/// A random civilian plate: region, 1–4 digits without a leading zero, 0–3 letters.
pub fn random_plate(rng: &mut impl Rng) -> String {
    let region = REGIONS[rng.random_range(0..REGIONS.len())];
    let digits = rng.random_range(1..=4u32);
    let number = rng.random_range(10u32.pow(digits - 1).max(1)..10u32.pow(digits));
    let letters: String =
        (0..rng.random_range(0..=3)).map(|_| char::from(b'A' + rng.random_range(0..26u8))).collect();
    if letters.is_empty() { format!("{region} {number}") } else { format!("{region} {number} {letters}") }
}

/// Draws the vehicle of `subject` into `img`, a 1280×720 road scene without its overlay band,
/// and applies the look's lighting and blur.
pub fn draw_subject(img: &mut RgbImage, subject: &Subject) {
    let Subject::Vehicle { plate, look } = subject else {
        return;
    };
    let hash = plate
        .as_deref()
        .unwrap_or("no plate")
        .bytes()
        .fold(2166136261u32, |h, b| (h ^ u32::from(b)).wrapping_mul(16777619));
    let palette = [
        Rgb([180, 30, 30]),
        Rgb([30, 60, 150]),
        Rgb([220, 220, 220]),
        Rgb([40, 40, 40]),
        Rgb([150, 150, 155]),
        Rgb([30, 110, 60]),
    ];
    let body = palette[(hash % palette.len() as u32) as usize];
    let s = look.scale.clamp(0.3, 1.5);
    // The vehicle shrinks towards a point on the road ahead as it is further away.
    let (cx, cy) = VANISHING_POINT;
    let at = |x: f32, y: f32| ((cx + (x - cx) * s).round() as i64, (cy + (y - cy) * s).round() as i64);
    let len = |v: f32| (v * s).round() as i64;
    let rect = |img: &mut RgbImage, x: f32, y: f32, w: f32, h: f32, color: Rgb<u8>| {
        let (l, t) = at(x, y);
        draw::fill_rect(img, l, t, len(w), len(h), color);
    };
    let plate_at = match look.kind {
        VehicleKind::Car => {
            for x in [370.0, 830.0] {
                rect(img, x, 560.0, 80.0, 90.0, Rgb([20, 20, 20]));
            }
            rect(img, 340.0, 400.0, 600.0, 220.0, body);
            rect(img, 420.0, 250.0, 440.0, 160.0, body);
            rect(img, 450.0, 275.0, 380.0, 120.0, Rgb([60, 80, 100]));
            for x in [400.0, 880.0] {
                let (ex, ey) = at(x, 450.0);
                draw::fill_ellipse(img, ex, ey, len(45.0), len(25.0), Rgb([250, 245, 200]));
            }
            rect(img, 500.0, 440.0, 280.0, 50.0, Rgb([25, 25, 25]));
            plate_centre(look.kind, s)
        }
        VehicleKind::Motorbike => {
            // Front wheel, fork, handlebar, rider, headlight: a narrow shape in the lane.
            rect(img, 610.0, 520.0, 60.0, 150.0, Rgb([20, 20, 20]));
            rect(img, 560.0, 300.0, 160.0, 230.0, body);
            rect(img, 470.0, 300.0, 340.0, 18.0, Rgb([30, 30, 30]));
            rect(img, 585.0, 150.0, 110.0, 150.0, Rgb([50, 50, 70]));
            let (ex, ey) = at(640.0, 350.0);
            draw::fill_ellipse(img, ex, ey, len(35.0), len(25.0), Rgb([250, 245, 200]));
            plate_centre(look.kind, s)
        }
    };
    if let Some(text) = plate {
        let plate_img = draw_plate(text, look, s);
        paste_rotated(img, &plate_img, plate_at, look.angle_deg);
    }
    if look.night {
        darken(img, look, plate_at);
    }
    if look.blur_px > 0.0 {
        // Blur only around the vehicle: the rest of the scene carries no plate and blurring
        // the whole frame would make every simulated capture slow.
        let (l, t) = at(300.0, 140.0);
        let (r, b) = at(980.0, 700.0);
        let (l, t) = (l.clamp(0, 1279) as u32, t.clamp(0, 719) as u32);
        let (r, b) = (r.clamp(1, 1280) as u32, b.clamp(1, 720) as u32);
        if r > l + 1 && b > t + 1 {
            let part = imageops::crop_imm(img, l, t, r - l, b - t).to_image();
            let blurred = imageops::fast_blur(&part, look.blur_px);
            imageops::replace(img, &blurred, i64::from(l), i64::from(t));
        }
    }
}

/// The point the vehicle shrinks towards as it is further away (`scale` below 1).
const VANISHING_POINT: (f32, f32) = (640.0, 330.0);

/// Where a vehicle of `kind` at `scale` carries its plate's centre.
fn plate_centre(kind: VehicleKind, scale: f32) -> (i64, i64) {
    let (x, y) = match kind {
        VehicleKind::Car => (640.0, 555.0),
        VehicleKind::Motorbike => (640.0, 470.0),
    };
    let (cx, cy) = VANISHING_POINT;
    ((cx + (x - cx) * scale).round() as i64, (cy + (y - cy) * scale).round() as i64)
}

/// The plate's size before scaling, and its number's type size: width, height, pixels.
fn plate_size(look: &Look) -> (f32, f32, f32) {
    match (look.kind, look.month_year.is_some()) {
        (VehicleKind::Car, false) => (260.0, 70.0, 44.0),
        (VehicleKind::Car, true) => (260.0, 88.0, 44.0),
        (VehicleKind::Motorbike, _) => (190.0, 80.0, 34.0),
    }
}

/// The box a vehicle's plate covers in the picture, tilt included: left, top, right, bottom.
pub fn plate_bounds(look: &Look) -> (f32, f32, f32, f32) {
    let s = look.scale.clamp(0.3, 1.5);
    let (x, y) = plate_centre(look.kind, s);
    let (width, height, _) = plate_size(look);
    let (sin, cos) = look.angle_deg.to_radians().sin_cos();
    let (half_w, half_h) = (width * s / 2.0, height * s / 2.0);
    let (reach_x, reach_y) =
        (half_w * cos.abs() + half_h * sin.abs(), half_w * sin.abs() + half_h * cos.abs());
    let (x, y) = (x as f32, y as f32);
    (x - reach_x, y - reach_y, x + reach_x, y + reach_y)
}

/// The plate alone, at `scale`: colours, border, number, and the month/year line if any.
fn draw_plate(text: &str, look: &Look, scale: f32) -> RgbImage {
    let (ink, paper) = match look.style {
        PlateStyle::BlackOnWhite => (BLACK, WHITE),
        PlateStyle::WhiteOnBlack => (Rgb([240, 240, 240]), Rgb([15, 15, 15])),
    };
    let (width, height, main_px) = plate_size(look);
    let (w, h) = (((width * scale).round() as u32).max(8), ((height * scale).round() as u32).max(8));
    let mut plate = draw::filled(w, h, ink);
    let border = ((4.0 * scale).round() as i64).max(1);
    draw::fill_rect(&mut plate, border, border, i64::from(w) - 2 * border, i64::from(h) - 2 * border, paper);
    let mut style = TextStyle::mono(main_px * scale).bolded(true).colored(ink);
    let room = w as f32 - 20.0 * scale;
    let text_width = draw::text_width_px(&style, text);
    if text_width > room {
        style.size_px *= room / text_width;
    }
    let text_width = draw::text_width_px(&style, text);
    let line_height = draw::line_height_px(&style);
    match look.month_year {
        None => {
            draw::draw_text(
                &mut plate,
                &style,
                (w as f32 - text_width) / 2.0,
                (h as f32 - line_height) / 2.0,
                text,
            );
        }
        Some((month, year)) => {
            let top = 4.0 * scale;
            draw::draw_text(&mut plate, &style, (w as f32 - text_width) / 2.0, top, text);
            let small = TextStyle::mono(main_px * 0.42 * scale).colored(ink);
            let label = format!("{month:02}.{year:02}");
            let label_width = draw::text_width_px(&small, &label);
            let label_top = h as f32 - draw::line_height_px(&small) - 5.0 * scale;
            draw::draw_text(&mut plate, &small, (w as f32 - label_width) / 2.0, label_top, &label);
        }
    }
    plate
}

/// Pastes `plate` centred at `centre`, rotated by `angle_deg` (nearest pixel).
fn paste_rotated(img: &mut RgbImage, plate: &RgbImage, centre: (i64, i64), angle_deg: f32) {
    let (sin, cos) = angle_deg.to_radians().sin_cos();
    let (pw, ph) = (plate.width() as f32, plate.height() as f32);
    let reach = ((pw * pw + ph * ph).sqrt() / 2.0).ceil() as i64 + 1;
    let (width, height) = (i64::from(img.width()), i64::from(img.height()));
    let plate_width = plate.width() as usize;
    let from: &[u8] = plate;
    let to: &mut [u8] = img;
    for dy in -reach..=reach {
        for dx in -reach..=reach {
            let (x, y) = (centre.0 + dx, centre.1 + dy);
            if x < 0 || y < 0 || x >= width || y >= height {
                continue;
            }
            // Back into the plate's own coordinates.
            let (fx, fy) = (dx as f32, dy as f32);
            let u = fx * cos + fy * sin + pw / 2.0;
            let v = -fx * sin + fy * cos + ph / 2.0;
            if u >= 0.0 && v >= 0.0 && u < pw && v < ph {
                // Byte offsets: the drawing runs unoptimised in the lane tests (see draw::blend).
                let source = (v as usize * plate_width + u as usize) * 3;
                let target = ((y * width + x) * 3) as usize;
                to[target..target + 3].copy_from_slice(&from[source..source + 3]);
            }
        }
    }
}

/// Night: the scene at a fraction of its light with sensor grain, the plate lit by its lamp.
fn darken(img: &mut RgbImage, look: &Look, plate_at: (i64, i64)) {
    let mut grain = look.grain_seed | 1;
    let lit = 170.0 * look.scale;
    for (x, y, pixel) in img.enumerate_pixels_mut() {
        let (dx, dy) = ((i64::from(x) - plate_at.0) as f32, (i64::from(y) - plate_at.1) as f32 * 2.0);
        let light = if (dx * dx + dy * dy).sqrt() < lit { 0.55 } else { 0.22 };
        // xorshift: cheap grain, the same for the same seed.
        grain ^= grain << 13;
        grain ^= grain >> 7;
        grain ^= grain << 17;
        let noise = (grain % 17) as f32 - 8.0;
        for channel in pixel.0.iter_mut() {
            *channel = (f32::from(*channel) * light + noise).clamp(0.0, 255.0) as u8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn random_plates_follow_the_grammar() {
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..200 {
            let plate = random_plate(&mut rng);
            let parsed = crate::domain::plate::Plate::normalise(&plate).map(|p| p.check());
            assert_eq!(parsed, Some(crate::domain::plate::PlateCheck::Standard), "{plate}");
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_looks() {
        let looks = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            (0..20).map(|i| Look::random(&mut rng, i % 2 == 0)).collect::<Vec<_>>()
        };
        assert_eq!(looks(3), looks(3));
        assert_ne!(looks(3), looks(4));
        assert!(looks(3).iter().any(|look| look.night || look.blur_px > 1.0 || look.scale < 0.75));
    }

    #[test]
    fn old_plates_are_dark_and_new_ones_light() {
        let mean = |style| {
            let look = Look { style, ..Look::plain() };
            let plate = draw_plate("B 1234 XYZ", &look, 1.0);
            plate.pixels().map(|p| u64::from(p.0[0])).sum::<u64>() / u64::from(plate.width() * plate.height())
        };
        assert!(mean(PlateStyle::BlackOnWhite) > 150);
        assert!(mean(PlateStyle::WhiteOnBlack) < 100);
    }
}
