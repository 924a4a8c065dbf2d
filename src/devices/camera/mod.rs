//! Cameras that photograph vehicles at the booth: the `Camera` trait, HTTP snapshot cameras,
//! USB cameras (feature `usb-camera`) and a simulated camera that draws a real JPEG.
//!
//! Every camera runs its capture work on its own named worker thread ([`worker`]); a caller
//! waits at most its timeout, so a slow or broken camera never holds a lane up.

pub mod config;
pub mod http;
pub mod jpeg;
pub mod scene;
pub mod sim;
#[cfg(feature = "usb-camera")]
pub mod usb;
pub mod worker;

use std::fmt;
use std::time::Duration;

use crate::devices::{DeviceError, DeviceStatus};

pub use config::{CameraConfig, CameraConfigError, CameraHandle, CameraKind, HttpAuth, camera_from_config};
pub use http::HttpCamera;
pub use jpeg::PhotoSettings;
pub use sim::SimulatedCamera;
#[cfg(feature = "usb-camera")]
pub use usb::UsbCamera;

/// Name cameras report in their [`DeviceStatus`].
pub const CAMERA_NAME: &str = "camera";

/// A camera at the booth.
pub trait Camera: Send + Sync {
    /// Takes a photo, scaled to the configured width and JPEG-encoded. Returns
    /// [`DeviceError::Timeout`] after `timeout` at the latest, whatever the camera does.
    fn capture(&self, timeout: Duration) -> Result<Jpeg, DeviceError>;

    /// The latest frame of the low-rate preview stream, when previews are enabled.
    fn preview(&self) -> Option<Jpeg>;

    /// The camera's status after its last capture.
    fn status(&self) -> DeviceStatus;
}

/// A JPEG photo and its size.
#[derive(Clone, PartialEq, Eq)]
pub struct Jpeg {
    /// The encoded file, starting with `FF D8 FF`.
    pub bytes: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl fmt::Debug for Jpeg {
    // Never dump a hundred kilobytes of photo into a log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Jpeg({}x{}, {} bytes)", self.width, self.height, self.bytes.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_debug_is_short() {
        let jpeg = Jpeg { bytes: vec![0; 100_000], width: 1280, height: 720 };
        assert_eq!(format!("{jpeg:?}"), "Jpeg(1280x720, 100000 bytes)");
    }
}
