//! `gardu user add|list|unlock`: operator accounts from the command line.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::Subcommand;

use super::Context;
use super::operator::Operator;
use crate::auth::{self, AuditContext, Hasher, NewUser};
use crate::clock::SystemClock;
use crate::store::Role;

/// User subcommands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an operator. The password is asked on the terminal, or read from stdin when piped.
    Add {
        /// Login name: 3–32 of a–z, 0–9, dot, dash, underscore.
        #[arg(long)]
        username: String,
        /// guard, cashier, admin or technician.
        #[arg(long, value_enum)]
        role: Role,
        /// Name shown on screens and receipts (default: the username).
        #[arg(long)]
        full_name: Option<String>,
    },
    /// List operators with role, state and lock.
    List,
    /// Lift a lockout after too many wrong passwords.
    Unlock {
        /// Login name.
        username: String,
    },
}

/// Runs a user subcommand; audit lines name `op`. On a fresh install the first operator must
/// be an admin, or nobody could manage accounts afterwards.
pub fn run(command: UserCommand, ctx: &Context, op: &Operator) -> anyhow::Result<ExitCode> {
    let store = ctx.open_store()?;
    let audit = AuditContext { site: ctx.config.site.code.clone(), booth: "cli".into() };
    match command {
        UserCommand::Add { username, role, full_name } => {
            if *op == Operator::Bootstrap && role != Role::Admin {
                bail!(
                    "the first operator must be an admin (--role admin): nobody could manage accounts otherwise"
                );
            }
            let password = read_password()?;
            let full_name = full_name.unwrap_or_else(|| username.clone());
            let new = NewUser { username: &username, full_name: &full_name, role, password: &password };
            let user = auth::create_user(
                store.as_ref(),
                &SystemClock,
                &Hasher::default(),
                &audit,
                &new,
                op.audit_name(),
            )?;
            println!("created {} ({})", user.username, user.role.as_str());
        }
        UserCommand::List => {
            println!("{:<20} {:<11} {:<8} {:<25} full name", "username", "role", "active", "locked until");
            for user in store.list_users()? {
                let locked = user.locked_until.map(|t| t.to_rfc3339()).unwrap_or_else(|| "-".into());
                let active = if user.active { "yes" } else { "no" };
                println!(
                    "{:<20} {:<11} {:<8} {:<25} {}",
                    user.username,
                    user.role.as_str(),
                    active,
                    locked,
                    user.full_name
                );
            }
        }
        UserCommand::Unlock { username } => {
            auth::unlock(store.as_ref(), &SystemClock, &audit, &username, op.audit_name())?;
            println!("unlocked {username}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Asks twice on a terminal; takes the first line of stdin when piped.
fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").context("reading the password")?;
        let second = rpassword::prompt_password("Password again: ").context("reading the password")?;
        if first != second {
            bail!("the two passwords differ; nothing was created");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("reading the password from stdin")?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}
