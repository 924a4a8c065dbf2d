//! Operator login: argon2id password hashes, lockout after repeated failures, audit trail.
//!
//! Works over any [`Store`], so a booth logs operators in the same way against SQLite,
//! PostgreSQL or its offline cache. Passwords never leave this module: only PHC hash strings
//! are stored and nothing password-like is written to the audit log.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{DateTime, Duration, Utc};
use rand::TryRngCore;
use rand::rngs::OsRng;
use serde_json::json;
use uuid::Uuid;

use crate::clock::Clock;
use crate::store::{AuditRecord, Role, Store, StoreError, User};

/// Wrong passwords in a row that lock an account.
pub const MAX_FAILED_ATTEMPTS: u32 = 5;
/// How long a lock lasts, in minutes.
pub const LOCKOUT_MINUTES: i64 = 5;
/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Makes argon2id PHC hash strings with chosen cost parameters.
///
/// The parameters travel inside each hash string, so [`verify_password`] checks any hash no
/// matter which `Hasher` made it.
#[derive(Debug, Clone)]
pub struct Hasher {
    params: Params,
}

impl Default for Hasher {
    /// The argon2 crate's recommended parameters (19 MiB, 2 passes, 1 lane).
    fn default() -> Self {
        Self::new(Params::DEFAULT)
    }
}

impl Hasher {
    /// A hasher with these cost parameters.
    pub fn new(params: Params) -> Self {
        Self { params }
    }

    /// Cheap parameters (1 MiB, 1 pass) so test suites stay fast. Never for real accounts.
    pub fn for_tests() -> Self {
        Self::new(Params::new(1024, 1, 1, None).unwrap_or(Params::DEFAULT))
    }

    /// Hashes a password with a fresh random salt.
    pub fn hash(&self, password: &str) -> Result<String, AuthError> {
        let mut salt = [0u8; 16];
        OsRng
            .try_fill_bytes(&mut salt)
            .map_err(|err| AuthError::Hash(format!("no random numbers for the salt: {err}")))?;
        let salt = SaltString::encode_b64(&salt).map_err(|err| AuthError::Hash(err.to_string()))?;
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|err| AuthError::Hash(err.to_string()))
    }
}

/// Hashes a password with the production parameters.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    Hasher::default().hash(password)
}

/// True when `password` matches the PHC `hash`; a malformed hash never matches.
pub fn verify_password(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A production-cost hash to check against when the username is unknown, so the answer takes
/// as long as for a real account and its timing does not reveal which usernames exist.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_password("gardu decoy password").unwrap_or_default())
}

/// True for a valid login name: 3–32 characters of `a–z`, `0–9`, `.`, `_`, `-`.
pub fn valid_username(username: &str) -> bool {
    (3..=32).contains(&username.len())
        && username.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

/// Where an action happens, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditContext {
    /// Site code.
    pub site: String,
    /// Booth code, or `cli` / `admin`.
    pub booth: String,
}

/// Why a login was refused. Each message tells the operator what to do next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginError {
    /// No such username. Worded exactly like [`LoginError::WrongPassword`] on purpose.
    #[error(
        "Wrong username or password. Check both and try again: {MAX_FAILED_ATTEMPTS} wrong \
         tries in a row lock the account for {LOCKOUT_MINUTES} minutes."
    )]
    UnknownUser,
    /// The password does not match.
    #[error(
        "Wrong username or password. Check both and try again: {MAX_FAILED_ATTEMPTS} wrong \
         tries in a row lock the account for {LOCKOUT_MINUTES} minutes."
    )]
    WrongPassword {
        /// Tries left before the lock; for screens that may show it (e.g. an admin's own).
        attempts_left: u32,
    },
    /// The account is switched off.
    #[error("This account is switched off. Ask an admin to switch it on.")]
    Inactive,
    /// Too many wrong passwords.
    #[error(
        "Too many wrong passwords: this account is locked for {minutes_left} more minute(s). \
         Wait, or ask an admin to unlock it."
    )]
    Locked {
        /// When the lock ends by itself.
        until: DateTime<Utc>,
        /// Whole minutes until then, rounded up.
        minutes_left: i64,
    },
    /// The user's role may not work at this booth.
    #[error(
        "A {} account cannot work at this booth. Log in at a booth for your role, or ask an \
         admin.", .role.as_str()
    )]
    RoleNotAllowed {
        /// The user's role.
        role: Role,
    },
    /// The database could not be asked.
    #[error("Login is not possible right now ({0}). Try again, or call the technician.")]
    Store(#[from] StoreError),
}

/// Why an account change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The username breaks the naming rule.
    #[error(
        "username {0:?} must be 3 to 32 characters: small letters, digits, dot, dash or \
         underscore"
    )]
    InvalidUsername(String),
    /// The password is too short.
    #[error("the password must have at least {MIN_PASSWORD_CHARS} characters")]
    WeakPassword,
    /// The full name is blank.
    #[error("the full name cannot be empty")]
    EmptyName,
    /// No user has that username.
    #[error("there is no user named {0}")]
    UnknownUser(String),
    /// Hashing failed (no randomness, bad parameters).
    #[error("the password could not be hashed: {0}")]
    Hash(String),
    /// The database refused or could not be reached.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A new account as an admin types it.
#[derive(Debug, Clone, Copy)]
pub struct NewUser<'a> {
    /// Login name (upper case is folded to lower case).
    pub username: &'a str,
    /// Name shown on screens and receipts.
    pub full_name: &'a str,
    /// What the user may do.
    pub role: Role,
    /// The first password.
    pub password: &'a str,
}

fn audit(
    store: &dyn Store,
    ctx: &AuditContext,
    time: DateTime<Utc>,
    username: Option<&str>,
    action: &str,
    detail: serde_json::Value,
) -> Result<(), StoreError> {
    store.append_audit(&AuditRecord {
        time,
        site: ctx.site.clone(),
        booth: ctx.booth.clone(),
        username: username.map(str::to_string),
        action: action.to_string(),
        detail,
    })
}

fn locked(until: DateTime<Utc>, now: DateTime<Utc>) -> LoginError {
    let seconds = (until - now).num_seconds().max(0);
    LoginError::Locked { until, minutes_left: (seconds + 59) / 60 }
}

/// Checks a username and password and returns the user when they may work at this booth.
///
/// Locks the account for [`LOCKOUT_MINUTES`] after [`MAX_FAILED_ATTEMPTS`] wrong passwords in
/// a row; a success resets the count and an expired lock lifts itself. Every attempt is
/// audited as `login`, `login_failed` or `lockout`.
pub fn login(
    store: &dyn Store,
    clock: &dyn Clock,
    ctx: &AuditContext,
    username: &str,
    password: &str,
    allowed_roles: &[Role],
) -> Result<User, LoginError> {
    let now = clock.now();
    let key = username.trim().to_lowercase();
    let Some(mut user) = store.user_by_username(&key)? else {
        let _ = verify_password(decoy_hash(), password);
        // Only a well-formed name is logged: a password typed into the username box is not.
        let detail = if valid_username(&key) {
            json!({ "reason": "unknown_user", "username": key })
        } else {
            json!({ "reason": "unknown_user" })
        };
        audit(store, ctx, now, None, "login_failed", detail)?;
        return Err(LoginError::UnknownUser);
    };
    let name = user.username.clone();
    if let Some(until) = user.locked_until {
        if until > now {
            audit(
                store,
                ctx,
                now,
                Some(&name),
                "login_failed",
                json!({ "reason": "locked", "locked_until": until }),
            )?;
            return Err(locked(until, now));
        }
        user.locked_until = None;
        user.failed_attempts = 0;
        store.update_user(&user)?;
    }
    if !verify_password(&user.password_hash, password) {
        user.failed_attempts = user.failed_attempts.saturating_add(1);
        let lock =
            (user.failed_attempts >= MAX_FAILED_ATTEMPTS).then(|| now + Duration::minutes(LOCKOUT_MINUTES));
        user.locked_until = lock;
        store.update_user(&user)?;
        audit(
            store,
            ctx,
            now,
            Some(&name),
            "login_failed",
            json!({ "reason": "wrong_password", "failed_attempts": user.failed_attempts }),
        )?;
        return match lock {
            Some(until) => {
                audit(
                    store,
                    ctx,
                    now,
                    Some(&name),
                    "lockout",
                    json!({ "failed_attempts": user.failed_attempts, "locked_until": until }),
                )?;
                Err(locked(until, now))
            }
            None => {
                Err(LoginError::WrongPassword { attempts_left: MAX_FAILED_ATTEMPTS - user.failed_attempts })
            }
        };
    }
    // Checked only after the password, so a stranger learns nothing about the account.
    if !user.active {
        audit(store, ctx, now, Some(&name), "login_failed", json!({ "reason": "inactive" }))?;
        return Err(LoginError::Inactive);
    }
    if !allowed_roles.contains(&user.role) {
        audit(
            store,
            ctx,
            now,
            Some(&name),
            "login_failed",
            json!({ "reason": "role_not_allowed", "role": user.role }),
        )?;
        return Err(LoginError::RoleNotAllowed { role: user.role });
    }
    if user.failed_attempts != 0 {
        user.failed_attempts = 0;
        store.update_user(&user)?;
    }
    audit(store, ctx, now, Some(&name), "login", json!({ "role": user.role }))?;
    Ok(user)
}

/// Lifts a lock and clears the failure count; audited as `unlock` by `by`.
pub fn unlock(
    store: &dyn Store,
    clock: &dyn Clock,
    ctx: &AuditContext,
    username: &str,
    by: &str,
) -> Result<User, AuthError> {
    let key = username.trim().to_lowercase();
    let mut user = store.user_by_username(&key)?.ok_or(AuthError::UnknownUser(key))?;
    let was_locked_until = user.locked_until;
    user.failed_attempts = 0;
    user.locked_until = None;
    store.update_user(&user)?;
    audit(
        store,
        ctx,
        clock.now(),
        Some(by),
        "unlock",
        json!({ "user": user.username, "was_locked_until": was_locked_until }),
    )?;
    Ok(user)
}

fn check_password(password: &str) -> Result<(), AuthError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AuthError::WeakPassword);
    }
    Ok(())
}

/// Validates and stores a new account; audited as `user_created` by `by`.
pub fn create_user(
    store: &dyn Store,
    clock: &dyn Clock,
    hasher: &Hasher,
    ctx: &AuditContext,
    new: &NewUser<'_>,
    by: &str,
) -> Result<User, AuthError> {
    let username = new.username.trim().to_lowercase();
    if !valid_username(&username) {
        return Err(AuthError::InvalidUsername(new.username.to_string()));
    }
    let full_name = new.full_name.trim();
    if full_name.is_empty() {
        return Err(AuthError::EmptyName);
    }
    check_password(new.password)?;
    let now = clock.now();
    let user = User {
        id: Uuid::new_v4(),
        username,
        full_name: full_name.to_string(),
        role: new.role,
        password_hash: hasher.hash(new.password)?,
        active: true,
        failed_attempts: 0,
        locked_until: None,
        created_at: now,
    };
    store.create_user(&user)?;
    audit(
        store,
        ctx,
        now,
        Some(by),
        "user_created",
        json!({ "user": user.username, "role": user.role, "id": user.id }),
    )?;
    Ok(user)
}

/// Sets a new password (and lifts any lock); audited as `password_changed` by `by`.
pub fn set_password(
    store: &dyn Store,
    clock: &dyn Clock,
    hasher: &Hasher,
    ctx: &AuditContext,
    username: &str,
    password: &str,
    by: &str,
) -> Result<User, AuthError> {
    check_password(password)?;
    let key = username.trim().to_lowercase();
    let mut user = store.user_by_username(&key)?.ok_or(AuthError::UnknownUser(key))?;
    user.password_hash = hasher.hash(password)?;
    user.failed_attempts = 0;
    user.locked_until = None;
    store.update_user(&user)?;
    audit(store, ctx, clock.now(), Some(by), "password_changed", json!({ "user": user.username }))?;
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_phc_strings_with_random_salt() {
        let hasher = Hasher::for_tests();
        let first = hasher.hash("rahasia123").unwrap();
        let second = hasher.hash("rahasia123").unwrap();
        assert!(first.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{first}");
        assert_ne!(first, second, "each hash has its own salt");
        assert!(verify_password(&first, "rahasia123"));
        assert!(!verify_password(&first, "rahasia124"));
        assert!(!verify_password("not a hash", "rahasia123"));
        assert!(!verify_password("", ""));
    }

    #[test]
    fn production_hashes_carry_the_recommended_parameters() {
        let hash = hash_password("rahasia123").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(verify_password(&hash, "rahasia123"));
    }

    #[test]
    fn usernames_follow_the_naming_rule() {
        let cases = [
            ("budi", true),
            ("siti.rahma", true),
            ("op_01-b", true),
            ("ab", false),
            ("Budi", false),
            ("budi santoso", false),
            ("budi@mall", false),
            ("a234567890123456789012345678901x", true),
            ("a234567890123456789012345678901xy", false),
        ];
        for (name, expected) in cases {
            assert_eq!(valid_username(name), expected, "{name:?}");
        }
    }

    #[test]
    fn unknown_user_and_wrong_password_read_the_same() {
        assert_eq!(
            LoginError::UnknownUser.to_string(),
            LoginError::WrongPassword { attempts_left: 3 }.to_string()
        );
    }
}
