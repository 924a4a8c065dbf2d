//! Operator accounts: create, deactivate, role changes, password resets, unlock — admin only,
//! audited, and never leaving the site without an active admin.

use serde_json::json;

use super::{Acting, AdminError};
use crate::auth::{self, Hasher, NewUser};
use crate::store::{Role, User};

const ADMINS: &[Role] = &[Role::Admin];

/// Creates an account.
pub fn create(acting: &Acting<'_>, hasher: &Hasher, new: &NewUser<'_>) -> Result<User, AdminError> {
    acting.require("create users", ADMINS)?;
    Ok(auth::create_user(acting.store, acting.clock, hasher, &acting.audit, new, &acting.user.username)?)
}

/// Switches an account on or off. The last active admin cannot be switched off.
pub fn set_active(acting: &Acting<'_>, username: &str, active: bool) -> Result<User, AdminError> {
    acting.require("switch accounts on or off", ADMINS)?;
    let mut user = find(acting, username)?;
    if !active && user.role == Role::Admin && user.active && active_admins(acting)? <= 1 {
        return Err(AdminError::LastAdmin);
    }
    user.active = active;
    acting.store.update_user(&user)?;
    acting.audit(
        if active { "user_activated" } else { "user_deactivated" },
        json!({ "username": user.username }),
    )?;
    Ok(user)
}

/// Changes an account's role. The last active admin keeps the admin role.
pub fn set_role(acting: &Acting<'_>, username: &str, role: Role) -> Result<User, AdminError> {
    acting.require("change roles", ADMINS)?;
    let mut user = find(acting, username)?;
    if user.role == Role::Admin && role != Role::Admin && user.active && active_admins(acting)? <= 1 {
        return Err(AdminError::LastAdmin);
    }
    let before = user.role;
    user.role = role;
    acting.store.update_user(&user)?;
    acting.audit(
        "role_changed",
        json!({ "username": user.username, "from": before.as_str(), "to": role.as_str() }),
    )?;
    Ok(user)
}

/// Sets a new password (the user is told it by the admin) and lifts any lock.
pub fn reset_password(
    acting: &Acting<'_>,
    hasher: &Hasher,
    username: &str,
    password: &str,
) -> Result<User, AdminError> {
    acting.require("reset passwords", ADMINS)?;
    let user = auth::set_password(
        acting.store,
        acting.clock,
        hasher,
        &acting.audit,
        username,
        password,
        &acting.user.username,
    )?;
    Ok(auth::unlock(acting.store, acting.clock, &acting.audit, &user.username, &acting.user.username)?)
}

/// Lifts a lockout.
pub fn unlock(acting: &Acting<'_>, username: &str) -> Result<User, AdminError> {
    acting.require("unlock accounts", ADMINS)?;
    Ok(auth::unlock(acting.store, acting.clock, &acting.audit, username, &acting.user.username)?)
}

fn find(acting: &Acting<'_>, username: &str) -> Result<User, AdminError> {
    acting
        .store
        .user_by_username(username)?
        .ok_or_else(|| AdminError::Invalid(format!("there is no user named {username}")))
}

fn active_admins(acting: &Acting<'_>) -> Result<usize, AdminError> {
    Ok(acting.store.list_users()?.iter().filter(|u| u.active && u.role == Role::Admin).count())
}
