//! The `[devices.camera]` configuration section and the camera built from it.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::devices::camera::Camera;
use crate::devices::camera::http::{AuthScheme, HttpCamera, SnapshotTarget};
use crate::devices::camera::jpeg::PhotoSettings;
use crate::devices::camera::sim::SimulatedCamera;
use crate::domain::plate::PlateZone;

/// What kind of camera it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CameraKind {
    /// A USB camera (`index`).
    Usb,
    /// An IP camera's HTTP snapshot URL (`url`, `username`, `password`, `auth`).
    Http,
    /// No hardware: a drawn scene.
    #[default]
    Simulated,
}

/// HTTP authentication scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HttpAuth {
    /// Basic authentication.
    Basic,
    /// Digest authentication (Hikvision and Dahua default).
    #[default]
    Digest,
}

/// `[devices.camera]`.
///
/// ```toml
/// [devices.camera]
/// kind = "http"          # "usb" | "http" | "simulated" (default)
/// url = "http://10.0.0.7/ISAPI/Streaming/channels/101/picture"
/// username = "admin"
/// password = "..."       # never logged
/// auth = "digest"        # "basic" | "digest" (default)
/// # index = 0            # usb: 0 is the first camera
/// timeout_ms = 800       # a photo later than this is skipped; the lane goes on
/// max_width = 1280       # photos are scaled down to this width
/// jpeg_quality = 80      # 1-100
/// preview_interval_ms = 0  # live preview frame every N ms; 0 = off
/// simulated_delay_ms = 0   # simulated camera: time per capture
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CameraConfig {
    /// What kind of camera it is.
    pub kind: CameraKind,
    /// USB camera index (default 0).
    pub index: u32,
    /// Snapshot URL, for `kind = "http"`.
    pub url: Option<String>,
    /// User name for the snapshot URL.
    pub username: Option<String>,
    /// Password for the snapshot URL. Shown as `<hidden>` in debug output.
    pub password: Option<String>,
    /// HTTP authentication scheme (default digest).
    pub auth: HttpAuth,
    /// Longest wait for a photo (default 800 ms).
    pub timeout_ms: u64,
    /// Photos wider than this are scaled down (default 1280 px).
    pub max_width: u32,
    /// JPEG quality, 1–100 (default 80).
    pub jpeg_quality: u8,
    /// Interval of the live preview in milliseconds; 0 turns previews off (default 0).
    pub preview_interval_ms: u64,
    /// Time the simulated camera takes per capture (default 0 ms).
    pub simulated_delay_ms: u64,
}

impl Default for CameraConfig {
    fn default() -> Self {
        Self {
            kind: CameraKind::Simulated,
            index: 0,
            url: None,
            username: None,
            password: None,
            auth: HttpAuth::Digest,
            timeout_ms: 800,
            max_width: 1280,
            jpeg_quality: 80,
            preview_interval_ms: 0,
            simulated_delay_ms: 0,
        }
    }
}

impl CameraConfig {
    /// Where plates appear in this camera's photos unless `[plate] zone` says: the simulated
    /// camera's lane, or the whole photo of a real camera (which only the site can know).
    pub fn plate_zone(&self) -> PlateZone {
        match self.kind {
            CameraKind::Simulated => crate::devices::camera::sim::PLATE_ZONE,
            CameraKind::Usb | CameraKind::Http => PlateZone::WHOLE,
        }
    }
}

impl fmt::Debug for CameraConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CameraConfig")
            .field("kind", &self.kind)
            .field("index", &self.index)
            .field("url", &self.url)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .field("auth", &self.auth)
            .field("timeout_ms", &self.timeout_ms)
            .field("max_width", &self.max_width)
            .field("jpeg_quality", &self.jpeg_quality)
            .field("preview_interval_ms", &self.preview_interval_ms)
            .field("simulated_delay_ms", &self.simulated_delay_ms)
            .finish()
    }
}

/// A `[devices.camera]` section that cannot work, naming the key to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CameraConfigError {
    /// A key the chosen kind needs is missing or empty.
    #[error("devices.camera.{key} is required when kind = \"{kind}\"")]
    Missing {
        /// The missing key.
        key: &'static str,
        /// The configured kind.
        kind: &'static str,
    },
    /// A value is out of range or malformed.
    #[error("devices.camera.{key}: {problem}")]
    Invalid {
        /// The key.
        key: &'static str,
        /// What is wrong and what is allowed.
        problem: String,
    },
    /// This build cannot drive the configured kind.
    #[error(
        "devices.camera.kind = \"{kind}\" is not available: gardu was built without the \"{feature}\" feature"
    )]
    NotBuiltIn {
        /// The configured kind.
        kind: &'static str,
        /// The cargo feature it needs.
        feature: &'static str,
    },
}

impl CameraConfig {
    /// Photo size and quality, checked.
    pub fn photo_settings(&self) -> Result<PhotoSettings, CameraConfigError> {
        if !(1..=100).contains(&self.jpeg_quality) {
            return Err(CameraConfigError::Invalid {
                key: "jpeg_quality",
                problem: format!("{} is outside 1-100", self.jpeg_quality),
            });
        }
        if !(16..=8192).contains(&self.max_width) {
            return Err(CameraConfigError::Invalid {
                key: "max_width",
                problem: format!("{} px is outside 16-8192", self.max_width),
            });
        }
        if self.timeout_ms == 0 {
            return Err(CameraConfigError::Invalid {
                key: "timeout_ms",
                problem: "must be more than 0".into(),
            });
        }
        Ok(PhotoSettings { max_width: self.max_width, jpeg_quality: self.jpeg_quality })
    }

    /// The capture timeout.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    fn preview_interval(&self) -> Option<Duration> {
        (self.preview_interval_ms > 0).then(|| Duration::from_millis(self.preview_interval_ms))
    }
}

/// The camera built from configuration, keeping the concrete type for the simulation controls.
#[derive(Clone)]
pub enum CameraHandle {
    /// An IP camera.
    Http(Arc<HttpCamera>),
    /// A USB camera.
    #[cfg(feature = "usb-camera")]
    Usb(Arc<crate::devices::camera::usb::UsbCamera>),
    /// The simulated camera (vehicle, breakage and delay switches).
    Simulated(Arc<SimulatedCamera>),
}

impl CameraHandle {
    /// The camera as the lanes use it.
    pub fn camera(&self) -> Arc<dyn Camera> {
        match self {
            CameraHandle::Http(camera) => camera.clone(),
            #[cfg(feature = "usb-camera")]
            CameraHandle::Usb(camera) => camera.clone(),
            CameraHandle::Simulated(camera) => camera.clone(),
        }
    }

    /// The simulated camera, if this is one.
    pub fn simulated(&self) -> Option<&Arc<SimulatedCamera>> {
        match self {
            CameraHandle::Simulated(camera) => Some(camera),
            _ => None,
        }
    }
}

/// Builds the camera a `[devices.camera]` section describes. `booth` and `time_zone` are
/// stamped on simulated pictures. Nothing is opened until the first capture (or preview).
pub fn camera_from_config(
    config: &CameraConfig,
    booth: &str,
    time_zone: Tz,
    clock: Arc<dyn Clock>,
) -> Result<CameraHandle, CameraConfigError> {
    let settings = config.photo_settings()?;
    Ok(match config.kind {
        CameraKind::Http => {
            let url = config
                .url
                .as_ref()
                .filter(|url| !url.trim().is_empty())
                .ok_or(CameraConfigError::Missing { key: "url", kind: "http" })?;
            let target = SnapshotTarget {
                url: url.trim().to_string(),
                username: config.username.clone().filter(|u| !u.is_empty()),
                password: config.password.clone(),
                auth: match config.auth {
                    HttpAuth::Basic => AuthScheme::Basic,
                    HttpAuth::Digest => AuthScheme::Digest,
                },
            };
            let camera =
                HttpCamera::new(target, settings, config.preview_interval(), config.timeout(), clock)?;
            CameraHandle::Http(Arc::new(camera))
        }
        #[cfg(feature = "usb-camera")]
        CameraKind::Usb => CameraHandle::Usb(Arc::new(crate::devices::camera::usb::UsbCamera::new(
            config.index,
            settings,
            config.preview_interval(),
            config.timeout(),
            clock,
        ))),
        #[cfg(not(feature = "usb-camera"))]
        CameraKind::Usb => {
            return Err(CameraConfigError::NotBuiltIn { kind: "usb", feature: "usb-camera" });
        }
        CameraKind::Simulated => CameraHandle::Simulated(Arc::new(SimulatedCamera::new(
            booth,
            time_zone,
            settings,
            Duration::from_millis(config.simulated_delay_ms),
            config.timeout(),
            clock,
        ))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SystemClock;

    fn build(text: &str) -> Result<CameraHandle, CameraConfigError> {
        let config: CameraConfig = toml::from_str(text).unwrap();
        camera_from_config(&config, "IN1", chrono_tz::Asia::Jakarta, Arc::new(SystemClock))
    }

    #[test]
    fn defaults_are_documented_values() {
        let config: CameraConfig = toml::from_str("").unwrap();
        assert_eq!(config, CameraConfig::default());
        assert_eq!(config.timeout_ms, 800);
        assert_eq!(config.max_width, 1280);
        assert_eq!(config.jpeg_quality, 80);
        assert!(build("").unwrap().simulated().is_some());
    }

    #[test]
    fn http_camera_from_its_section() {
        let handle = build(
            "kind = \"http\"\nurl = \"http://10.0.0.7/ISAPI/Streaming/channels/101/picture\"\n\
             username = \"admin\"\npassword = \"s3cret\"\nauth = \"basic\"",
        )
        .unwrap();
        let status = handle.camera().status();
        assert_eq!(status.port, "http://10.0.0.7/ISAPI/Streaming/channels/101/picture");
        assert!(handle.simulated().is_none());
    }

    #[test]
    fn bad_sections_name_the_key() {
        let cases = [
            ("kind = \"http\"", "devices.camera.url is required when kind = \"http\""),
            ("jpeg_quality = 0", "devices.camera.jpeg_quality: 0 is outside 1-100"),
            ("max_width = 8", "devices.camera.max_width: 8 px is outside 16-8192"),
            ("timeout_ms = 0", "devices.camera.timeout_ms: must be more than 0"),
        ];
        for (text, message) in cases {
            assert_eq!(build(text).err().unwrap().to_string(), message, "{text}");
        }
        let err = build("kind = \"http\"\nurl = \"http://admin:pw@10.0.0.7/pic\"").err().unwrap().to_string();
        assert!(err.starts_with("devices.camera.url: must not contain"), "{err}");
        assert!(!err.contains("pw@"), "{err}");
        for text in ["kind = \"ip\"", "auth = \"ntlm\"", "fps = 30"] {
            assert!(toml::from_str::<CameraConfig>(text).is_err(), "{text}");
        }
    }

    #[test]
    fn passwords_stay_out_of_debug_output() {
        let config: CameraConfig = toml::from_str("password = \"s3cret\"").unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cret") && shown.contains("<hidden>"), "{shown}");
    }
}
