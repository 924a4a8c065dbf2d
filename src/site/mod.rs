//! The site as this program runs it: the data folder, the checked config, and how the stores,
//! the journal and the secret are opened from them. Shared by the console (`ui`) and the
//! command line (`cli`), so neither depends on the other.

pub mod backup;
pub mod lock;
pub mod naming;
pub mod scheduled_backup;
pub mod seed;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;

use crate::config::{Config, ConfigError, DatabaseLocation};
use crate::secret::SiteSecret;
use crate::store::{Site, Store};

/// The resolved environment of one run.
#[derive(Debug, Clone)]
pub struct Context {
    /// Folder that relative paths in the config are resolved against.
    pub data_dir: PathBuf,
    /// The config file that was read, if any.
    pub config_file: Option<PathBuf>,
    /// The checked configuration.
    pub config: Config,
}

impl Context {
    /// Finds and checks the configuration: `--config`, else `config.toml` in the data folder,
    /// else the zero-config defaults. The data folder is `--data-dir`, else the config file's
    /// folder when `--config` was given, else the current folder, or `%ProgramData%\Gardu` on
    /// Windows when the current folder is not writable (`crate::platform::data_dir`).
    pub fn resolve(config_arg: Option<&Path>, data_dir_arg: Option<&Path>) -> Result<Context, ConfigError> {
        let data_dir = match (data_dir_arg, config_arg) {
            (Some(dir), _) => dir.to_path_buf(),
            (None, Some(file)) => {
                file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf()
            }
            (None, None) => crate::platform::data_dir::default_dir(),
        };
        let candidate = config_arg.map(Path::to_path_buf).unwrap_or_else(|| data_dir.join("config.toml"));
        let (config, config_file) = if config_arg.is_some() || candidate.exists() {
            (Config::load(&candidate)?, Some(candidate))
        } else {
            (Config::zero(), None)
        };
        Ok(Context { data_dir, config_file, config })
    }

    /// A path from the config, resolved against the data folder.
    pub fn path(&self, relative: &Path) -> PathBuf {
        self.data_dir.join(relative)
    }

    /// The site as the config describes it.
    pub fn site(&self) -> Site {
        let site = &self.config.site;
        Site {
            code: site.code.clone(),
            name: site.name.clone(),
            location: site.location.clone(),
            region: site.region.clone(),
            timezone: site.timezone.clone(),
            capacity: site.capacity,
            receipt_header: String::new(),
            receipt_footer: String::new(),
        }
    }

    /// Opens the configured database (applying migrations) and makes sure the site exists.
    pub fn open_store(&self) -> anyhow::Result<Arc<dyn Store>> {
        let location = self.config.database_location(&self.data_dir)?;
        let store =
            crate::store::open_with(&location, &self.open_options()).with_context(|| match &location {
                DatabaseLocation::Sqlite(path) => format!("opening the database {}", path.display()),
                DatabaseLocation::Postgres(url) => {
                    format!("connecting to {}", crate::config::redact_url(url))
                }
            })?;
        store.ensure_site(&self.site()).context("preparing the site in the database")?;
        Ok(store)
    }

    /// The database timeout from `[database]`.
    pub fn open_options(&self) -> crate::store::OpenOptions {
        crate::store::OpenOptions {
            timeout: std::time::Duration::from_millis(self.config.database.timeout_ms),
        }
    }

    /// Opens the database a booth console works with: PostgreSQL behind the booth cache
    /// (`data/booth-cache.db`, so the booth starts and logs operators in with the server down;
    /// audit lines written meanwhile go to the offline journal), SQLite as it is. The site is
    /// prepared when the database answers.
    pub fn open_booth_store(&self) -> anyhow::Result<crate::store::cache::BoothStore> {
        use crate::store::cache::{CacheSettings, cache_path, open_booth};
        let location = self.config.database_location(&self.data_dir)?;
        let mut settings = CacheSettings::new(cache_path(&self.data_dir), self.config.site.code.clone());
        settings.audit_journal = Some(Arc::new(self.journal()));
        let booth =
            open_booth(&location, &self.open_options(), settings, Arc::new(crate::clock::SystemClock))
                .with_context(|| match &location {
                    DatabaseLocation::Sqlite(path) => format!("opening the database {}", path.display()),
                    DatabaseLocation::Postgres(url) => {
                        format!("connecting to {}", crate::config::redact_url(url))
                    }
                })?;
        if !booth.serving_from_cache() {
            booth.store.ensure_site(&self.site()).context("preparing the site in the database")?;
            // A new site's classes and tariffs exist only now: cache them at once.
            if let Some(cache) = &booth.cache
                && let Err(err) = cache.refresh()
            {
                tracing::warn!("the booth cache could not be refreshed: {err}");
            }
        }
        Ok(booth)
    }

    /// This booth's offline journal, at the configured folders.
    pub fn journal(&self) -> crate::journal::Journal {
        crate::journal::Journal::new(
            self.path(&self.config.journal.dir),
            self.path(&self.config.journal.images_dir),
            self.config.booth.code.clone(),
        )
    }

    /// This booth's ledger (its exits and shifts, kept across restarts and outages).
    pub fn open_ledger(&self) -> anyhow::Result<crate::lane::ledger::BoothLedger> {
        Ok(crate::lane::ledger::BoothLedger::open(
            &self.path(Path::new(crate::lane::ledger::DEFAULT_LEDGER_PATH)),
        )?)
    }

    /// The site's ticket key, checked against the fingerprint `store` records: made on a
    /// fresh site, refused (with the fix in the message) when it differs or is missing while
    /// the site has one. Never a second key for a site.
    pub fn secret(&self, store: &dyn Store) -> anyhow::Result<SiteSecret> {
        let path = self.path(&self.config.site.secret_file);
        Ok(crate::secret::open_for_site(&path, store, &self.config.site.code, chrono::Utc::now())?)
    }

    /// The site's key for reading tickets from the command line: checked against the database
    /// when it answers; this booth's own file when it does not (a code verifies offline).
    pub fn ticket_secret(&self) -> anyhow::Result<SiteSecret> {
        match self.open_store() {
            Ok(store) => self.secret(store.as_ref()),
            Err(err) => {
                let path = self.path(&self.config.site.secret_file);
                tracing::warn!("site key not checked against the database: {err:#}");
                SiteSecret::load(&path)?.ok_or_else(|| {
                    anyhow::anyhow!(
                        "this booth has no site key ({}) and the database cannot be reached to check the \
                         site's: connect to the database and try again",
                        path.display()
                    )
                })
            }
        }
    }
}
