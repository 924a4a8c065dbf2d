//! Reading number plates from booth photos: what a reader returns and the trait the lanes call.
//!
//! A reader is slow next to a lane (hundreds of milliseconds a photo), so the lanes never call it
//! in their own path: a photo goes to a worker thread and the read comes back when it is ready.

pub mod detect;
pub mod grammar;
#[cfg(feature = "anpr")]
pub mod ops;
pub mod recognize;
#[cfg(feature = "anpr")]
pub mod tract;
pub mod worker;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::devices::camera::Jpeg;

/// What a reader made of one photo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlateRead {
    /// The best reading, normalised (`B 1234 XYZ`) and following the plate grammar; `None` when
    /// no plate was found (an empty lane, a car without a plate, nothing legible).
    pub plate: Option<String>,
    /// The recogniser's text for the best line before the grammar tidied it, for the records.
    pub raw: Option<String>,
    /// Confidence of `plate` between 0 and 1; 0 when `plate` is `None`.
    pub confidence: f32,
    /// Every line read that could be a plate, best first.
    pub candidates: Vec<PlateCandidate>,
    /// Time the read took, in milliseconds.
    pub ms: u32,
}

impl PlateRead {
    /// A read that found no plate.
    pub fn nothing(ms: u32) -> PlateRead {
        PlateRead { plate: None, raw: None, confidence: 0.0, candidates: Vec::new(), ms }
    }
}

/// One line of text that could be a plate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlateCandidate {
    /// The text as read, after the grammar (normalised) where it fits.
    pub text: String,
    /// Confidence between 0 and 1.
    pub confidence: f32,
}

/// Where an entry's confirmed plate came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlateSource {
    /// The reader's plate, kept as read.
    Anpr,
    /// Typed (or corrected) by the operator.
    Typed,
    /// No plate recorded.
    #[default]
    None,
}

impl PlateSource {
    /// The stored spelling: `anpr`, `typed`, `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            PlateSource::Anpr => "anpr",
            PlateSource::Typed => "typed",
            PlateSource::None => "none",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(text: &str) -> Option<PlateSource> {
        match text {
            "anpr" => Some(PlateSource::Anpr),
            "typed" => Some(PlateSource::Typed),
            "none" => Some(PlateSource::None),
            _ => None,
        }
    }
}

/// Why a photo could not be read at all (an empty lane is not an error: it is a read with no plate).
#[derive(Debug, thiserror::Error)]
pub enum PlateError {
    /// The photo is not a JPEG the reader can decode.
    #[error("the photo could not be decoded: {0}")]
    Decode(String),
    /// The models could not run on this photo.
    #[error("the plate reader failed: {0}")]
    Model(String),
}

/// Reads plates from photos. Implementations are called from a worker thread, never from a lane.
pub trait PlateReader: Send + Sync {
    /// Reads the photo; blocks for as long as the models take.
    fn read(&self, photo: &Jpeg) -> Result<PlateRead, PlateError>;

    /// Gets ready to read (loads models), so the first vehicle is not the slow one. Called on
    /// the reader's thread when it starts; a failure shows again on the first read.
    fn prepare(&self) -> Result<(), PlateError> {
        Ok(())
    }
}

impl std::fmt::Debug for dyn PlateReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PlateReader")
    }
}

/// True when this build carries the plate reader and its models (cargo feature `anpr`).
pub const READER_BUILT_IN: bool = cfg!(feature = "anpr");

/// The built-in reader when `[plate] enabled` is on and this build carries it; `None` otherwise
/// (plates are then typed). It looks in `[plate] zone`, else in `camera`'s own zone. Its models
/// load on the first read, on the caller's thread.
pub fn reader_from_config(
    config: &crate::config::PlateConfig,
    camera: &crate::devices::camera::config::CameraConfig,
) -> Option<Arc<dyn PlateReader>> {
    if !config.enabled {
        return None;
    }
    #[cfg(feature = "anpr")]
    {
        let zone = config.zone.unwrap_or_else(|| camera.plate_zone());
        Some(Arc::new(tract::TractReader::with_zone(zone)))
    }
    #[cfg(not(feature = "anpr"))]
    {
        let _ = camera;
        tracing::warn!("plate reading is enabled but this build has no plate reader (feature anpr)");
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_reader_when_plate_reading_is_off() {
        let off = crate::config::PlateConfig { enabled: false, ..Default::default() };
        let camera = crate::devices::camera::config::CameraConfig::default();
        assert!(reader_from_config(&off, &camera).is_none());
        let on = crate::config::PlateConfig::default();
        assert_eq!(reader_from_config(&on, &camera).is_some(), READER_BUILT_IN);
    }

    #[test]
    fn plate_source_round_trips_its_stored_spelling() {
        for source in [PlateSource::Anpr, PlateSource::Typed, PlateSource::None] {
            assert_eq!(PlateSource::parse(source.as_str()), Some(source));
        }
        assert_eq!(PlateSource::parse("camera"), None);
    }
}
