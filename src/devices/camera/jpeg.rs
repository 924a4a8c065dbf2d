//! Photo post-processing: check that bytes are a JPEG, decode, scale to the configured width,
//! encode at the configured quality.

use image::imageops::{self, FilterType};
use image::{ImageFormat, RgbImage};

use crate::devices::DeviceError;
use crate::devices::camera::{CAMERA_NAME, Jpeg};

/// Size and quality of stored photos.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhotoSettings {
    /// Photos wider than this are scaled down, keeping the aspect ratio (default 1280).
    pub max_width: u32,
    /// JPEG quality, 1–100 (default 80).
    pub jpeg_quality: u8,
}

impl Default for PhotoSettings {
    fn default() -> Self {
        Self { max_width: 1280, jpeg_quality: 80 }
    }
}

/// A frame as a camera delivers it.
#[derive(Debug, Clone)]
pub enum Frame {
    /// Encoded JPEG (IP cameras, MJPEG USB cameras); checked before use.
    Jpeg(Vec<u8>),
    /// Decoded pixels.
    Rgb(RgbImage),
}

/// Why bytes could not become a photo.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    /// The bytes do not start like a JPEG file (an HTML error page, say).
    #[error("not a JPEG image")]
    NotJpeg,
    /// The bytes start like a JPEG but do not decode.
    #[error("broken JPEG image: {0}")]
    Broken(String),
    /// Encoding the scaled photo failed.
    #[error("cannot encode the photo: {0}")]
    Encode(String),
}

/// True when `bytes` start like a JPEG file (SOI marker followed by another marker).
pub fn is_jpeg(bytes: &[u8]) -> bool {
    bytes.len() > 3 && bytes[..3] == [0xFF, 0xD8, 0xFF]
}

/// Decodes a JPEG, refusing anything else.
pub fn decode_jpeg(bytes: &[u8]) -> Result<RgbImage, PhotoError> {
    if !is_jpeg(bytes) {
        return Err(PhotoError::NotJpeg);
    }
    image::load_from_memory_with_format(bytes, ImageFormat::Jpeg)
        .map(|image| image.to_rgb8())
        .map_err(|err| PhotoError::Broken(err.to_string()))
}

/// Scales `image` down to `max_width` (never up), keeping the aspect ratio.
pub fn scale_to_width(image: RgbImage, max_width: u32) -> RgbImage {
    if max_width == 0 || image.width() <= max_width {
        return image;
    }
    let height = (u64::from(image.height()) * u64::from(max_width) / u64::from(image.width())).max(1);
    let height = u32::try_from(height).unwrap_or(u32::MAX);
    // Triangle (bilinear) is sharp enough for plates at these ratios and much faster than Lanczos.
    imageops::resize(&image, max_width, height, FilterType::Triangle)
}

/// Encodes pixels as JPEG at `quality`.
pub fn encode_jpeg(image: &RgbImage, quality: u8) -> Result<Jpeg, PhotoError> {
    // JPEG stores sizes in 16 bits.
    let (Ok(width), Ok(height)) = (u16::try_from(image.width()), u16::try_from(image.height())) else {
        return Err(PhotoError::Encode(format!(
            "{}x{} is larger than JPEG allows",
            image.width(),
            image.height()
        )));
    };
    let mut bytes = Vec::new();
    // jpeg-encoder rather than image's own encoder: several times faster, and a photo is on
    // the lane's critical path.
    jpeg_encoder::Encoder::new(&mut bytes, quality.clamp(1, 100))
        .encode(image.as_raw(), width, height, jpeg_encoder::ColorType::Rgb)
        .map_err(|err| PhotoError::Encode(err.to_string()))?;
    Ok(Jpeg { bytes, width: image.width(), height: image.height() })
}

/// Turns a camera frame into the stored photo: decode (refusing non-JPEG replies), scale, encode.
pub fn process_frame(frame: Frame, settings: &PhotoSettings) -> Result<Jpeg, DeviceError> {
    let image = match frame {
        Frame::Rgb(image) => image,
        Frame::Jpeg(bytes) => decode_jpeg(&bytes).map_err(|problem| DeviceError::UnexpectedReply {
            device: CAMERA_NAME.to_string(),
            expected: "a JPEG image".into(),
            got: format!("{problem} ({} bytes)", bytes.len()),
        })?,
    };
    let scaled = scale_to_width(image, settings.max_width);
    encode_jpeg(&scaled, settings.jpeg_quality)
        .map_err(|err| DeviceError::Io { device: CAMERA_NAME.to_string(), message: err.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    fn gradient(width: u32, height: u32) -> RgbImage {
        RgbImage::from_fn(width, height, |x, y| {
            Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
        })
    }

    #[test]
    fn wide_frames_are_scaled_down_keeping_the_aspect_ratio() {
        let settings = PhotoSettings::default();
        let jpeg = process_frame(Frame::Rgb(gradient(1920, 1080)), &settings).unwrap();
        assert_eq!((jpeg.width, jpeg.height), (1280, 720));
        assert!(is_jpeg(&jpeg.bytes));
        let decoded = decode_jpeg(&jpeg.bytes).unwrap();
        assert_eq!(decoded.dimensions(), (1280, 720));
    }

    #[test]
    fn small_frames_are_not_enlarged() {
        let source = encode_jpeg(&gradient(640, 480), 90).unwrap();
        let jpeg = process_frame(Frame::Jpeg(source.bytes), &PhotoSettings::default()).unwrap();
        assert_eq!((jpeg.width, jpeg.height), (640, 480));
    }

    #[test]
    fn quality_changes_the_size() {
        let image = gradient(800, 600);
        let low = encode_jpeg(&image, 20).unwrap();
        let high = encode_jpeg(&image, 95).unwrap();
        assert!(low.bytes.len() < high.bytes.len());
    }

    #[test]
    fn sizes_beyond_jpeg_limits_are_an_error() {
        let err = encode_jpeg(&RgbImage::new(70_000, 1), 80).unwrap_err();
        assert!(matches!(err, PhotoError::Encode(_)), "{err:?}");
    }

    #[test]
    fn non_jpeg_replies_are_refused() {
        let html = b"<html><body>login</body></html>".to_vec();
        let err = process_frame(Frame::Jpeg(html), &PhotoSettings::default()).unwrap_err();
        assert!(
            matches!(&err, DeviceError::UnexpectedReply { got, .. } if got.contains("not a JPEG")),
            "{err:?}"
        );
        let truncated = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16];
        let err = process_frame(Frame::Jpeg(truncated), &PhotoSettings::default()).unwrap_err();
        assert!(err.to_string().contains("broken JPEG"), "{err}");
    }
}
