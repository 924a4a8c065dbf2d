//! A local stand-in for an IP camera: serves a JPEG behind digest or basic authentication
//! (checking the credentials server-side), a login page, or nothing at all.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the test camera server answers.
#[derive(Clone)]
pub enum Serve {
    /// A JPEG behind digest authentication for this user and password.
    DigestJpeg { user: &'static str, password: &'static str, jpeg: Arc<Vec<u8>> },
    /// A JPEG behind basic authentication.
    BasicJpeg { user: &'static str, password: &'static str, jpeg: Arc<Vec<u8>> },
    /// A login page with status 200, as some cameras do.
    Html,
    /// Accept, read the request, answer nothing for a while.
    Hang,
}

const REALM: &str = "IP Camera(C1234)";
const NONCE: &str = "4e6a63314f4451324e6a63364e6a566a4e444d334e44633d";
const PATH: &str = "/ISAPI/Streaming/channels/101/picture";

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The Authorization header, if any.
    pub authorization: Option<String>,
    /// Whether the server accepted it.
    pub authorized: bool,
}

pub struct CameraServer {
    /// The snapshot URL.
    pub url: String,
    /// Every request answered, in order.
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

/// Starts a server on 127.0.0.1 that answers as `serve` says.
pub fn camera_server(serve: Serve) -> CameraServer {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}{PATH}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    std::thread::Builder::new()
        .name("camera-server".into())
        .spawn(move || {
            // Bounded: a test makes only a few requests.
            for stream in listener.incoming().take(16) {
                let Ok(stream) = stream else { continue };
                let (serve, log) = (serve.clone(), Arc::clone(&log));
                std::thread::Builder::new()
                    .name("camera-conn".into())
                    .spawn(move || handle_connection(stream, &serve, &log))
                    .unwrap();
            }
        })
        .unwrap();
    CameraServer { url, seen }
}

fn handle_connection(mut stream: TcpStream, serve: &Serve, log: &Mutex<Vec<Seen>>) {
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head).to_string();
    let mut lines = head.lines();
    let request_line = lines.next().unwrap_or_default().to_string();
    let authorization = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("authorization"))
        .map(|(_, value)| value.trim().to_string());
    let path = request_line.split(' ').nth(1).unwrap_or_default().to_string();
    let (authorized, reply) = match serve {
        Serve::Hang => {
            std::thread::sleep(Duration::from_secs(3));
            return;
        }
        Serve::Html => (true, response("200 OK", "text/html", b"<html>Login</html>", None)),
        Serve::DigestJpeg { user, password, jpeg } => {
            let ok =
                authorization.as_deref().is_some_and(|auth| digest_is_valid(auth, user, password, &path));
            if ok {
                (true, response("200 OK", "image/jpeg", jpeg, None))
            } else {
                let challenge = format!(
                    "Digest realm=\"{REALM}\", nonce=\"{NONCE}\", qop=\"auth\", \
                     algorithm=\"MD5\", stale=\"FALSE\""
                );
                (false, response("401 Unauthorized", "text/html", b"401", Some(&challenge)))
            }
        }
        Serve::BasicJpeg { user, password, jpeg } => {
            use base64::Engine as _;
            let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            if authorization.as_deref() == Some(&format!("Basic {token}")) {
                (true, response("200 OK", "image/jpeg", jpeg, None))
            } else {
                let challenge = format!("Basic realm=\"{REALM}\"");
                (false, response("401 Unauthorized", "text/plain", b"401", Some(&challenge)))
            }
        }
    };
    log.lock().unwrap().push(Seen { authorization, authorized });
    let _ = stream.write_all(&reply);
}

fn response(status: &str, content_type: &str, body: &[u8], challenge: Option<&str>) -> Vec<u8> {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Connection: close\r\n",
        body.len()
    );
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

/// Checks an `Authorization: Digest` header the way a camera does (RFC 7616, MD5, qop=auth).
fn digest_is_valid(header: &str, user: &str, password: &str, path: &str) -> bool {
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
    if get("username") != user || get("realm") != REALM || get("nonce") != NONCE {
        return false;
    }
    if get("uri") != path || get("qop") != "auth" {
        return false;
    }
    let ha1 = md5_hex(&format!("{user}:{REALM}:{password}"));
    let ha2 = md5_hex(&format!("GET:{path}"));
    let expected = md5_hex(&format!("{ha1}:{NONCE}:{}:{}:auth:{ha2}", get("nc"), get("cnonce")));
    get("response") == expected
}
