//! An owned "who is acting" that a background task can carry, lending an [`Acting`] per call.

use std::sync::Arc;

use super::Acting;
use crate::auth::AuditContext;
use crate::clock::Clock;
use crate::store::{Store, User};

/// The acting user with the store, clock and audit place, owned so it can move to a thread.
#[derive(Clone)]
pub struct Actor {
    /// The logged-in user.
    pub user: User,
    /// The database.
    pub store: Arc<dyn Store>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Site and booth for the audit log.
    pub audit: AuditContext,
}

impl Actor {
    /// The [`Acting`] the admin functions take.
    pub fn acting(&self) -> Acting<'_> {
        Acting {
            user: &self.user,
            store: self.store.as_ref(),
            clock: self.clock.as_ref(),
            audit: self.audit.clone(),
        }
    }
}
