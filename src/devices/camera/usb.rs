//! USB cameras through nokhwa (V4L2 on Linux, Media Foundation on Windows). Built with the
//! default `usb-camera` feature.
//!
//! The camera is opened on its worker thread (nokhwa handles are not `Send`) and kept streaming
//! between captures; MJPEG frames are decoded by `image`, other formats by nokhwa.

use std::sync::Arc;
use std::time::{Duration, Instant};

use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{
    CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType, Resolution,
};

use crate::clock::Clock;
use crate::devices::camera::jpeg::{Frame, PhotoSettings};
use crate::devices::camera::worker::{CaptureWorker, FrameSource, SourceFactory};
use crate::devices::camera::{CAMERA_NAME, Camera, Jpeg};
use crate::devices::{DeviceError, DeviceStatus};

/// Formats we can turn into pixels, best first.
const FORMATS: &[FrameFormat] =
    &[FrameFormat::MJPEG, FrameFormat::YUYV, FrameFormat::NV12, FrameFormat::RAWRGB, FrameFormat::GRAY];

/// After this long without a capture, frames queued in the driver are stale.
const STALE_AFTER: Duration = Duration::from_secs(1);
/// A frame handed over faster than this was already queued, not freshly exposed.
const QUEUED_FRAME: Duration = Duration::from_millis(5);
/// Most queued frames to skip (drivers keep about four buffers).
const MAX_SKIPPED_FRAMES: usize = 4;

struct UsbSource {
    camera: nokhwa::Camera,
    last_grab: Option<Instant>,
}

fn usb_error(index: u32, err: impl std::fmt::Display) -> DeviceError {
    DeviceError::Io { device: CAMERA_NAME.to_string(), message: format!("USB camera {index}: {err}") }
}

impl UsbSource {
    fn open(index: u32) -> Result<Self, DeviceError> {
        // 1280×720 at 30 frames/s is what a plate photo needs; the camera picks its nearest mode.
        let wanted = CameraFormat::new(Resolution::new(1280, 720), FrameFormat::MJPEG, 30);
        let format = RequestedFormat::with_formats(RequestedFormatType::Closest(wanted), FORMATS);
        let mut camera = nokhwa::Camera::new(CameraIndex::Index(index), format).map_err(|err| {
            tracing::warn!(index, error = %err, "USB camera cannot be opened");
            DeviceError::NotConnected { device: CAMERA_NAME.to_string(), port: format!("usb:{index}") }
        })?;
        camera.open_stream().map_err(|err| usb_error(index, err))?;
        Ok(Self { camera, last_grab: None })
    }
}

impl FrameSource for UsbSource {
    fn grab(&mut self, _timeout: Duration) -> Result<Frame, DeviceError> {
        let index = match self.camera.index() {
            CameraIndex::Index(index) => *index,
            CameraIndex::String(_) => 0,
        };
        let idle = self.last_grab.is_none_or(|last| last.elapsed() > STALE_AFTER);
        let mut buffer = self.camera.frame().map_err(|err| usb_error(index, err))?;
        if idle {
            // A photo must show the vehicle now, not what the driver buffered a minute ago.
            for _ in 0..MAX_SKIPPED_FRAMES {
                let started = Instant::now();
                buffer = self.camera.frame().map_err(|err| usb_error(index, err))?;
                if started.elapsed() > QUEUED_FRAME {
                    break;
                }
            }
        }
        self.last_grab = Some(Instant::now());
        if buffer.source_frame_format() == FrameFormat::MJPEG {
            return Ok(Frame::Jpeg(buffer.buffer().to_vec()));
        }
        let image = buffer.decode_image::<RgbFormat>().map_err(|err| usb_error(index, err))?;
        Ok(Frame::Rgb(image))
    }
}

/// A USB camera on its own worker thread.
pub struct UsbCamera {
    worker: CaptureWorker,
}

impl UsbCamera {
    /// The USB camera with this index (0 is the first). Nothing is opened until the first
    /// capture; with no camera there, captures fail with [`DeviceError::NotConnected`].
    pub fn new(
        index: u32,
        settings: PhotoSettings,
        preview_interval: Option<Duration>,
        timeout: Duration,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let factory: SourceFactory =
            Arc::new(move || Ok(Box::new(UsbSource::open(index)?) as Box<dyn FrameSource>));
        Self {
            worker: CaptureWorker::new(
                format!("usb:{index}"),
                settings,
                preview_interval,
                timeout,
                factory,
                clock,
            ),
        }
    }
}

impl Camera for UsbCamera {
    fn capture(&self, timeout: Duration) -> Result<Jpeg, DeviceError> {
        self.worker.capture(timeout)
    }

    fn preview(&self) -> Option<Jpeg> {
        self.worker.preview()
    }

    fn status(&self) -> DeviceStatus {
        self.worker.status()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SystemClock;
    use crate::devices::LinkState;

    #[test]
    fn a_missing_camera_is_reported_not_connected() {
        // No machine running the tests has camera 97 attached.
        let camera =
            UsbCamera::new(97, PhotoSettings::default(), None, Duration::from_secs(5), Arc::new(SystemClock));
        let err = camera.capture(Duration::from_secs(5)).unwrap_err();
        assert!(matches!(&err, DeviceError::NotConnected { port, .. } if port == "usb:97"), "{err:?}");
        assert!(err.to_string().contains("check the cable"));
        let status = camera.status();
        assert_eq!(status.state, LinkState::Disconnected);
        assert_eq!(status.port, "usb:97");
    }
}
