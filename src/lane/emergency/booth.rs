//! Declaring and ending an emergency from a console (a booth or the admin console): an admin
//! re-enters their password there. A booth cut off from the database declares a **local**
//! emergency of its own: it opens this booth's barriers at once, is journaled like every other
//! record, and is replayed into the site's history when the database is back.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::state::EmergencyState;
use super::{Actor, EmergencyError, audit, checked_reason, declare, end};
use crate::auth::{self, AuditContext, LoginError};
use crate::clock::Clock;
use crate::journal::{Journal, JournalPayload};
use crate::store::{Emergency, Origin, Role, Store};

/// Who may declare or end an emergency.
pub const EMERGENCY_ROLES: [Role; 1] = [Role::Admin];

/// Where a console declares or ends an emergency.
pub struct Console<'a> {
    /// The console's store.
    pub store: &'a dyn Store,
    /// Where logins are checked while the database cannot be reached (the booth's copy).
    pub offline_login: &'a dyn Store,
    /// A booth with barriers may declare a local emergency when the database cannot be
    /// reached; the admin console, with none, may not.
    pub allow_local: bool,
    /// Where a local emergency is kept while the database cannot be reached.
    pub journal: &'a Journal,
    /// The console's view of the emergency (its barriers follow it).
    pub state: &'a EmergencyState,
    /// The time source.
    pub clock: &'a dyn Clock,
    /// Site code.
    pub site: &'a str,
    /// This booth's code (`ADM1` for the admin console).
    pub booth: &'a str,
}

/// What a declaration did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Declared {
    /// Every booth of the site hears of it.
    Site(Emergency),
    /// The database could not be reached: this booth holds its own barriers open, and the
    /// emergency is journaled for the site's history.
    Local(Emergency),
}

impl Declared {
    /// The emergency declared.
    pub fn emergency(&self) -> &Emergency {
        match self {
            Declared::Site(emergency) | Declared::Local(emergency) => emergency,
        }
    }
}

/// Why a console could not declare or end an emergency.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// The admin's name or password was refused.
    #[error(transparent)]
    Login(#[from] LoginError),
    /// The reason, or the database, refused.
    #[error(transparent)]
    Emergency(#[from] EmergencyError),
    /// Neither the database nor the journal took it.
    #[error("the emergency could not be recorded anywhere ({0}): open the barriers by hand")]
    NotSaved(String),
}

impl Console<'_> {
    /// An admin declares an emergency here with their password. Site-wide when the database
    /// answers; local (this booth, journaled) when it cannot be reached.
    pub fn declare(
        &self,
        username: &str,
        password: &str,
        reason: &str,
        id: Uuid,
    ) -> Result<Declared, ConsoleError> {
        let reason = checked_reason(reason)?;
        let actor = self.actor(username, password)?;
        let now = self.clock.now();
        match declare(self.store, &actor, &reason, id, now) {
            Ok(emergency) => {
                self.state.set(Some(emergency.clone()));
                Ok(Declared::Site(emergency))
            }
            Err(EmergencyError::Store(err)) if err.goes_to_journal() && self.allow_local => {
                tracing::warn!("the database cannot be reached ({err}): local emergency at {}", self.booth);
                let emergency = Emergency {
                    id,
                    site: self.site.to_string(),
                    started_at: now,
                    started_by: actor.username.clone(),
                    booth: self.booth.to_string(),
                    reason,
                    ended_at: None,
                    ended_by: None,
                    origin: Origin::Journal,
                };
                self.keep_local(&actor, "emergency_start", &emergency, now)?;
                self.state.set_local(Some(emergency.clone()));
                Ok(Declared::Local(emergency))
            }
            Err(err) => Err(err.into()),
        }
    }

    /// An admin ends the emergency here with their password: this booth's local one (journaled
    /// again, ended), else the site's.
    pub fn end(&self, username: &str, password: &str) -> Result<Emergency, ConsoleError> {
        let actor = self.actor(username, password)?;
        let now = self.clock.now();
        if let Some(local) = self.state.local() {
            let site_knows =
                matches!(self.store.active_emergency(self.site), Ok(Some(open)) if open.id == local.id);
            if !site_knows {
                let ended =
                    Emergency { ended_at: Some(now), ended_by: Some(actor.username.clone()), ..local };
                self.keep_local(&actor, "emergency_end", &ended, now)?;
                self.state.set_local(None);
                return Ok(ended);
            }
        }
        let ended = end(self.store, &actor, now)?;
        self.state.set(None);
        if self.state.local().is_some_and(|local| local.id == ended.id) {
            self.state.set_local(None);
        }
        Ok(ended)
    }

    fn actor(&self, username: &str, password: &str) -> Result<Actor, ConsoleError> {
        let ctx = AuditContext { site: self.site.to_string(), booth: self.booth.to_string() };
        let user = match auth::login(self.store, self.clock, &ctx, username, password, &EMERGENCY_ROLES) {
            Err(LoginError::Store(err)) if err.goes_to_journal() => {
                auth::login(self.offline_login, self.clock, &ctx, username, password, &EMERGENCY_ROLES)?
            }
            other => other?,
        };
        Ok(Actor { site: self.site.to_string(), booth: self.booth.to_string(), username: user.username })
    }

    /// Journals the local emergency's state and its audit line.
    fn keep_local(
        &self,
        actor: &Actor,
        action: &str,
        emergency: &Emergency,
        now: DateTime<Utc>,
    ) -> Result<(), ConsoleError> {
        self.journal
            .write(JournalPayload::Emergency(emergency.clone()), None, now)
            .map_err(|err| ConsoleError::NotSaved(err.to_string()))?;
        let line = JournalPayload::Audit { id: Uuid::new_v4(), audit: audit(actor, action, emergency, now) };
        if let Err(err) = self.journal.write(line, None, now) {
            // The emergency's own record carries who and when: the audit line adds nothing lost.
            tracing::warn!("{action} audit line not journaled: {err}");
        }
        Ok(())
    }
}

/// This booth's local emergency still waiting in its journal and not ended there, if any: a
/// booth restarted during one holds its barriers open again.
pub fn pending_local(journal: &Journal, booth: &str) -> Option<Emergency> {
    let files = match journal.pending_files() {
        Ok(files) => files,
        Err(err) => {
            tracing::warn!("the journal cannot be listed for a local emergency: {err}");
            return None;
        }
    };
    let mut latest: Option<(DateTime<Utc>, Emergency)> = None;
    for file in files.iter().filter(|f| f.name_place().is_some_and(|(kind, _)| kind == "emergency")) {
        let Ok(item) = file.read() else { continue };
        let JournalPayload::Emergency(emergency) = item.record.payload else { continue };
        if item.record.booth != booth {
            continue;
        }
        let newer = match &latest {
            Some((at, known)) if known.id == emergency.id => item.created_at >= *at && known.active(),
            Some((at, _)) => item.created_at > *at,
            None => true,
        };
        if newer {
            latest = Some((item.created_at, emergency));
        }
    }
    latest.map(|(_, emergency)| emergency).filter(Emergency::active)
}
