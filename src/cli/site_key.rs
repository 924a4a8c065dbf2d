//! `gardu site-key show|export|import`: the site's ticket key between booths.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::Subcommand;
use serde_json::json;

use super::Context;
use super::operator::Operator;
use crate::secret::{self, SiteSecret, sealed};
use crate::store::AuditRecord;

/// The environment variable a script passes the export passphrase in.
pub const PASSPHRASE_ENV: &str = "GARDU_KEY_PASSPHRASE";

/// Site key subcommands.
#[derive(Debug, Subcommand)]
pub enum SiteKeyCommand {
    /// The fingerprint of this booth's key and of the site's (as the database records it).
    Show,
    /// Write this booth's key sealed with a passphrase (GARDU_KEY_PASSPHRASE or asked twice).
    Export {
        /// The file to write (not replaced if it exists).
        #[arg(long)]
        out: PathBuf,
    },
    /// Install the site's key from a sealed file, after checking it against the database.
    Import {
        /// The file `site-key export` wrote.
        file: PathBuf,
    },
}

/// Runs a site-key subcommand.
pub fn run(command: SiteKeyCommand, ctx: &Context, op: &Operator) -> anyhow::Result<ExitCode> {
    match command {
        SiteKeyCommand::Show => show(ctx),
        SiteKeyCommand::Export { out } => export(ctx, op, &out),
        SiteKeyCommand::Import { file } => import(ctx, op, &file),
    }
}

fn key_path(ctx: &Context) -> PathBuf {
    ctx.path(&ctx.config.site.secret_file)
}

fn show(ctx: &Context) -> anyhow::Result<ExitCode> {
    let local = SiteSecret::load(&key_path(ctx))?.map(|key| key.fingerprint());
    let recorded = ctx.open_store()?.site_key_fingerprint(&ctx.config.site.code)?;
    let line = |fingerprint: &Option<String>| fingerprint.clone().unwrap_or_else(|| "(none)".into());
    println!("this booth  {}", line(&local));
    println!("site        {}", line(&recorded));
    match (&local, &recorded) {
        (Some(a), Some(b)) if a == b => println!("the keys match"),
        (_, None) => println!("the site has no key recorded yet: the first booth to start records its own"),
        _ => {
            println!("this booth does not have the site's key: import it (`gardu site-key import FILE`)");
            return Ok(ExitCode::FAILURE);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn audit(ctx: &Context, store: &dyn crate::store::Store, op: &Operator, action: &str, file: &Path, fp: &str) {
    let record = AuditRecord {
        time: chrono::Utc::now(),
        site: ctx.config.site.code.clone(),
        booth: ctx.config.booth.code.clone(),
        username: Some(op.audit_name().to_string()),
        action: action.into(),
        detail: json!({ "file": file.display().to_string(), "fingerprint": fp, "via": "cli" }),
    };
    if let Err(err) = store.append_audit(&record) {
        tracing::warn!("{action} not audited: {err}");
    }
}

fn export(ctx: &Context, op: &Operator, out: &Path) -> anyhow::Result<ExitCode> {
    let store = ctx.open_store()?;
    // The key exported is the site's: checked against the database like a lane's.
    let key = ctx.secret(store.as_ref())?;
    let passphrase = passphrase(true)?;
    let text =
        sealed::seal(&key, &ctx.config.site.code, &passphrase, argon2::Params::DEFAULT, &mut rand::rng())?;
    write_new(out, &text).with_context(|| format!("writing {}", out.display()))?;
    audit(ctx, store.as_ref(), op, "site_key_exported", out, &key.fingerprint());
    println!("site key {} sealed into {}", secret::short_fingerprint(&key.fingerprint()), out.display());
    println!("carry it to the new booth and run `gardu site-key import {}` there", out.display());
    Ok(ExitCode::SUCCESS)
}

fn import(ctx: &Context, op: &Operator, file: &Path) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let passphrase = passphrase(false)?;
    let opened = sealed::unseal(&text, &passphrase)?;
    if opened.site != ctx.config.site.code {
        bail!(
            "{} holds the key of site {}, but this booth belongs to {}",
            file.display(),
            opened.site,
            ctx.config.site.code
        );
    }
    let store = ctx.open_store()?;
    let fingerprint = opened.key.fingerprint();
    match store.site_key_fingerprint(&ctx.config.site.code)? {
        Some(recorded) if recorded != fingerprint => bail!(
            "{} holds key {} but the site's is {}: export it again from a booth that works",
            file.display(),
            secret::short_fingerprint(&fingerprint),
            secret::short_fingerprint(&recorded)
        ),
        _ => {}
    }
    let path = key_path(ctx);
    match SiteSecret::load(&path) {
        Ok(Some(existing)) if existing == opened.key => {
            println!("this booth already has the site key {}", secret::short_fingerprint(&fingerprint));
            return Ok(ExitCode::SUCCESS);
        }
        Ok(Some(_)) | Err(secret::SecretError::Damaged(_)) => {
            // Kept beside, never deleted: tickets it signed may still be in cars.
            let aside =
                path.with_extension(format!("replaced-{}", chrono::Utc::now().format("%Y%m%d%H%M%S")));
            std::fs::rename(&path, &aside).with_context(|| format!("moving {} aside", path.display()))?;
            println!("the previous key was moved to {}", aside.display());
        }
        Ok(None) => {}
        Err(err) => return Err(err.into()),
    }
    opened.key.install(&path)?;
    store.claim_site_key_fingerprint(&ctx.config.site.code, &fingerprint, chrono::Utc::now())?;
    audit(ctx, store.as_ref(), op, "site_key_imported", file, &fingerprint);
    println!("site key {} installed at {}", secret::short_fingerprint(&fingerprint), path.display());
    Ok(ExitCode::SUCCESS)
}

/// `GARDU_KEY_PASSPHRASE`, else asked on the terminal (twice when sealing).
fn passphrase(confirm: bool) -> anyhow::Result<String> {
    if let Ok(passphrase) = std::env::var(PASSPHRASE_ENV) {
        return Ok(passphrase);
    }
    if !std::io::stdin().is_terminal() && !std::io::stderr().is_terminal() {
        bail!("no passphrase: set {PASSPHRASE_ENV} or run the command on a terminal");
    }
    let first =
        rpassword::prompt_password("Passphrase for the site key: ").context("reading the passphrase")?;
    if confirm {
        let second = rpassword::prompt_password("Passphrase again: ").context("reading the passphrase")?;
        if first != second {
            bail!("the two passphrases differ; nothing was written");
        }
    }
    Ok(first)
}

/// A new file readable by its owner only; an existing one is not replaced.
fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}
