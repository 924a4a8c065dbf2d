//! IP cameras through their HTTP snapshot URL (Hikvision `/ISAPI/Streaming/channels/101/picture`,
//! Dahua `/cgi-bin/snapshot.cgi`), with basic or digest authentication.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use digest_auth::{AuthContext, WwwAuthenticateHeader};
use ureq::http::Uri;

use crate::clock::Clock;
use crate::devices::camera::config::CameraConfigError;
use crate::devices::camera::jpeg::{Frame, PhotoSettings, is_jpeg};
use crate::devices::camera::worker::{CaptureWorker, FrameSource, SourceFactory};
use crate::devices::camera::{CAMERA_NAME, Camera, Jpeg};
use crate::devices::{DeviceError, DeviceStatus};

/// Largest snapshot accepted: a 4K JPEG is a few megabytes.
const MAX_SNAPSHOT_BYTES: u64 = 16 * 1024 * 1024;

/// How the camera checks who asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthScheme {
    /// `Authorization: Basic`, sent with every request.
    Basic,
    /// RFC 7616 digest (MD5), the default of Hikvision and Dahua cameras.
    #[default]
    Digest,
}

/// Where and how to fetch snapshots.
#[derive(Clone, PartialEq, Eq)]
pub struct SnapshotTarget {
    /// `http://host[:port]/path?query`, without credentials.
    pub url: String,
    /// User name, if the camera asks for one.
    pub username: Option<String>,
    /// Password (never logged, never shown in a status).
    pub password: Option<String>,
    /// Authentication scheme.
    pub auth: AuthScheme,
}

impl std::fmt::Debug for SnapshotTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapshotTarget")
            .field("url", &self.url)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .field("auth", &self.auth)
            .finish()
    }
}

impl SnapshotTarget {
    /// Checks the URL: `http` or `https`, a host, and no `user:password@` inside (credentials
    /// belong in `username`/`password`, where they are kept out of logs). Returns the URL as
    /// shown in the status.
    pub fn validate(&self) -> Result<String, CameraConfigError> {
        let invalid = |problem: String| CameraConfigError::Invalid { key: "url", problem };
        let uri: Uri = self.url.parse().map_err(|err| invalid(format!("not a URL ({err})")))?;
        match uri.scheme_str() {
            Some("http" | "https") => {}
            _ => return Err(invalid("must start with http:// or https://".into())),
        }
        let authority = uri.authority().ok_or_else(|| invalid("has no host".into()))?;
        if authority.as_str().contains('@') {
            return Err(invalid("must not contain user:password@; use username and password".into()));
        }
        Ok(self.url.clone())
    }

    fn request_path(&self) -> String {
        self.url
            .parse::<Uri>()
            .ok()
            .and_then(|uri| uri.path_and_query().map(|pq| pq.as_str().to_string()))
            .unwrap_or_else(|| "/".into())
    }
}

/// A snapshot fetcher, living on the camera's worker thread.
pub struct SnapshotSource {
    target: SnapshotTarget,
    agent: ureq::Agent,
    /// The camera's last digest challenge, reused (with a rising nonce count) to save a round trip.
    challenge: Option<WwwAuthenticateHeader>,
}

impl SnapshotSource {
    /// A fetcher for `target`.
    pub fn new(target: SnapshotTarget) -> Self {
        let agent = ureq::Agent::config_builder()
            // 401 and 404 are answers to read, not transport errors.
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .new_agent();
        Self { target, agent, challenge: None }
    }

    /// Fetches one snapshot's bytes, authenticating as configured.
    pub fn fetch(&mut self, timeout: Duration) -> Result<Vec<u8>, DeviceError> {
        let credentials = match (&self.target.username, &self.target.password) {
            (Some(user), password) => Some((user.clone(), password.clone().unwrap_or_default())),
            (None, _) => None,
        };
        let mut authorization = match (&credentials, self.target.auth) {
            (Some((user, password)), AuthScheme::Basic) => Some(basic(user, password)),
            (Some((user, password)), AuthScheme::Digest) => self
                .challenge
                .as_mut()
                .and_then(|challenge| digest(challenge, user, password, &self.target.request_path())),
            (None, _) => None,
        };
        // All round trips of one snapshot share the caller's time budget.
        let deadline = Instant::now() + timeout;
        // A fresh challenge is answered once; a 401 to that answer means wrong credentials.
        let mut answered_fresh_challenge = false;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(DeviceError::Timeout {
                    device: CAMERA_NAME.to_string(),
                    timeout_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
                });
            }
            let (status, challenge, body) = self.get(authorization.take(), remaining)?;
            if status == 200 {
                return Ok(body);
            }
            if status != 401 {
                return Err(DeviceError::UnexpectedReply {
                    device: CAMERA_NAME.to_string(),
                    expected: "HTTP 200 with a JPEG image".into(),
                    got: format!("HTTP {status}"),
                });
            }
            let Some((user, password)) = &credentials else {
                return Err(refused(
                    "the camera asks for a user name and password: set username and password \
                     in [devices.camera]",
                ));
            };
            if self.target.auth == AuthScheme::Basic || answered_fresh_challenge {
                self.challenge = None;
                return Err(wrong_password());
            }
            // No authorization yet, or the cached nonce went stale: answer this challenge.
            let Some(mut fresh) = challenge else {
                return Err(refused(
                    "the camera refused digest login and offered no digest challenge: try \
                     auth = \"basic\"",
                ));
            };
            answered_fresh_challenge = true;
            authorization = digest(&mut fresh, user, password, &self.target.request_path());
            if authorization.is_none() {
                return Err(refused("the camera's digest challenge cannot be answered"));
            }
            self.challenge = Some(fresh);
        }
    }

    /// One GET: status, digest challenge if any, body.
    fn get(
        &self,
        authorization: Option<String>,
        timeout: Duration,
    ) -> Result<(u16, Option<WwwAuthenticateHeader>, Vec<u8>), DeviceError> {
        let mut request = self.agent.get(&self.target.url).config().timeout_global(Some(timeout)).build();
        if let Some(value) = authorization {
            request = request.header("Authorization", value);
        }
        let url = &self.target.url;
        let mut response = request.call().map_err(|err| transport_error(err, url, timeout))?;
        let status = response.status().as_u16();
        let challenge = response
            .headers()
            .get_all("www-authenticate")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .filter(|value| value.trim_start().starts_with("Digest"))
            .find_map(|value| digest_auth::parse(value).ok());
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_SNAPSHOT_BYTES)
            .read_to_vec()
            .map_err(|err| transport_error(err, url, timeout))?;
        Ok((status, challenge, body))
    }
}

impl FrameSource for SnapshotSource {
    fn grab(&mut self, timeout: Duration) -> Result<Frame, DeviceError> {
        let body = self.fetch(timeout)?;
        if !is_jpeg(&body) {
            // Cameras answer errors and login pages with HTML and a 200 status.
            let start: String = String::from_utf8_lossy(&body[..body.len().min(40)])
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            return Err(DeviceError::UnexpectedReply {
                device: CAMERA_NAME.to_string(),
                expected: "a JPEG image".into(),
                got: format!("{} bytes starting {start:?}", body.len()),
            });
        }
        Ok(Frame::Jpeg(body))
    }
}

fn basic(user: &str, password: &str) -> String {
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {token}")
}

fn digest(challenge: &mut WwwAuthenticateHeader, user: &str, password: &str, path: &str) -> Option<String> {
    let context = AuthContext::new(user, password, path);
    challenge.respond(&context).ok().map(|header| header.to_header_string())
}

fn refused(message: &str) -> DeviceError {
    DeviceError::Fault { device: CAMERA_NAME.to_string(), message: message.to_string() }
}

fn wrong_password() -> DeviceError {
    refused(
        "the camera refused the user name or password (HTTP 401): check username and \
         password in [devices.camera]",
    )
}

fn transport_error(err: ureq::Error, url: &str, timeout: Duration) -> DeviceError {
    let not_connected =
        || DeviceError::NotConnected { device: CAMERA_NAME.to_string(), port: url.to_string() };
    match err {
        ureq::Error::Timeout(_) => DeviceError::Timeout {
            device: CAMERA_NAME.to_string(),
            timeout_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
        },
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => not_connected(),
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => not_connected(),
        other => DeviceError::Io { device: CAMERA_NAME.to_string(), message: other.to_string() },
    }
}

/// An IP camera fetched over HTTP on its own worker thread.
pub struct HttpCamera {
    worker: CaptureWorker,
}

impl HttpCamera {
    /// A camera for `target`. Fails when the URL is unusable (the error names
    /// `devices.camera.url`); nothing is fetched yet.
    pub fn new(
        target: SnapshotTarget,
        settings: PhotoSettings,
        preview_interval: Option<Duration>,
        timeout: Duration,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, CameraConfigError> {
        let shown = target.validate()?;
        let factory: SourceFactory =
            Arc::new(move || Ok(Box::new(SnapshotSource::new(target.clone())) as Box<dyn FrameSource>));
        Ok(Self { worker: CaptureWorker::new(shown, settings, preview_interval, timeout, factory, clock) })
    }
}

impl Camera for HttpCamera {
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

    fn target(url: &str) -> SnapshotTarget {
        SnapshotTarget {
            url: url.into(),
            username: Some("admin".into()),
            password: Some("s3cret".into()),
            auth: AuthScheme::Digest,
        }
    }

    #[test]
    fn urls_are_checked() {
        let ok = target("http://10.0.0.7/ISAPI/Streaming/channels/101/picture");
        assert_eq!(ok.validate().unwrap(), ok.url);
        assert_eq!(ok.request_path(), "/ISAPI/Streaming/channels/101/picture");
        let dahua = target("http://10.0.0.8:8080/cgi-bin/snapshot.cgi?channel=1");
        assert_eq!(dahua.request_path(), "/cgi-bin/snapshot.cgi?channel=1");
        for bad in ["ftp://x/y", "not a url", "http://admin:pw@10.0.0.7/pic", "/relative"] {
            assert!(target(bad).validate().is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_stay_out_of_debug_output() {
        let shown = format!("{:?}", target("http://10.0.0.7/pic"));
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("<hidden>"));
    }

    #[test]
    fn basic_header() {
        assert_eq!(basic("admin", "12345"), "Basic YWRtaW46MTIzNDU=");
    }
}
