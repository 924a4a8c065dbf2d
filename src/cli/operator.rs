//! Who may run which command: the one table of command → roles, and the `--as USER` check
//! (argon2, lockout and audit exactly as the console's login) that every command passes first.
//!
//! While the database has no operator at all (a fresh install) every command runs without
//! `--as`, so the first setup, the demo and scripts on a fresh folder keep working.

use std::io::IsTerminal;

use anyhow::Context as _;

use super::user::UserCommand;
use super::{Command, Context};
use crate::auth::{self, AuditContext, LoginError};
use crate::clock::SystemClock;
use crate::store::{Role, Store, User};

/// The environment variable a script passes the operator's password in.
pub const PASSWORD_ENV: &str = "GARDU_PASSWORD";
/// The exit code of a refusal: no or wrong operator, wrong role, wrong password, lockout.
pub const REFUSED_EXIT_CODE: u8 = 3;

const ADMIN: &[Role] = &[Role::Admin];
const ADMIN_OR_TECHNICIAN: &[Role] = &[Role::Admin, Role::Technician];
const ADMIN_OR_CASHIER: &[Role] = &[Role::Admin, Role::Cashier];

/// What a command needs from whoever runs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read-only diagnostics: anyone with a shell.
    Open,
    /// An operator with one of these roles.
    Roles(&'static [Role]),
    /// An admin, or the cashier whose shift it is (checked by the command once it has the shift).
    ShiftOwner,
}

/// The table: each command's name as typed and what it needs. Exhaustive, so a new command
/// must be placed here.
pub fn access(command: &Command) -> (&'static str, Access) {
    use super::db::DbCommand;
    use super::device::DeviceCommand;
    use super::emergency::EmergencyCommand;
    use super::hq::HqCommand;
    use super::journal::JournalCommand;
    use super::site_key::SiteKeyCommand;
    use super::ticket::TicketCommand;
    use Access::{Open, Roles, ShiftOwner};
    match command {
        Command::Fee(_) => ("fee", Open),
        Command::Ports => ("ports", Open),
        Command::Plate(_) => ("plate read", Open),
        Command::Receipt(_) => ("receipt render", Open),
        Command::Screenshots(_) => ("screenshots", Open),
        // A scratch data folder of its own, and the console's login on it.
        Command::Bench(_) => ("bench", Open),
        Command::Db(DbCommand::Check { .. }) => ("db check", Open),
        Command::Db(DbCommand::Migrate) => ("db migrate", Roles(ADMIN)),
        Command::Db(DbCommand::SeedDemo(_)) => ("db seed-demo", Roles(ADMIN_OR_TECHNICIAN)),
        Command::Db(DbCommand::Backup { .. }) => ("db backup", Roles(ADMIN_OR_TECHNICIAN)),
        // Checked against the database being replaced; a folder without one (a new disk) is a
        // fresh install.
        Command::Db(DbCommand::Restore { .. }) => ("db restore", Roles(ADMIN)),
        Command::Db(DbCommand::Purge { .. }) => ("db purge", Roles(ADMIN)),
        // It issues a real ticket code on the configured store.
        Command::Demo => ("demo", Roles(ADMIN_OR_TECHNICIAN)),
        Command::User(UserCommand::Add { .. }) => ("user add", Roles(ADMIN)),
        Command::User(UserCommand::List) => ("user list", Roles(ADMIN)),
        Command::User(UserCommand::Unlock { .. }) => ("user unlock", Roles(ADMIN)),
        Command::Export(_) => ("export", Roles(ADMIN)),
        Command::Books(_) => ("books check", Roles(ADMIN)),
        Command::Visit(_) => ("visit close", Roles(ADMIN)),
        Command::Ticket(TicketCommand::Issue { .. }) => ("ticket issue", Roles(ADMIN)),
        Command::Ticket(TicketCommand::Verify { .. }) => ("ticket verify", Open),
        Command::Ticket(TicketCommand::Render { .. }) => ("ticket render", Open),
        Command::Journal(JournalCommand::List { .. }) => ("journal list", Open),
        Command::Journal(JournalCommand::Replay { .. }) => ("journal replay", Roles(ADMIN_OR_TECHNICIAN)),
        Command::Journal(JournalCommand::Drill { .. }) => ("journal drill", Roles(ADMIN_OR_TECHNICIAN)),
        Command::Shift(_) => ("shift report", ShiftOwner),
        Command::Sim(_) => ("sim traffic", Roles(ADMIN_OR_TECHNICIAN)),
        Command::Device(DeviceCommand::Monitor { .. }) => ("device monitor", Open),
        // It pulses the barrier and prints.
        Command::Device(DeviceCommand::Test { .. }) => ("device test", Roles(ADMIN_OR_TECHNICIAN)),
        Command::SiteKey(SiteKeyCommand::Show) => ("site-key show", Open),
        // There is no supervisor role: an admin declares and ends an emergency.
        Command::Emergency(EmergencyCommand::Start { .. }) => ("emergency start", Roles(ADMIN)),
        Command::Emergency(EmergencyCommand::End) => ("emergency end", Roles(ADMIN)),
        Command::Emergency(EmergencyCommand::Status { .. }) => ("emergency status", Open),
        Command::SiteKey(SiteKeyCommand::Export { .. }) => ("site-key export", Roles(ADMIN)),
        Command::SiteKey(SiteKeyCommand::Import { .. }) => ("site-key import", Roles(ADMIN)),
        Command::Replication(_) => ("replication publish", Roles(ADMIN)),
        Command::Hq(HqCommand::Migrate { .. }) => ("hq migrate", Roles(ADMIN)),
        Command::Hq(HqCommand::AddSite { .. }) => ("hq add-site", Roles(ADMIN)),
        Command::Hq(HqCommand::RemoveSite { .. }) => ("hq remove-site", Roles(ADMIN)),
        Command::Hq(HqCommand::ResyncSite { .. }) => ("hq resync-site", Roles(ADMIN)),
        Command::Hq(HqCommand::Status { .. }) => ("hq status", Roles(ADMIN)),
    }
}

/// Who runs a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operator {
    /// A read-only diagnostic: nobody was asked.
    Anyone,
    /// The database has no operator yet (a fresh install): anything may run.
    Bootstrap,
    /// An operator who passed `--as` with the right password and role.
    User(User),
}

impl Operator {
    /// The name audit lines carry.
    pub fn audit_name(&self) -> &str {
        match self {
            Operator::Anyone => "cli",
            Operator::Bootstrap => "bootstrap",
            Operator::User(user) => &user.username,
        }
    }

    /// True for an admin or the bootstrap of a fresh install.
    pub fn is_admin(&self) -> bool {
        match self {
            Operator::Anyone => false,
            Operator::Bootstrap => true,
            Operator::User(user) => user.role == Role::Admin,
        }
    }

    /// The account, when an operator logged in.
    pub fn user(&self) -> Option<&User> {
        match self {
            Operator::User(user) => Some(user),
            _ => None,
        }
    }

    /// The user an admin action runs as: the account, or on a fresh install (no operator
    /// yet) the bootstrap acting as the admin it will make.
    pub fn acting_user(&self) -> User {
        match self.user() {
            Some(user) => user.clone(),
            None => User {
                id: uuid::Uuid::nil(),
                username: self.audit_name().to_string(),
                full_name: self.audit_name().to_string(),
                role: if self.is_admin() { Role::Admin } else { Role::Guard },
                password_hash: String::new(),
                active: true,
                failed_attempts: 0,
                locked_until: None,
                created_at: chrono::Utc::now(),
            },
        }
    }
}

/// Why a command may not run: printed as is, exit code [`REFUSED_EXIT_CODE`].
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// No `--as` while operators exist.
    #[error(
        "`gardu {command}` needs {roles}: pass --as USER with such an account (the password comes \
         from {PASSWORD_ENV} or is asked on the terminal)"
    )]
    NoOperator {
        /// The command as typed.
        command: String,
        /// "an admin", "an admin or a technician" …
        roles: String,
    },
    /// The operator's role is not one the command allows.
    #[error("`gardu {command}` needs {roles}; {user} is a {role}. Pass --as USER with such an account")]
    WrongRole {
        /// The command as typed.
        command: String,
        /// What it needs.
        roles: String,
        /// Who tried.
        user: String,
        /// Their role.
        role: &'static str,
    },
    /// Wrong password, locked or switched-off account.
    #[error("{0}")]
    Login(String),
    /// A cashier asked for another cashier's shift.
    #[error("shift {shift} belongs to {owner}: only they or an admin may read its report (pass --as USER)")]
    NotYourShift {
        /// The shift.
        shift: uuid::Uuid,
        /// Its cashier.
        owner: String,
    },
    /// No password could be read.
    #[error("no password for {0}: set {PASSWORD_ENV} or run the command on a terminal")]
    NoPassword(String),
}

/// "an admin", "an admin or a technician", in the order given.
pub fn roles_text(roles: &[Role]) -> String {
    let names: Vec<String> = roles
        .iter()
        .map(|role| {
            let name = role.as_str();
            let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
            format!("{article} {name}")
        })
        .collect();
    names.join(" or ")
}

/// The password of `--as USER`: `GARDU_PASSWORD`, else asked on the terminal; never an argument.
fn read_password(username: &str) -> Result<String, Refusal> {
    if let Ok(password) = std::env::var(PASSWORD_ENV) {
        return Ok(password);
    }
    if !std::io::stdin().is_terminal() && !std::io::stderr().is_terminal() {
        return Err(Refusal::NoPassword(username.to_string()));
    }
    rpassword::prompt_password(format!("Password for {username}: "))
        .map_err(|_| Refusal::NoPassword(username.to_string()))
}

/// Checks that whoever runs `command` may, before it touches anything. A refusal is an error
/// holding a [`Refusal`] (exit code 3); other errors (the database cannot be reached) are
/// failures.
pub fn authorize(command: &Command, ctx: &Context, as_user: Option<&str>) -> anyhow::Result<Operator> {
    let (name, access) = access(command);
    let roles = match access {
        Access::Open => return Ok(Operator::Anyone),
        Access::Roles(roles) => roles,
        Access::ShiftOwner => ADMIN_OR_CASHIER,
    };
    let store = ctx.open_store()?;
    authorize_on(store.as_ref(), name, ctx, roles, as_user, &|user| read_password(user))
}

/// [`authorize`] on an open store with the password source given (tests).
pub fn authorize_on(
    store: &dyn Store,
    name: &str,
    ctx: &Context,
    roles: &[Role],
    as_user: Option<&str>,
    password: &dyn Fn(&str) -> Result<String, Refusal>,
) -> anyhow::Result<Operator> {
    let users = store.list_users().context("reading the operators")?;
    if users.is_empty() {
        return Ok(Operator::Bootstrap);
    }
    let Some(username) = as_user else {
        return Err(Refusal::NoOperator { command: name.to_string(), roles: roles_text(roles) }.into());
    };
    let password = password(username)?;
    let audit = AuditContext { site: ctx.config.site.code.clone(), booth: "cli".into() };
    // A role the command does not allow is audited as a refused login, like at a booth.
    match auth::login(store, &SystemClock, &audit, username, &password, roles) {
        Ok(user) => Ok(Operator::User(user)),
        Err(LoginError::RoleNotAllowed { role }) => Err(Refusal::WrongRole {
            command: name.to_string(),
            roles: roles_text(roles),
            user: username.trim().to_lowercase(),
            role: role.as_str(),
        }
        .into()),
        Err(LoginError::Store(err)) => Err(anyhow::Error::new(err).context("checking the operator")),
        Err(err) => Err(Refusal::Login(err.to_string()).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn access_of(args: &[&str]) -> Access {
        let mut full = vec!["gardu"];
        full.extend(args);
        let cli = super::super::Cli::try_parse_from(full).unwrap();
        let (name, access) = access(&cli.command.unwrap());
        assert!(name.split(' ').zip(args).all(|(word, arg)| word == *arg), "{name} for {args:?}");
        access
    }

    #[test]
    fn the_table_matches_the_issue() {
        let cases: &[(&[&str], Access)] = &[
            (&["user", "add", "--username", "x", "--role", "admin"], Access::Roles(ADMIN)),
            (&["user", "unlock", "x"], Access::Roles(ADMIN)),
            (&["user", "list"], Access::Roles(ADMIN)),
            (
                &["export", "visits", "--from", "2026-01-01", "--to", "2026-01-02", "--out", "x"],
                Access::Roles(ADMIN),
            ),
            (&["ticket", "issue", "--class", "MBL"], Access::Roles(ADMIN)),
            (&["journal", "replay"], Access::Roles(ADMIN_OR_TECHNICIAN)),
            (&["shift", "report", "00000000-0000-0000-0000-000000000000"], Access::ShiftOwner),
            (&["db", "migrate"], Access::Roles(ADMIN)),
            (&["sim", "traffic", "--vehicles", "3"], Access::Roles(ADMIN_OR_TECHNICIAN)),
            (&["db", "seed-demo", "--visits", "3"], Access::Roles(ADMIN_OR_TECHNICIAN)),
            (&["site-key", "export", "--out", "k"], Access::Roles(ADMIN)),
            (&["site-key", "import", "k"], Access::Roles(ADMIN)),
            (&["replication", "publish"], Access::Roles(ADMIN)),
            (&["hq", "migrate"], Access::Roles(ADMIN)),
            (&["hq", "add-site", "JKT-MALL-01", "--url", "postgres://h/db"], Access::Roles(ADMIN)),
            (&["hq", "remove-site", "JKT-MALL-01"], Access::Roles(ADMIN)),
            (&["hq", "resync-site", "JKT-MALL-01"], Access::Roles(ADMIN)),
            (&["hq", "status", "--json"], Access::Roles(ADMIN)),
            (&["fee", "--class", "MBL", "--minutes", "3"], Access::Open),
            (&["ticket", "verify", "X"], Access::Open),
            (&["ticket", "render", "X", "--out", "t.png"], Access::Open),
            (&["receipt", "render", "--class", "MBL", "--minutes", "3", "--out", "r.png"], Access::Open),
            (&["ports"], Access::Open),
            (&["device", "monitor", "/dev/ttyS0"], Access::Open),
            (&["journal", "list"], Access::Open),
            (&["db", "check"], Access::Open),
            (&["site-key", "show"], Access::Open),
        ];
        for (args, expected) in cases {
            assert_eq!(access_of(args), *expected, "{args:?}");
        }
    }

    #[test]
    fn bootstrap_then_operators_with_the_right_role_and_password() {
        use crate::auth::{Hasher, NewUser};
        use crate::store::sqlite::SqliteStore;
        let store = SqliteStore::open_in_memory().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let ctx = Context::resolve(None, Some(dir.path())).unwrap();
        let typed = |password: &'static str| move |_: &str| Ok::<_, Refusal>(password.to_string());
        let check = |as_user: Option<&str>, password: &'static str| {
            authorize_on(&store, "user add", &ctx, ADMIN, as_user, &typed(password))
        };
        assert_eq!(check(None, "").unwrap(), Operator::Bootstrap, "a fresh install runs anything");
        let audit = AuditContext { site: "SITE-01".into(), booth: "cli".into() };
        for (username, role) in [("admin", Role::Admin), ("kasir1", Role::Cashier)] {
            let new = NewUser { username, full_name: username, role, password: "rahasia-123" };
            auth::create_user(&store, &SystemClock, &Hasher::for_tests(), &audit, &new, "bootstrap").unwrap();
        }
        let refusal = |result: anyhow::Result<Operator>| result.unwrap_err().downcast::<Refusal>().unwrap();
        assert!(matches!(refusal(check(None, "")), Refusal::NoOperator { .. }));
        assert!(matches!(
            refusal(check(Some("kasir1"), "rahasia-123")),
            Refusal::WrongRole { role: "cashier", .. }
        ));
        assert!(matches!(refusal(check(Some("admin"), "salah-123")), Refusal::Login(_)));
        let admin = check(Some("admin"), "rahasia-123").unwrap();
        assert_eq!(admin.audit_name(), "admin");
        assert!(admin.is_admin());
        assert_eq!(
            store.user_by_username("admin").unwrap().unwrap().failed_attempts,
            0,
            "a success resets the count"
        );
    }

    #[test]
    fn role_lists_read_as_english() {
        assert_eq!(roles_text(ADMIN), "an admin");
        assert_eq!(roles_text(ADMIN_OR_TECHNICIAN), "an admin or a technician");
        assert_eq!(roles_text(ADMIN_OR_CASHIER), "an admin or a cashier");
    }
}
