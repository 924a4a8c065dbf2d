//! Operator accounts and member cards in SQLite.

use rusqlite::{Connection, ErrorCode, OptionalExtension, Row, TransactionBehavior, params};

use super::codec::{self, bad_value, ms, uuid_text};
use crate::domain::plate::search_key;
use crate::store::{Member, Role, StoreError, StoreResult, User};

const USER_COLUMNS: &str = "id, username, full_name, role, password_hash, active, \
     failed_attempts, locked_until, created_at";

fn user_from_row(row: &Row<'_>) -> rusqlite::Result<User> {
    let role: String = row.get(3)?;
    Ok(User {
        id: codec::uuid(row, 0)?,
        username: row.get(1)?,
        full_name: row.get(2)?,
        role: Role::parse(&role)
            .ok_or_else(|| bad_value(3, rusqlite::types::Type::Text, format!("unknown role {role:?}")))?,
        password_hash: row.get(4)?,
        active: row.get(5)?,
        failed_attempts: codec::u32_at(row, 6)?,
        locked_until: codec::opt_time(row, 7)?,
        created_at: codec::time(row, 8)?,
    })
}

/// The stored form of a username: trimmed, lower case.
fn username_key(username: &str) -> String {
    username.trim().to_lowercase()
}

fn is_constraint(err: &rusqlite::Error) -> bool {
    matches!(err, rusqlite::Error::SqliteFailure(failure, _)
        if failure.code == ErrorCode::ConstraintViolation)
}

pub(super) fn create_user(conn: &Connection, user: &User) -> StoreResult<()> {
    let username = username_key(&user.username);
    let result = conn
        .prepare_cached(
            "INSERT INTO users (id, username, full_name, role, password_hash, active,
                 failed_attempts, locked_until, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            uuid_text(user.id),
            username,
            user.full_name,
            user.role.as_str(),
            user.password_hash,
            user.active,
            user.failed_attempts,
            user.locked_until.map(ms),
            ms(user.created_at),
        ]);
    match result {
        Ok(_) => Ok(()),
        Err(err) if is_constraint(&err) => Err(StoreError::Duplicate(format!("user {username}"))),
        Err(err) => Err(err.into()),
    }
}

pub(super) fn update_user(conn: &mut Connection, user: &User) -> StoreResult<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current = tx
        .prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"))?
        .query_row([uuid_text(user.id)], user_from_row)
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("user {}", user.username)))?;
    let stays_admin = user.active && user.role == Role::Admin;
    if current.active && current.role == Role::Admin && !stays_admin {
        let other_admins: i64 = tx.query_row(
            "SELECT count(*) FROM users WHERE role = 'admin' AND active = 1 AND id <> ?1",
            [uuid_text(user.id)],
            |row| row.get(0),
        )?;
        if other_admins == 0 {
            return Err(StoreError::Refused(format!(
                "{} is the last active admin; make another admin first",
                current.username
            )));
        }
    }
    tx.prepare_cached(
        "UPDATE users SET full_name = ?2, role = ?3, password_hash = ?4, active = ?5,
             failed_attempts = ?6, locked_until = ?7
         WHERE id = ?1",
    )?
    .execute(params![
        uuid_text(user.id),
        user.full_name,
        user.role.as_str(),
        user.password_hash,
        user.active,
        user.failed_attempts,
        user.locked_until.map(ms),
    ])?;
    tx.commit()?;
    Ok(())
}

pub(super) fn user_by_username(conn: &Connection, username: &str) -> StoreResult<Option<User>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users WHERE username = ?1"))?
        .query_row([username_key(username)], user_from_row)
        .optional()?)
}

pub(super) fn list_users(conn: &Connection) -> StoreResult<Vec<User>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY username"))?;
    let rows = stmt.query_map([], user_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

const MEMBER_COLUMNS: &str = "card_uid, name, plate, class, valid_until, active, simulated";

fn member_from_row(row: &Row<'_>) -> rusqlite::Result<Member> {
    Ok(Member {
        card_uid: row.get(0)?,
        name: row.get(1)?,
        plate: row.get(2)?,
        class: codec::class(row, 3)?,
        valid_until: codec::day(row, 4)?,
        active: row.get(5)?,
        simulated: row.get(6)?,
    })
}

/// Card uids are compared in the readers' form: trimmed, upper-case hex.
fn card_key(card_uid: &str) -> String {
    card_uid.trim().to_ascii_uppercase()
}

pub(super) fn save_member(conn: &Connection, member: &Member) -> StoreResult<()> {
    let plate_key = member.plate.as_deref().map(search_key).filter(|key| !key.is_empty());
    conn.prepare_cached(
        "INSERT INTO members (card_uid, name, plate, plate_key, class, valid_until, active, simulated)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (card_uid) DO UPDATE SET
             name = excluded.name, plate = excluded.plate, plate_key = excluded.plate_key,
             class = excluded.class, valid_until = excluded.valid_until, active = excluded.active,
             simulated = excluded.simulated",
    )?
    .execute(params![
        card_key(&member.card_uid),
        member.name,
        member.plate,
        plate_key,
        member.class.as_str(),
        codec::day_text(member.valid_until),
        member.active,
        member.simulated,
    ])?;
    Ok(())
}

pub(super) fn member_by_card(conn: &Connection, card_uid: &str) -> StoreResult<Option<Member>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {MEMBER_COLUMNS} FROM members WHERE card_uid = ?1"))?
        .query_row([card_key(card_uid)], member_from_row)
        .optional()?)
}

pub(super) fn list_members(conn: &Connection, search: &str) -> StoreResult<Vec<Member>> {
    let search = search.trim();
    // An empty key (search text without letters or digits) must not match every plate.
    let key = Some(search_key(search)).filter(|key| !key.is_empty());
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {MEMBER_COLUMNS} FROM members
         WHERE ?1 = ''
            OR instr(lower(name), lower(?1)) > 0
            OR instr(lower(coalesce(plate, '')), lower(?1)) > 0
            OR instr(card_uid, upper(?1)) > 0
            OR instr(plate_key, ?2) > 0
         ORDER BY name, card_uid"
    ))?;
    let rows = stmt.query_map(params![search, key], member_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
