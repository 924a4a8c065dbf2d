//! TLS to PostgreSQL: libpq's `sslmode` and `sslrootcert` in `database.url`, through rustls
//! (ring provider), for every connection Gardu opens (the store's pool and live updates).
//!
//! | `sslmode` | encrypted | server checked |
//! |---|---|---|
//! | `disable` | never | — |
//! | `prefer` (default) | when the server offers it | no (with `sslrootcert`: its CA) |
//! | `require` | always | no (with `sslrootcert`: its CA, as libpq does) |
//! | `verify-ca` | always | signed by the CA in `sslrootcert` |
//! | `verify-full` | always | that CA, and the certificate names the host connected to |

use std::path::{Path, PathBuf};
use std::sync::Arc;

use postgres::Client;
use postgres::config::SslMode as DriverSslMode;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::config::redact_url;

/// libpq's `sslmode` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Plain TCP only.
    Disable,
    /// TLS when the server offers it, plain otherwise (libpq's default).
    Prefer,
    /// TLS always; the certificate is not checked unless `sslrootcert` is given.
    Require,
    /// TLS always, the certificate signed by the CA in `sslrootcert`.
    VerifyCa,
    /// As `VerifyCa`, and the certificate must name the host.
    VerifyFull,
}

impl SslMode {
    /// The value as written in a URL.
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    fn parse(text: &str) -> Option<SslMode> {
        [SslMode::Disable, SslMode::Prefer, SslMode::Require, SslMode::VerifyCa, SslMode::VerifyFull]
            .into_iter()
            .find(|mode| mode.as_str() == text)
    }
}

/// Why the TLS settings of a URL cannot be used. Never quotes a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsSetupError {
    /// An `sslmode` libpq does not know.
    #[error("sslmode={0:?} in database.url is not one of disable, prefer, require, verify-ca, verify-full")]
    UnknownMode(String),
    /// verify-ca / verify-full without a CA file.
    #[error(
        "sslmode={0} needs the CA certificate that signed the server's: add sslrootcert=PATH to database.url"
    )]
    NoRootCert(&'static str),
    /// The CA file cannot be read or holds no certificate.
    #[error("the CA file {path} (sslrootcert) cannot be used: {reason}")]
    RootCert {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// rustls refused the settings.
    #[error("TLS cannot be set up: {0}")]
    Rustls(String),
}

/// How to open connections to one server: the driver's settings and the TLS to use.
#[derive(Clone)]
pub struct Connector {
    mode: SslMode,
    tls: Option<MakeRustlsConnect>,
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connector").field("mode", &self.mode).finish_non_exhaustive()
    }
}

/// A URL with libpq's TLS parameters taken out (the driver knows only some of them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsUrl {
    /// The URL the driver parses.
    pub url: String,
    /// `sslmode`, default `prefer`.
    pub mode: SslMode,
    /// `sslrootcert`, if given.
    pub root_cert: Option<PathBuf>,
}

/// Takes `sslmode` and `sslrootcert` out of a `postgres://` URL's query.
pub fn split_url(url: &str) -> Result<TlsUrl, TlsSetupError> {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, query),
        None => (url, ""),
    };
    let mut mode = SslMode::Prefer;
    let mut root_cert = None;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "sslmode" => {
                let value = percent_decode(value);
                mode = SslMode::parse(&value).ok_or(TlsSetupError::UnknownMode(value))?;
            }
            "sslrootcert" => root_cert = Some(PathBuf::from(percent_decode(value))),
            _ => kept.push(pair),
        }
    }
    let url = if kept.is_empty() { base.to_string() } else { format!("{base}?{}", kept.join("&")) };
    Ok(TlsUrl { url, mode, root_cert })
}

/// `%XX` escapes decoded; anything else kept as it is.
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The driver's settings and the connector for `url`. The caller adds timeouts and names.
pub fn configure(url: &str) -> Result<(postgres::Config, Connector), ConfigureError> {
    let split = split_url(url).map_err(ConfigureError::Tls)?;
    // The parser's message may quote the string it choked on, password included: say only
    // which URL is wrong.
    let mut config: postgres::Config = split.url.parse().map_err(|_| ConfigureError::Url(redact_url(url)))?;
    config.ssl_mode(match split.mode {
        SslMode::Disable => DriverSslMode::Disable,
        SslMode::Prefer => DriverSslMode::Prefer,
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => DriverSslMode::Require,
    });
    let connector = Connector::new(split.mode, split.root_cert.as_deref()).map_err(ConfigureError::Tls)?;
    Ok((config, connector))
}

/// Why [`configure`] failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigureError {
    /// The URL cannot be parsed (shown with its password hidden).
    #[error(
        "the database URL {0} cannot be read; write it as postgres://USER:PASSWORD@HOST:5432/DATABASE?sslmode=verify-full&sslrootcert=PATH"
    )]
    Url(String),
    /// The TLS parameters cannot be used.
    #[error(transparent)]
    Tls(TlsSetupError),
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn load_roots(path: &Path) -> Result<RootCertStore, TlsSetupError> {
    let shown = path.display().to_string();
    let fail = |reason: String| TlsSetupError::RootCert { path: shown.clone(), reason };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|err| fail(err.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| fail(err.to_string()))?;
    let mut roots = RootCertStore::empty();
    let (added, _ignored) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(fail("no PEM certificate in it".into()));
    }
    Ok(roots)
}

impl Connector {
    /// The connector for a mode and optional CA file.
    pub fn new(mode: SslMode, root_cert: Option<&Path>) -> Result<Connector, TlsSetupError> {
        if mode == SslMode::Disable {
            return Ok(Connector { mode, tls: None });
        }
        let provider = provider();
        let verifier: Arc<dyn ServerCertVerifier> = match (mode, root_cert) {
            (SslMode::VerifyCa | SslMode::VerifyFull, None) => {
                return Err(TlsSetupError::NoRootCert(mode.as_str()));
            }
            (SslMode::VerifyFull, Some(path)) => verifier(path, &provider)?,
            // libpq: with a CA file, require (and prefer) check the chain as verify-ca does.
            (_, Some(path)) => Arc::new(AnyName(verifier(path, &provider)?)),
            (_, None) => Arc::new(Unchecked(provider.signature_verification_algorithms)),
        };
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|err| TlsSetupError::Rustls(err.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        Ok(Connector { mode, tls: Some(MakeRustlsConnect::new(config)) })
    }

    /// The `sslmode` in force.
    pub fn mode(&self) -> SslMode {
        self.mode
    }

    /// Opens a connection with `config`.
    pub fn connect(&self, config: &postgres::Config) -> Result<Client, postgres::Error> {
        match &self.tls {
            None => config.connect(postgres::NoTls),
            Some(tls) => config.connect(tls.clone()),
        }
    }
}

fn verifier(path: &Path, provider: &Arc<CryptoProvider>) -> Result<Arc<WebPkiServerVerifier>, TlsSetupError> {
    WebPkiServerVerifier::builder_with_provider(Arc::new(load_roots(path)?), provider.clone())
        .build()
        .map_err(|err| TlsSetupError::Rustls(err.to_string()))
}

/// `verify-ca`: the chain must lead to the CA; the name is not checked.
#[derive(Debug)]
struct AnyName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.0.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// `prefer` / `require` without a CA file: encrypted against eavesdropping, the server not
/// authenticated (libpq's behaviour). The handshake signatures are still checked.
#[derive(Debug)]
struct Unchecked(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// `text` with the password `config` connects with replaced by `***`: driver and server
/// messages are shown to operators and logged.
pub fn hide_password(text: &str, config: &postgres::Config) -> String {
    match config.get_password().and_then(|p| std::str::from_utf8(p).ok()).filter(|p| p.len() >= 2) {
        Some(password) => text.replace(password, "***"),
        None => text.to_string(),
    }
}

/// A failed connect's cause in words an operator can act on, when TLS is what failed.
pub fn explain(err: &postgres::Error, mode: SslMode) -> Option<String> {
    let mut chain = Vec::new();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(cause) = source {
        chain.push(cause.to_string());
        source = cause.source();
    }
    // rustls says these in Debug form (`UnknownIssuer`) or in words, depending on the error.
    let all = chain.join(": ");
    let said = |words: &[&str]| words.iter().any(|w| all.contains(w));
    if said(&["NotValidForName", "not valid for name"]) {
        return Some(
            "the server's certificate does not name the host in database.url (sslmode=verify-full \
             checks the name): connect by a name the certificate carries, e.g. its DNS name"
                .into(),
        );
    }
    if said(&["UnknownIssuer", "BadSignature", "unknown issuer", "bad signature"]) {
        return Some(
            "the server's certificate is not signed by the CA in sslrootcert: use the site's CA \
             file, or check that this is the site's server"
                .into(),
        );
    }
    if said(&["Expired", "NotValidYet", "certificate expired", "not valid yet"]) {
        return Some(
            "the server's certificate is outside its validity dates: renew it, or check this PC's clock"
                .into(),
        );
    }
    if all.contains("server does not support TLS") {
        return Some(format!(
            "the server does not offer TLS but sslmode={} requires it: turn on ssl in postgresql.conf",
            mode.as_str()
        ));
    }
    if let Some(db) = err.as_db_error()
        && db.code() == &postgres::error::SqlState::INVALID_AUTHORIZATION_SPECIFICATION
        && db.message().contains("no encryption")
    {
        return Some(
            "the server requires TLS (its pg_hba.conf has no entry for unencrypted connections): \
             set sslmode=verify-full with sslrootcert=PATH (or sslmode=require) in database.url"
                .into(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_parameters_are_taken_out_and_the_rest_kept() {
        let cases = [
            ("postgres://u:p@h/db", "postgres://u:p@h/db", SslMode::Prefer, None),
            ("postgres://u@h/db?sslmode=disable", "postgres://u@h/db", SslMode::Disable, None),
            (
                "postgres://u@h/db?application_name=x&sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem",
                "postgres://u@h/db?application_name=x",
                SslMode::VerifyFull,
                Some("/etc/ca.pem"),
            ),
            (
                "postgres://u@h/db?sslrootcert=ca.pem&sslmode=verify-ca",
                "postgres://u@h/db",
                SslMode::VerifyCa,
                Some("ca.pem"),
            ),
            ("postgres://u@h/db?sslmode=require", "postgres://u@h/db", SslMode::Require, None),
        ];
        for (url, rest, mode, root) in cases {
            let split = split_url(url).unwrap();
            assert_eq!(split.url, rest, "{url}");
            assert_eq!(split.mode, mode, "{url}");
            assert_eq!(split.root_cert.as_deref(), root.map(Path::new), "{url}");
        }
        assert_eq!(
            split_url("postgres://h/db?sslmode=allow"),
            Err(TlsSetupError::UnknownMode("allow".into()))
        );
    }

    #[test]
    fn verifying_modes_need_a_ca_file() {
        assert_eq!(
            Connector::new(SslMode::VerifyFull, None).unwrap_err(),
            TlsSetupError::NoRootCert("verify-full")
        );
        assert_eq!(
            Connector::new(SslMode::VerifyCa, None).unwrap_err(),
            TlsSetupError::NoRootCert("verify-ca")
        );
        assert!(Connector::new(SslMode::Require, None).is_ok());
        assert!(Connector::new(SslMode::Prefer, None).is_ok());
        let missing =
            Connector::new(SslMode::VerifyFull, Some(Path::new("/nonexistent/ca.pem"))).unwrap_err();
        assert!(missing.to_string().contains("/nonexistent/ca.pem"), "{missing}");
    }

    #[test]
    fn a_bad_url_never_shows_its_password() {
        let err = configure("postgres://gardu:s3cret@host:notaport/db").unwrap_err().to_string();
        assert!(!err.contains("s3cret"), "{err}");
    }
}
