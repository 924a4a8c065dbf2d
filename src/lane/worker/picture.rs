//! Pictures for the screens: photos decoded and slips rendered on the worker, never on the UI
//! thread, each with an id so the screen uploads it once.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use image::RgbImage;

use crate::devices::printer::{Paper, PrintJob, render_job};

/// Widest picture kept for the screens; photos are scaled down to this.
const MAX_WIDTH_PX: u32 = 960;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A decoded image with an id unique for the life of the program.
#[derive(Debug, Clone)]
pub struct Picture {
    /// Unique id: a new picture gets a new id, so a screen can cache its texture by id.
    pub id: u64,
    /// The pixels.
    pub image: Arc<RgbImage>,
}

impl PartialEq for Picture {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Picture {
    /// Wraps an image with a fresh id.
    pub fn new(image: RgbImage) -> Self {
        Self { id: NEXT_ID.fetch_add(1, Ordering::Relaxed), image: Arc::new(image) }
    }

    /// Wraps an image already shared (the simulated printer's output) with a fresh id.
    pub fn from_shared(image: Arc<RgbImage>) -> Self {
        Self { id: NEXT_ID.fetch_add(1, Ordering::Relaxed), image }
    }

    /// Decodes a JPEG photo, scaled to at most [`MAX_WIDTH_PX`]; `None` (logged) when the bytes
    /// are not a readable JPEG.
    pub fn from_jpeg(bytes: &[u8]) -> Option<Self> {
        match image::load_from_memory_with_format(bytes, image::ImageFormat::Jpeg) {
            Ok(decoded) => {
                let rgb = decoded.to_rgb8();
                let rgb = if rgb.width() > MAX_WIDTH_PX {
                    let height = rgb.height() * MAX_WIDTH_PX / rgb.width().max(1);
                    image::imageops::resize(&rgb, MAX_WIDTH_PX, height.max(1), image::imageops::Triangle)
                } else {
                    rgb
                };
                Some(Self::new(rgb))
            }
            Err(err) => {
                tracing::warn!("a photo could not be decoded for the screen: {err}");
                None
            }
        }
    }

    /// Renders a print job exactly as the printer lays it out.
    pub fn from_job(job: &PrintJob, paper: Paper) -> Option<Self> {
        match render_job(job, paper) {
            Ok(image) => Some(Self::new(image)),
            Err(err) => {
                tracing::warn!("the {} preview could not be drawn: {err}", job.kind_name());
                None
            }
        }
    }
}
