//! The plate reader on PaddleOCR's PP-OCRv4 models run by tract (pure Rust, one core): detection,
//! lines merged and widened to the plate border, recognition, the plate grammar.

use std::sync::OnceLock;
use std::time::Instant;

use image::imageops::{self, FilterType};
use image::{GrayImage, RgbImage};
use tract_onnx::prelude::*;

use crate::devices::camera::Jpeg;
use crate::devices::camera::jpeg::decode_jpeg;
use crate::domain::plate::PlateZone;
use crate::plate::detect::{self, ProbMap, TextBox};
use crate::plate::recognize::Charset;
use crate::plate::{PlateCandidate, PlateError, PlateRead, PlateReader};
use crate::plate::{grammar, ops};

/// The text detection model, embedded at build time (see build.rs).
static DET_MODEL: &[u8] = include_bytes!(env!("GARDU_PLATE_DET_MODEL"));
/// The text recognition model, embedded at build time.
static REC_MODEL: &[u8] = include_bytes!(env!("GARDU_PLATE_REC_MODEL"));

/// The detector sees the whole of a photo scaled into this frame (a 1280×720 photo fills it
/// exactly); a plate zone is seen at the same detail in a frame that much smaller.
const DET_WIDTH: usize = 960;
/// Height of the detector's frame (a multiple of 32, as the model needs). A 736×416 frame reads
/// in a little over half the time but loses short plates ("B 1", "D 7 FF"): 93 % exact, not 96.
const DET_HEIGHT: usize = 544;

/// The recogniser's input height.
const REC_HEIGHT: usize = 48;
/// The recogniser's input width; narrower lines are padded, wider ones squeezed.
const REC_WIDTH: usize = 320;
/// A plate's line is at least this wide for its height ("B 1")...
const MIN_LINE_ASPECT: f32 = 1.2;
/// ...and at most this wide: its longest, "AB 1234 XYZ", is about 6 heights. Wider lines are a
/// camera's date and time stamp, and not recognised (each line costs ~45 ms).
const MAX_LINE_ASPECT: f32 = 9.0;
/// Lines recognised at most per photo, tallest first.
const MAX_LINES: usize = 6;
/// Below this the recogniser's text is not taken for anything.
const MIN_LINE_CONFIDENCE: f32 = 0.5;
/// A fitted read this sure ends the search for the plate (see [`read_with`]).
const SURE_PLATE_CONFIDENCE: f32 = 0.9;
/// A read below this after the grammar's penalties is reported as no plate.
const MIN_PLATE_CONFIDENCE: f32 = 0.55;

type Plan = TypedRunnableModel<TypedModel>;

struct Models {
    det: Plan,
    /// The detector's frame, width and height: the zone's share of the whole photo's frame.
    det_frame: (usize, usize),
    rec: Plan,
    charset: Charset,
}

/// Reads plates with the embedded models; they are loaded on the first read (or by
/// [`TractReader::load`]) on the caller's thread, once, and shared after.
pub struct TractReader {
    zone: PlateZone,
    models: OnceLock<Result<Models, String>>,
}

impl Default for TractReader {
    fn default() -> TractReader {
        TractReader::new()
    }
}

impl TractReader {
    /// A reader of whole photos whose models are not loaded yet.
    pub fn new() -> TractReader {
        TractReader::with_zone(PlateZone::WHOLE)
    }

    /// A reader that looks for plates only inside `zone` of each photo (checked by the config).
    pub fn with_zone(zone: PlateZone) -> TractReader {
        TractReader { zone, models: OnceLock::new() }
    }

    /// Loads the models now (about a second) so the first read is not slow.
    pub fn load(&self) -> Result<(), PlateError> {
        self.models().map(|_| ())
    }

    fn models(&self) -> Result<&Models, PlateError> {
        self.models
            .get_or_init(|| load_models(self.zone).map_err(|err| format!("{err:#}")))
            .as_ref()
            .map_err(|err| PlateError::Model(format!("the plate models did not load ({err}); rebuild Gardu")))
    }

    /// Reads a decoded photo.
    pub fn read_image(&self, photo: &RgbImage) -> Result<PlateRead, PlateError> {
        let models = self.models()?;
        // A read's layers allocate blocks of the same few sizes again and again: the ones freed
        // are handed out again rather than fresh pages faulted in, and returned when it ends.
        let _keep = crate::platform::memory::KeepBlocks::on_this_thread();
        // Timed after loading: `ms` is what reading a photo costs, the one-off load aside.
        let started = Instant::now();
        let mut read =
            read_with(models, self.zone, photo).map_err(|err| PlateError::Model(format!("{err:#}")))?;
        read.ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
        Ok(read)
    }
}

impl PlateReader for TractReader {
    fn read(&self, photo: &Jpeg) -> Result<PlateRead, PlateError> {
        let image = decode_jpeg(&photo.bytes).map_err(|err| PlateError::Decode(err.to_string()))?;
        self.read_image(&image)
    }

    fn prepare(&self) -> Result<(), PlateError> {
        self.load()
    }
}

/// The detector's frame for `zone`: the whole photo's frame cut to the zone, rounded up to the
/// model's multiple of 32, so text is seen at the same detail.
fn detector_frame(zone: PlateZone) -> (usize, usize) {
    let up =
        |size: usize, share: f32| ((size as f32 * share / 32.0).ceil() as usize).clamp(1, size / 32) * 32;
    (up(DET_WIDTH, zone.width), up(DET_HEIGHT, zone.height))
}

fn load_models(zone: PlateZone) -> TractResult<Models> {
    let det_frame = detector_frame(zone);
    let det = detector(det_frame.0, det_frame.1, true)?;
    let proto = tract_onnx::onnx().proto_model_for_read(&mut &REC_MODEL[..])?;
    let character = proto
        .metadata_props
        .iter()
        .find(|prop| prop.key == "character")
        .map(|prop| prop.value.clone())
        .ok_or_else(|| anyhow::anyhow!("the recognition model has no character list"))?;
    let charset = Charset::from_metadata(&character);
    if charset.is_empty() {
        anyhow::bail!("the recognition model's character list has no letters or digits");
    }
    let rec = tract_onnx::onnx()
        .model_for_proto_model(&proto)?
        .with_input_fact(0, f32::fact([1, 3, REC_HEIGHT, REC_WIDTH]).into())?
        .into_typed()?
        .into_decluttered()?;
    let rec = ops::depthwise_by_rows(ops::without_final_softmax(rec)?)?.into_optimized()?.into_runnable()?;
    // The plans hold their own weights: the 15 MB of model files are not read again.
    crate::platform::memory::forget_pages(DET_MODEL);
    crate::platform::memory::forget_pages(REC_MODEL);
    Ok(Models { det, det_frame, rec, charset })
}

/// The detector for a `width × height` frame, with the graph rewrites of [`ops`] or as tract
/// runs it alone.
fn detector(width: usize, height: usize, rewritten: bool) -> TractResult<Plan> {
    let det = tract_onnx::onnx()
        .model_for_read(&mut &DET_MODEL[..])?
        .with_input_fact(0, f32::fact([1, 3, height, width]).into())?
        .into_typed()?
        .into_decluttered()?;
    let det = if rewritten { ops::depthwise_by_rows(ops::upsampling_by_repeats(det)?)? } else { det };
    det.into_optimized()?.into_runnable()
}

/// A line read and fitted to the grammar.
struct Found {
    plate: String,
    raw: String,
    confidence: f32,
    height: f32,
}

fn read_with(models: &Models, zone: PlateZone, photo: &RgbImage) -> TractResult<PlateRead> {
    if photo.width() < 32 || photo.height() < 32 {
        return Ok(PlateRead::nothing(0));
    }
    // Only the zone is searched; lines found there are placed back on the whole photo, which
    // the border search and the recogniser work on.
    let (left, top, zone_width, zone_height) = zone.pixels(photo.width(), photo.height());
    let (det_width, det_height) = models.det_frame;
    let (width, height) = (zone_width as f32, zone_height as f32);
    let scale = (det_width as f32 / width).min(det_height as f32 / height);
    let (sw, sh) = (((width * scale).round() as u32).max(1), ((height * scale).round() as u32).max(1));
    let small = if zone == PlateZone::WHOLE {
        imageops::resize(photo, sw, sh, FilterType::Triangle)
    } else {
        let view = imageops::crop_imm(photo, left, top, zone_width, zone_height).to_image();
        imageops::resize(&view, sw, sh, FilterType::Triangle)
    };
    let input = model_input(&small, det_height, det_width)?;
    let output = models.det.run(tvec!(input.into()))?;
    let map = output[0].to_array_view::<f32>()?;
    let map = ProbMap { width: det_width, height: det_height, data: map.iter().copied().collect() };
    let mut lines: Vec<TextBox> = detect::merge_lines(detect::boxes_from_map(&map))
        .into_iter()
        .map(|line| line.scaled(1.0 / scale, 1.0 / scale).moved(left as f32, top as f32))
        .filter(|line| {
            line.height() >= 10.0
                && (MIN_LINE_ASPECT..=MAX_LINE_ASPECT).contains(&(line.width() / line.height()))
        })
        .collect();
    lines.sort_by(|a, b| b.height().total_cmp(&a.height()));
    lines.truncate(MAX_LINES);
    let gray: GrayImage = imageops::grayscale(photo);
    let mut found = Vec::new();
    for line in &lines {
        let wide = detect::widen_to_border(&gray, line);
        // A widened line ends just inside the border: padding it would bring the border in,
        // and a border stroke reads as `I` or `1`.
        let side_pad = if wide == *line { line.height() * 0.12 } else { 0.0 };
        let (text, confidence) = recognise(models, photo, &wide, side_pad)?;
        if confidence < MIN_LINE_CONFIDENCE {
            continue;
        }
        if let Some(fit) = grammar::fit(&text) {
            let confidence = confidence * fit.factor;
            found.push(Found { plate: fit.plate.to_string(), raw: text, confidence, height: line.height() });
            // Lines go tallest first: a sure plate on the tallest line that fits outranks what
            // a shorter line could read, so the rest are not recognised (each costs ~45 ms).
            if confidence >= SURE_PLATE_CONFIDENCE {
                break;
            }
        }
    }
    // A taller line is more likely the plate than a sticker or a month/year line beside it.
    let tallest = found.iter().map(|f| f.height).fold(0.0f32, f32::max);
    let rank = |f: &Found| f.confidence * (f.height / tallest.max(1.0)).sqrt();
    found.sort_by(|a, b| rank(b).total_cmp(&rank(a)));
    // Two boxes over one plate give the same text twice; the better one stays.
    let mut seen = std::collections::HashSet::new();
    found.retain(|f| seen.insert(f.plate.clone()));
    let candidates =
        found.iter().map(|f| PlateCandidate { text: f.plate.clone(), confidence: f.confidence }).collect();
    Ok(match found.first() {
        Some(best) if best.confidence >= MIN_PLATE_CONFIDENCE => PlateRead {
            plate: Some(best.plate.clone()),
            raw: Some(best.raw.clone()),
            confidence: best.confidence,
            candidates,
            ms: 0,
        },
        _ => PlateRead { candidates, ..PlateRead::nothing(0) },
    })
}

/// `image` as the models take it: `[1, 3, height, width]`, channels in BGR order, scaled to
/// -1..1 as the models were trained, placed top left and the rest of the frame left at 0.
fn model_input(image: &RgbImage, height: usize, width: usize) -> TractResult<Tensor> {
    let plane = height * width;
    let mut data = vec![0.0f32; 3 * plane];
    let (w, h) = (image.width() as usize, image.height() as usize);
    let (columns, rows) = (w.min(width), h.min(height));
    for (y, row) in image.as_raw().chunks_exact(w * 3).take(rows).enumerate() {
        for (x, pixel) in row.chunks_exact(3).take(columns).enumerate() {
            let at = y * width + x;
            data[at] = f32::from(pixel[2]) / 127.5 - 1.0;
            data[plane + at] = f32::from(pixel[1]) / 127.5 - 1.0;
            data[2 * plane + at] = f32::from(pixel[0]) / 127.5 - 1.0;
        }
    }
    Tensor::from_shape(&[1, 3, height, width], &data)
}

/// Recognises the text in `line` of `photo`, padded by `side_pad` left and right.
fn recognise(models: &Models, photo: &RgbImage, line: &TextBox, side_pad: f32) -> TractResult<(String, f32)> {
    let pad = line.height() * 0.12;
    let left = (line.left - side_pad).max(0.0) as u32;
    let top = (line.top - pad).max(0.0) as u32;
    let right = ((line.right + side_pad) as u32).min(photo.width());
    let bottom = ((line.bottom + pad) as u32).min(photo.height());
    if right <= left + 2 || bottom <= top + 2 {
        return Ok((String::new(), 0.0));
    }
    let crop = imageops::crop_imm(photo, left, top, right - left, bottom - top).to_image();
    let ratio = crop.width() as f32 / crop.height() as f32;
    let target_width = ((REC_HEIGHT as f32 * ratio).ceil() as usize).clamp(1, REC_WIDTH);
    let scaled = imageops::resize(&crop, target_width as u32, REC_HEIGHT as u32, FilterType::Triangle);
    let input = model_input(&scaled, REC_HEIGHT, REC_WIDTH)?;
    let output = models.rec.run(tvec!(input.into()))?;
    let scores = output[0].to_array_view::<f32>()?;
    let classes = scores.shape().last().copied().unwrap_or(0);
    let flat: Vec<f32> = scores.iter().copied().collect();
    Ok(models.charset.decode(&flat, classes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rewritten_detector_maps_text_as_tract_alone_does() {
        // A small frame keeps tract's own slow paths quick enough for a debug build.
        let (width, height) = (320, 192);
        let photo = decode_jpeg(include_bytes!("../../tests/fixtures/plate-B1234XYZ.jpg")).unwrap();
        let small = imageops::resize(&photo, width as u32, 180, FilterType::Triangle);
        let input = model_input(&small, height, width).unwrap();
        let run = |rewritten: bool| {
            let plan = detector(width, height, rewritten).unwrap();
            let output = plan.run(tvec!(input.clone().into())).unwrap();
            output[0].to_array_view::<f32>().unwrap().iter().copied().collect::<Vec<f32>>()
        };
        let (alone, rewritten) = (run(false), run(true));
        assert_eq!(alone.len(), width * height);
        assert_eq!(alone.len(), rewritten.len());
        let worst = alone.iter().zip(&rewritten).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
        assert!(worst < 1e-3, "the maps differ by up to {worst}");
        // The photo's plate is there to be found: the map is not all background.
        assert!(alone.iter().any(|&p| p > 0.9));
    }
}
