//! A slow IP camera on 127.0.0.1: answers a snapshot request with a digest challenge, checks the
//! credentials (RFC 7616, MD5, qop=auth) and sends its JPEG after a delay. Shared by the lane
//! tests and `benches/lanes.rs`.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use gardu::clock::Clock;
use gardu::devices::camera::http::{AuthScheme, SnapshotTarget};
use gardu::devices::camera::{HttpCamera, PhotoSettings};

const REALM: &str = "IP Camera(C5678)";
const NONCE: &str = "5a6b7c8d9e0f11223344556677889900";
const PATH: &str = "/ISAPI/Streaming/channels/101/picture";
pub const USER: &str = "admin";
pub const PASSWORD: &str = "Lambat#500";

/// The running camera server.
pub struct SlowCamera {
    /// The snapshot URL.
    pub url: String,
    /// Photos served (authorised requests answered).
    pub served: Arc<AtomicUsize>,
}

impl SlowCamera {
    /// Starts the server; each authorised snapshot is sent `delay` after its request.
    pub fn start(delay: Duration) -> SlowCamera {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let url = format!("http://{}{PATH}", listener.local_addr().expect("address"));
        let served = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&served);
        let jpeg = Arc::new(photo());
        std::thread::Builder::new()
            .name("slow-camera".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    let Ok(stream) = stream else { continue };
                    let (jpeg, count) = (Arc::clone(&jpeg), Arc::clone(&count));
                    let spawned = std::thread::Builder::new()
                        .name("slow-camera-conn".into())
                        .spawn(move || answer(stream, delay, &jpeg, &count));
                    if spawned.is_err() {
                        break;
                    }
                }
            })
            .expect("camera server thread");
        SlowCamera { url, served }
    }

    /// The booth's HTTP camera pointed at this server with digest authentication.
    pub fn camera(&self, timeout: Duration, clock: Arc<dyn Clock>) -> HttpCamera {
        HttpCamera::new(
            SnapshotTarget {
                url: self.url.clone(),
                username: Some(USER.into()),
                password: Some(PASSWORD.into()),
                auth: AuthScheme::Digest,
            },
            PhotoSettings { max_width: 320, jpeg_quality: 60 },
            None,
            timeout,
            clock,
        )
        .expect("camera URL")
    }
}

fn photo() -> Vec<u8> {
    let image = image::RgbImage::from_fn(320, 180, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 80).encode_image(&image).expect("jpeg");
    bytes
}

fn answer(mut stream: TcpStream, delay: Duration, jpeg: &[u8], served: &AtomicUsize) {
    if stream.set_read_timeout(Some(Duration::from_secs(5))).is_err() {
        return;
    }
    // Keep-alive: the camera's client may send the authorised request on the same connection.
    loop {
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            match stream.read(&mut byte) {
                Ok(1) => head.push(byte[0]),
                _ => return,
            }
        }
        let head = String::from_utf8_lossy(&head).to_string();
        let path =
            head.lines().next().and_then(|line| line.split(' ').nth(1)).unwrap_or_default().to_string();
        let authorization = head
            .lines()
            .filter_map(|line| line.split_once(':'))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("authorization"))
            .map(|(_, value)| value.trim().to_string());
        let reply = if authorization.as_deref().is_some_and(|auth| digest_is_valid(auth, &path)) {
            std::thread::sleep(delay);
            served.fetch_add(1, Ordering::SeqCst);
            response("200 OK", "image/jpeg", jpeg, None)
        } else {
            let challenge =
                format!("Digest realm=\"{REALM}\", nonce=\"{NONCE}\", qop=\"auth\", algorithm=\"MD5\"");
            response("401 Unauthorized", "text/html", b"401", Some(&challenge))
        };
        if stream.write_all(&reply).is_err() {
            return;
        }
    }
}

fn response(status: &str, content_type: &str, body: &[u8], challenge: Option<&str>) -> Vec<u8> {
    let mut head =
        format!("HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n", body.len());
    if let Some(challenge) = challenge {
        head.push_str(&format!("WWW-Authenticate: {challenge}\r\n"));
    }
    head.push_str("\r\n");
    [head.into_bytes(), body.to_vec()].concat()
}

fn md5_hex(text: &str) -> String {
    use md5::{Digest, Md5};
    Md5::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn digest_is_valid(header: &str, path: &str) -> bool {
    let Some(params) = header.strip_prefix("Digest ") else {
        return false;
    };
    let mut fields = std::collections::HashMap::new();
    for part in params.split(", ") {
        if let Some((key, value)) = part.split_once('=') {
            fields.insert(key.trim().to_string(), value.trim_matches('"').to_string());
        }
    }
    let get = |key: &str| fields.get(key).cloned().unwrap_or_default();
    if get("username") != USER || get("realm") != REALM || get("nonce") != NONCE || get("uri") != path {
        return false;
    }
    let ha1 = md5_hex(&format!("{USER}:{REALM}:{PASSWORD}"));
    let ha2 = md5_hex(&format!("GET:{path}"));
    get("response") == md5_hex(&format!("{ha1}:{NONCE}:{}:{}:auth:{ha2}", get("nc"), get("cnonce")))
}
