//! Test doubles for plate reading: a camera that shows a chosen photo, and a reader behind the
//! real `PlateReader` trait that answers from a table of known photos (the real reader takes
//! its place in the booth). A gate holds reads back so a test decides when one "finishes".
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use gardu::devices::camera::{Camera, Jpeg};
use gardu::devices::{DeviceError, DeviceStatus};
use gardu::plate::{PlateCandidate, PlateError, PlateRead, PlateReader};

/// A small JPEG whose pixels depend on `seed`: a distinct "photo" per seed.
pub fn photo(seed: u8) -> Jpeg {
    let image = image::RgbImage::from_fn(64, 36, |x, y| image::Rgb([seed, (x * 3) as u8, (y * 5) as u8]));
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90).encode_image(&image).unwrap();
    Jpeg { bytes, width: 64, height: 36 }
}

/// A camera showing whatever photo the test puts in front of it.
pub struct ShownCamera {
    photo: Mutex<Jpeg>,
}

impl ShownCamera {
    pub fn new(first: Jpeg) -> Arc<ShownCamera> {
        Arc::new(ShownCamera { photo: Mutex::new(first) })
    }

    pub fn show(&self, photo: Jpeg) {
        *self.photo.lock().unwrap() = photo;
    }
}

impl Camera for ShownCamera {
    fn capture(&self, _timeout: Duration) -> Result<Jpeg, DeviceError> {
        Ok(self.photo.lock().unwrap().clone())
    }

    fn preview(&self) -> Option<Jpeg> {
        None
    }

    fn status(&self) -> DeviceStatus {
        DeviceStatus::connecting("camera", "test")
    }
}

/// Answers from a table: photo bytes → plate and confidence; any other photo has no plate.
pub struct KnownPhotos {
    table: HashMap<Vec<u8>, (String, f32)>,
    gate: Arc<(Mutex<bool>, Condvar)>,
}

impl KnownPhotos {
    pub fn new(known: &[(&Jpeg, &str, f32)]) -> KnownPhotos {
        let table =
            known.iter().map(|(jpeg, plate, c)| (jpeg.bytes.clone(), (plate.to_string(), *c))).collect();
        KnownPhotos { table, gate: Arc::new((Mutex::new(true), Condvar::new())) }
    }

    /// Reads wait until [`Gate::open`] (a slow reader the test controls).
    pub fn gated(mut self) -> (KnownPhotos, Gate) {
        self.gate = Arc::new((Mutex::new(false), Condvar::new()));
        let gate = Gate(Arc::clone(&self.gate));
        (self, gate)
    }
}

/// Lets the held reads finish.
pub struct Gate(Arc<(Mutex<bool>, Condvar)>);

impl Gate {
    pub fn open(&self) {
        *self.0.0.lock().unwrap() = true;
        self.0.1.notify_all();
    }
}

impl PlateReader for KnownPhotos {
    fn read(&self, photo: &Jpeg) -> Result<PlateRead, PlateError> {
        let (open, wake) = &*self.gate;
        let mut ready = open.lock().unwrap();
        while !*ready {
            ready = wake.wait(ready).unwrap();
        }
        Ok(match self.table.get(&photo.bytes) {
            Some((plate, confidence)) => PlateRead {
                plate: Some(plate.clone()),
                raw: Some(plate.replace(' ', "")),
                confidence: *confidence,
                candidates: vec![PlateCandidate { text: plate.clone(), confidence: *confidence }],
                ms: 1,
            },
            None => PlateRead::nothing(1),
        })
    }
}
