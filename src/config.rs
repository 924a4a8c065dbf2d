//! `config.toml`: every setting with its default, checked at start with the file, key and problem.

use std::fmt;
use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::domain::ticket::{MAX_BOOTH_LEN, MAX_SITE_LEN};

mod ops;
pub use ops::{BackupConfig, StorageConfig};

/// A refused configuration: which file, which key, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {key}: {message}")]
pub struct ConfigError {
    /// The file that was read (or `(defaults)`).
    pub file: String,
    /// Dotted key path, e.g. `site.timezone`; the line number when the file is not valid TOML.
    pub key: String,
    /// What is wrong and what is expected.
    pub message: String,
}

/// Which booth this PC is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// ParkingIN: the guard at the entry.
    Entry,
    /// ParkingOut: the cashier at the exit.
    Exit,
    /// Admin: logs, statistics, shifts, users, tariffs.
    Admin,
    /// HQ: the admin screens over every site replicated into HQ's database, read-only for sites' rows.
    Hq,
}

impl Mode {
    /// Whether this mode is an admin console (a site's or HQ's) rather than a lane.
    pub fn is_admin(self) -> bool {
        matches!(self, Mode::Admin | Mode::Hq)
    }
}

impl Mode {
    /// The booth code a booth of this mode has when the config names none.
    pub fn default_booth_code(self) -> &'static str {
        match self {
            Mode::Entry => "IN1",
            Mode::Exit => "OUT1",
            Mode::Admin => "ADM1",
            Mode::Hq => "HQ1",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Entry => "entry",
            Mode::Exit => "exit",
            Mode::Admin => "admin",
            Mode::Hq => "hq",
        })
    }
}

/// True when a config file's text sets `[booth] code`.
fn booth_code_named(text: &str) -> bool {
    text.parse::<toml::Table>()
        .ok()
        .and_then(|table| table.get("booth").and_then(|booth| booth.get("code")).map(|_| ()))
        .is_some()
}

/// The language of screens, messages and printed slips.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Language {
    /// Bahasa Indonesia (default).
    #[default]
    #[serde(rename = "id")]
    Indonesian,
    /// English.
    #[serde(rename = "en")]
    English,
}

impl Language {
    /// `id` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Language::Indonesian => "id",
            Language::English => "en",
        }
    }
}

/// `[site]`: the parking site this booth belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SiteConfig {
    /// Site code on every transaction row and ticket, `LOCATION-TYPE-NN` (default `SITE-01`).
    pub code: String,
    /// Name printed on tickets (default `Gardu Parking`).
    pub name: String,
    /// Address line (default empty).
    pub location: String,
    /// Region for HQ reports (default empty).
    pub region: String,
    /// IANA time zone for days and printed times (default `Asia/Jakarta`).
    pub timezone: String,
    /// Vehicles that fit; entries are refused when full (default none: no limit).
    pub capacity: Option<u32>,
    /// File holding the ticket-signing secret; made on first run with mode 0600
    /// (default `data/site.secret`). Every booth of a site needs the same file.
    pub secret_file: PathBuf,
}

impl Default for SiteConfig {
    fn default() -> Self {
        Self {
            code: "SITE-01".into(),
            name: "Gardu Parking".into(),
            location: String::new(),
            region: String::new(),
            timezone: "Asia/Jakarta".into(),
            capacity: None,
            secret_file: PathBuf::from("data/site.secret"),
        }
    }
}

/// `[booth]`: this PC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BoothConfig {
    /// Booth code, 1–6 capital letters or digits, prefix of its ticket numbers (default: the
    /// mode's own, `IN1`, `OUT1` or `ADM1`).
    pub code: String,
    /// `entry`, `exit` or `admin` (default `entry`).
    pub mode: Mode,
    /// Show the console full screen (default false).
    pub fullscreen: bool,
    /// The config file names the code; false while it is the mode's default, which the
    /// first-run screen offers to replace and write to `config.toml`.
    #[serde(skip)]
    pub code_configured: bool,
}

impl Default for BoothConfig {
    fn default() -> Self {
        let mode = Mode::Entry;
        Self { code: mode.default_booth_code().into(), mode, fullscreen: false, code_configured: false }
    }
}

impl BoothConfig {
    /// Runs the booth in `mode` (`--mode`); an unconfigured code follows the mode, so an exit
    /// booth started without a config is `OUT1`, never a second `IN1`.
    pub fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
        if !self.code_configured {
            self.code = mode.default_booth_code().into();
        }
    }
}

/// `[database]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite:PATH` (relative to the data folder) or `postgres://user:pass@host/db`
    /// (default `sqlite:data/gardu.db`).
    pub url: String,
    /// How long one statement may take before its outcome counts as unknown (default 3000).
    pub timeout_ms: u64,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self { url: "sqlite:data/gardu.db".into(), timeout_ms: 3_000 }
    }
}

/// `[monitor]`: the database-connection indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MonitorConfig {
    /// Seconds between checks (default 10).
    pub interval_s: u64,
    /// How long one check may take (default 2000).
    pub timeout_ms: u64,
}

impl Default for MonitorConfig {
    fn default() -> Self {
        Self { interval_s: 10, timeout_ms: 2_000 }
    }
}

/// `[journal]`: offline records written while the database is unreachable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JournalConfig {
    /// Folder of journal files (default `offline_data`).
    pub dir: PathBuf,
    /// Folder of photos taken offline, with `Masuk/` and `Keluar/` inside (default `Images`).
    pub images_dir: PathBuf,
    /// Days a replayed file is kept in `synced/` (default 30).
    pub retention_days: u32,
}

impl Default for JournalConfig {
    fn default() -> Self {
        Self { dir: "offline_data".into(), images_dir: "Images".into(), retention_days: 30 }
    }
}

/// `[ui]`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UiConfig {
    /// `id` (default) or `en`.
    pub language: Language,
}

/// `[simulation]`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimulationConfig {
    /// Replace every device with a simulated one and show the SIMULATION banner
    /// (default: true when there is no config file, false otherwise).
    pub enabled: bool,
}

/// `[logging]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoggingConfig {
    /// Folder of daily-rotated log files (default `logs`).
    pub dir: PathBuf,
    /// Level written to the files: error, warn, info, debug, trace (default `info`).
    pub level: String,
}

impl Default for LoggingConfig {
    fn default() -> Self {
        Self { dir: "logs".into(), level: "info".into() }
    }
}

/// `[plate]`: reading number plates from the booth photos.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlateConfig {
    /// Read plates from the entry and exit photos (default true; false switches the reader off).
    pub enabled: bool,
    /// A read at or above this confidence (0–1) fills the plate field; below it the read is only
    /// offered as a suggestion (default 0.80).
    pub min_confidence: f32,
    /// Let a registered member in without a card when their plate is read (default false).
    pub members_by_plate: bool,
    /// The confidence a read needs to let a member in by plate (default 0.95).
    pub member_min_confidence: f32,
    /// Where plates appear in the camera's photos; the reader looks only there. Unset: the
    /// camera's own (the whole photo for a real camera, the lane for the simulated one).
    pub zone: Option<crate::domain::plate::PlateZone>,
}

impl Default for PlateConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            min_confidence: 0.80,
            members_by_plate: false,
            member_min_confidence: 0.95,
            zone: None,
        }
    }
}

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `[site]`.
    pub site: SiteConfig,
    /// `[booth]`.
    pub booth: BoothConfig,
    /// `[database]`.
    pub database: DatabaseConfig,
    /// `[monitor]`.
    pub monitor: MonitorConfig,
    /// `[journal]`.
    pub journal: JournalConfig,
    /// `[ui]`.
    pub ui: UiConfig,
    /// `[simulation]`.
    pub simulation: SimulationConfig,
    /// `[logging]`.
    pub logging: LoggingConfig,
    /// `[devices.*]`: controller, reader, scanner, barrier, printer, camera.
    pub devices: crate::devices::booth::DevicesConfig,
    /// `[backup]`: scheduled backups.
    pub backup: BackupConfig,
    /// `[storage]`: the disk-space watch.
    pub storage: StorageConfig,
    /// `[retention]`: how long photos, replayed journals, audit lines and visits are kept.
    pub retention: crate::retention::RetentionConfig,
    /// `[plate]`.
    pub plate: PlateConfig,
}

/// Where the database lives, parsed from `database.url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseLocation {
    /// An SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection string.
    Postgres(String),
}

impl Config {
    /// The settings used when there is no config file: SQLite, site `SITE-01`, simulation on.
    pub fn zero() -> Self {
        let mut config = Config::default();
        config.simulation.enabled = true;
        config
    }

    /// How long replayed journal files are kept: `[retention] synced_journals_days`, else
    /// `[journal] retention_days`.
    pub fn synced_journals_keep(&self) -> crate::retention::Keep {
        self.retention
            .synced_journals_days
            .unwrap_or(crate::retention::Keep::Days(self.journal.retention_days))
    }

    /// Parses and checks a config file's text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
        let deserializer =
            toml::Deserializer::parse(text).map_err(|err| toml_error(file, text, &err, None))?;
        let mut config: Config = serde_path_to_error::deserialize(deserializer).map_err(|err| {
            let key = err.path().to_string();
            toml_error(file, text, err.inner(), Some(key))
        })?;
        config.booth.code_configured = booth_code_named(text);
        let mode = config.booth.mode;
        config.booth.set_mode(mode);
        config.validate(file)?;
        Ok(config)
    }

    /// Reads and checks a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|err| ConfigError {
            file: file.clone(),
            key: "(file)".into(),
            message: format!("cannot be read: {err}"),
        })?;
        Config::parse(&text, &file)
    }

    /// Checks values serde cannot: codes, time zone, URL scheme, ranges.
    pub fn validate(&self, file: &str) -> Result<(), ConfigError> {
        let fail =
            |key: &str, message: String| Err(ConfigError { file: file.into(), key: key.into(), message });
        let code_ok = |text: &str, max: usize, dash: bool| {
            !text.is_empty()
                && text.len() <= max
                && text.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || (dash && b == b'-'))
        };
        if !code_ok(&self.site.code, MAX_SITE_LEN, true) {
            return fail(
                "site.code",
                format!(
                    "{:?} must be 1–{MAX_SITE_LEN} capital letters, digits or dashes, e.g. JKT-MALL-01",
                    self.site.code
                ),
            );
        }
        if !code_ok(&self.booth.code, MAX_BOOTH_LEN, false) {
            return fail(
                "booth.code",
                format!(
                    "{:?} must be 1–{MAX_BOOTH_LEN} capital letters or digits, e.g. IN1",
                    self.booth.code
                ),
            );
        }
        if self.site.timezone.parse::<Tz>().is_err() {
            return fail(
                "site.timezone",
                format!("{:?} is not a known time zone; use a name like Asia/Jakarta", self.site.timezone),
            );
        }
        if let Err(message) = self.database_location_relative() {
            return fail("database.url", message);
        }
        if self.monitor.interval_s == 0 {
            return fail("monitor.interval_s", "must be at least 1 second".into());
        }
        if self.monitor.timeout_ms == 0 || self.database.timeout_ms == 0 {
            return fail("monitor.timeout_ms", "timeouts must be at least 1 ms".into());
        }
        if self.site.capacity == Some(0) {
            return fail("site.capacity", "must be at least 1, or left out for no limit".into());
        }
        if let Err((key, message)) = self.devices.validate() {
            return fail(&key, message);
        }
        if let Err((key, message)) = self.backup.validate().and_then(|()| self.storage.validate()) {
            return fail(&key, message);
        }
        for (key, value) in [
            ("plate.min_confidence", self.plate.min_confidence),
            ("plate.member_min_confidence", self.plate.member_min_confidence),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return fail(key, format!("{value} must be between 0 and 1, e.g. 0.8"));
            }
        }
        if let Some(Err(message)) = self.plate.zone.map(|zone| zone.check()) {
            return fail("plate.zone", message);
        }
        if !["error", "warn", "info", "debug", "trace"].contains(&self.logging.level.as_str()) {
            return fail(
                "logging.level",
                format!("{:?} must be error, warn, info, debug or trace", self.logging.level),
            );
        }
        Ok(())
    }

    /// The site's time zone (validated at load).
    pub fn timezone(&self) -> Tz {
        self.site.timezone.parse().unwrap_or(chrono_tz::Asia::Jakarta)
    }

    fn database_location_relative(&self) -> Result<DatabaseLocation, String> {
        let url = self.database.url.trim();
        if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err("sqlite: needs a file path, e.g. sqlite:data/gardu.db".into());
            }
            Ok(DatabaseLocation::Sqlite(PathBuf::from(path)))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(DatabaseLocation::Postgres(url.to_string()))
        } else {
            Err(format!("{:?} must start with sqlite: or postgres://", redact_url(url)))
        }
    }

    /// The database location with relative SQLite paths resolved against `data_dir`.
    pub fn database_location(&self, data_dir: &Path) -> Result<DatabaseLocation, ConfigError> {
        match self.database_location_relative() {
            Ok(DatabaseLocation::Sqlite(path)) => Ok(DatabaseLocation::Sqlite(data_dir.join(path))),
            Ok(other) => Ok(other),
            Err(message) => Err(ConfigError { file: "(config)".into(), key: "database.url".into(), message }),
        }
    }
}

/// A connection string with its password replaced by `***`, safe to log or show: the
/// `user:password@` of a URL and any `password=` parameter (URL query or `key=value` form).
pub fn redact_url(url: &str) -> String {
    let redacted = match url.split_once("://") {
        Some((scheme, rest)) => {
            let (main, query) = match rest.split_once('?') {
                Some((main, query)) => (main, Some(query)),
                None => (rest, None),
            };
            let main = match main.rsplit_once('@') {
                Some((credentials, host)) => match credentials.split_once(':') {
                    Some((user, _password)) => format!("{user}:***@{host}"),
                    None => main.to_string(),
                },
                None => main.to_string(),
            };
            match query {
                Some(query) => format!("{scheme}://{main}?{query}"),
                None => format!("{scheme}://{main}"),
            }
        }
        None => url.to_string(),
    };
    redact_password_parameters(&redacted)
}

/// Every `password=VALUE` (any case, as a URL parameter or a `key=value` word) with VALUE
/// replaced by `***`.
fn redact_password_parameters(text: &str) -> String {
    const KEY: &str = "password=";
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    let mut search = 0;
    while let Some(found) = lower[search..].find(KEY) {
        let start = search + found;
        let preceded_ok =
            start == 0 || matches!(text.as_bytes()[start - 1], b'?' | b'&' | b' ' | b'\t' | b';');
        let value_start = start + KEY.len();
        let value_end =
            text[value_start..].find(['&', ' ', '\t', ';', '\n']).map_or(text.len(), |end| value_start + end);
        if preceded_ok {
            out.push_str(&text[rest..value_start]);
            out.push_str("***");
            rest = value_end;
        }
        search = value_end.max(value_start);
    }
    out.push_str(&text[rest..]);
    out
}

/// `text` (an error message, say) with the password of `url` taken out wherever it appears,
/// as written or percent-decoded.
pub fn redact_password_in(text: &str, url: &str) -> String {
    let mut secrets = Vec::new();
    if let Some((_, rest)) = url.split_once("://") {
        let main = rest.split_once('?').map_or(rest, |(main, _)| main);
        if let Some((credentials, _)) = main.rsplit_once('@')
            && let Some((_, password)) = credentials.split_once(':')
        {
            secrets.push(password.to_string());
        }
        if let Some((_, query)) = rest.split_once('?') {
            for pair in query.split('&') {
                if let Some((key, value)) = pair.split_once('=')
                    && key.eq_ignore_ascii_case("password")
                {
                    secrets.push(value.to_string());
                }
            }
        }
    }
    let mut out = text.to_string();
    for secret in secrets.iter().filter(|s| s.len() >= 2) {
        let decoded = crate::store::postgres::tls::percent_decode(secret);
        for form in [secret.as_str(), decoded.as_str()] {
            if form.len() >= 2 {
                out = out.replace(form, "***");
            }
        }
    }
    redact_password_parameters(&out)
}

fn toml_error(file: &str, text: &str, err: &toml::de::Error, key: Option<String>) -> ConfigError {
    let line = err.span().map(|span| {
        text.as_bytes()[..span.start.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
    });
    let key = match (key.filter(|k| !k.is_empty() && k != "."), line) {
        (Some(key), Some(line)) => format!("{key} (line {line})"),
        (Some(key), None) => key,
        (None, Some(line)) => format!("line {line}"),
        (None, None) => "(file)".into(),
    };
    ConfigError { file: file.into(), key, message: err.message().trim().to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_mode_has_its_own_booth_code_unless_the_file_names_one() {
        let cases = [
            ("", None, "IN1"),
            ("[booth]\nmode = \"exit\"\n", None, "OUT1"),
            ("[booth]\nmode = \"admin\"\n", None, "ADM1"),
            ("", Some(Mode::Exit), "OUT1"),
            ("[booth]\ncode = \"GATE2\"\n", Some(Mode::Exit), "GATE2"),
        ];
        for (text, override_mode, expected) in cases {
            let mut config = Config::parse(text, "config.toml").unwrap();
            if let Some(mode) = override_mode {
                config.booth.set_mode(mode);
            }
            assert_eq!(config.booth.code, expected, "{text:?} {override_mode:?}");
        }
        let mut zero = Config::zero();
        zero.booth.set_mode(Mode::Exit);
        assert_eq!((zero.booth.code.as_str(), zero.booth.code_configured), ("OUT1", false));
    }

    #[test]
    fn empty_file_gives_the_documented_defaults() {
        let config = Config::parse("", "config.toml").unwrap();
        assert_eq!(config.site.code, "SITE-01");
        assert_eq!(config.database.url, "sqlite:data/gardu.db");
        assert_eq!(config.monitor.interval_s, 10);
        assert_eq!(config.ui.language, Language::Indonesian);
        assert!(!config.simulation.enabled);
        assert!(Config::zero().simulation.enabled);
        assert_eq!(
            config.plate,
            PlateConfig {
                enabled: true,
                min_confidence: 0.8,
                members_by_plate: false,
                member_min_confidence: 0.95,
                zone: None
            }
        );
        assert_eq!(
            config.database_location(Path::new("/srv/gardu")).unwrap(),
            DatabaseLocation::Sqlite(PathBuf::from("/srv/gardu/data/gardu.db"))
        );
    }

    #[test]
    fn the_example_file_is_valid_and_complete() {
        let text = include_str!("../config.toml.example");
        let config = Config::parse(text, "config.toml.example").unwrap();
        assert_eq!(config.site.timezone, "Asia/Jakarta");
    }

    #[test]
    fn errors_name_file_key_and_problem() {
        let cases = [
            ("[site]\ncode = \"jkt mall\"\n", "site.code", "capital letters"),
            ("[site]\ntimezone = \"Mars/Olympus\"\n", "site.timezone", "time zone"),
            ("[database]\nurl = \"mysql://x\"\n", "database.url", "sqlite: or postgres://"),
            ("[monitor]\ninterval_s = 0\n", "monitor.interval_s", "at least 1"),
            ("[plate]\nmin_confidence = 1.5\n", "plate.min_confidence", "between 0 and 1"),
            (
                "[plate]\nzone = { left = 0.5, top = 0, width = 0.8, height = 1 }\n",
                "plate.zone",
                "past the photo's edge",
            ),
            ("[plate]\nzone = { left = 0.5 }\n", "plate.zone (line 2)", "missing field"),
            ("[booth]\nmode = \"parking\"\n", "booth.mode (line 2)", "unknown variant"),
            ("[site]\ncolour = 1\n", "site.colour (line 2)", "unknown field"),
            ("[monitor]\ninterval_s = \"ten\"\n", "monitor.interval_s (line 2)", "invalid type"),
            ("[site\n", "line 1", ""),
        ];
        for (text, key, message) in cases {
            let err = Config::parse(text, "gardu.toml").unwrap_err();
            assert_eq!(err.file, "gardu.toml");
            assert_eq!(err.key, key, "{text:?}: {err}");
            assert!(err.message.contains(message), "{text:?}: {err}");
        }
    }

    #[test]
    fn passwords_never_leave_a_connection_string() {
        assert_eq!(
            redact_url("postgres://gardu:s3cret@10.0.0.2/parking"),
            "postgres://gardu:***@10.0.0.2/parking"
        );
        assert_eq!(redact_url("postgres://10.0.0.2/parking"), "postgres://10.0.0.2/parking");
        let err = Config::parse("[database]\nurl = \"mysql://u:pw@h/db\"\n", "c.toml").unwrap_err();
        assert!(!err.to_string().contains("pw"), "{err}");
        let cases = [
            ("postgres://gardu@h/db?password=s3cret", "postgres://gardu@h/db?password=***"),
            (
                "postgres://gardu@h/db?sslmode=verify-full&PASSWORD=s3cret&application_name=x",
                "postgres://gardu@h/db?sslmode=verify-full&PASSWORD=***&application_name=x",
            ),
            (
                "postgres://u:p%40ss@h/db?sslrootcert=/a@b/ca.pem",
                "postgres://u:***@h/db?sslrootcert=/a@b/ca.pem",
            ),
            ("host=h user=u password=s3cret dbname=d", "host=h user=u password=*** dbname=d"),
            ("postgres://h/db?sslpassword_hint=1", "postgres://h/db?sslpassword_hint=1"),
        ];
        for (url, expected) in cases {
            assert_eq!(redact_url(url), expected, "{url}");
        }
        let url = "postgres://gardu:p%40ss@h/db";
        let said = "password authentication failed for p@ss and p%40ss";
        assert_eq!(redact_password_in(said, url), "password authentication failed for *** and ***");
    }

    proptest::proptest! {
        #[test]
        fn no_form_of_url_shows_its_password(
            user in "[a-z]{1,8}",
            password in "pw_[A-Za-z0-9!*()~.-]{6,16}",
            host in "[a-z]{1,10}(\\.[a-z]{1,5})?",
            tail in "(\\?sslmode=require)?",
        ) {
            for url in [
                format!("postgres://{user}:{password}@{host}:5432/db{tail}"),
                format!("postgres://{user}@{host}/db?password={password}"),
                format!("postgres://{user}@{host}/db?sslmode=prefer&password={password}&application_name=g"),
                format!("postgresql://{user}:{password}@{host}/db?password={password}"),
            ] {
                let shown = redact_url(&url);
                proptest::prop_assert!(!shown.contains(&password), "{url} -> {shown}");
                let error = format!("connecting to {url} failed: {password} refused");
                proptest::prop_assert!(!redact_password_in(&error, &url).contains(&password));
            }
        }
    }
}
