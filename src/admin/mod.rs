//! What the site admin does, with the roles enforced here rather than only by hiding buttons:
//! users, tariffs, members, site settings and exports. Every change is audited.

pub mod actor;
pub mod alerts;
pub mod closes;
pub mod export;
pub mod members;
pub mod site;
pub mod sites;
pub mod stats;
pub mod tariffs;
pub mod users;
pub mod visits;
pub mod xlsx;

use crate::auth::{AuditContext, AuthError};
use crate::clock::Clock;
use crate::config::Mode;
use crate::store::{AuditRecord, Role, Store, StoreError, User};

/// Why an admin action was refused.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The acting user's role may not do this.
    #[error("a {role} may not {action}; ask an admin")]
    NotAllowed {
        /// What was attempted.
        action: &'static str,
        /// The acting user's role.
        role: &'static str,
    },
    /// The change would leave the site without an active admin.
    #[error("this is the last active admin: make another admin first")]
    LastAdmin,
    /// A value breaks a rule; the message says which.
    #[error("{0}")]
    Invalid(String),
    /// Password or account rules.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The database refused or could not be reached.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Who is acting, where and when: every admin function takes one.
pub struct Acting<'a> {
    /// The logged-in user.
    pub user: &'a User,
    /// The database.
    pub store: &'a dyn Store,
    /// Time.
    pub clock: &'a dyn Clock,
    /// Site and booth for the audit log.
    pub audit: AuditContext,
}

impl Acting<'_> {
    /// Refuses unless the acting user has one of `roles`.
    pub fn require(&self, action: &'static str, roles: &[Role]) -> Result<(), AdminError> {
        if self.user.active && roles.contains(&self.user.role) {
            Ok(())
        } else {
            Err(AdminError::NotAllowed { action, role: self.user.role.as_str() })
        }
    }

    /// Appends an audit line by the acting user.
    pub fn audit(&self, action: &str, detail: serde_json::Value) -> Result<(), StoreError> {
        self.store.append_audit(&AuditRecord {
            time: self.clock.now(),
            site: self.audit.site.clone(),
            booth: self.audit.booth.clone(),
            username: Some(self.user.username.clone()),
            action: action.to_string(),
            detail,
        })
    }
}

/// Which roles may log in to a booth mode: guard → entry, cashier → exit, admin → all,
/// technician → all (diagnostics and simulation; no money or users, enforced per action).
pub fn roles_for_mode(mode: Mode) -> &'static [Role] {
    match mode {
        Mode::Entry => &[Role::Guard, Role::Admin, Role::Technician],
        Mode::Exit => &[Role::Cashier, Role::Admin, Role::Technician],
        Mode::Admin | Mode::Hq => &[Role::Admin],
    }
}

/// Roles that may take money at the exit (open shifts, pay, manual open).
pub const MONEY_ROLES: &[Role] = &[Role::Cashier, Role::Admin];
