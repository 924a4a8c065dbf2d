//! Operator accounts, member cards and cashier shifts in PostgreSQL.

use chrono::{DateTime, Utc};
use postgres::Row;
use uuid::Uuid;

use super::codec::{self, bad, get};
use super::error::{Fail, PgResult, violated_constraint};
use super::pool::{Conn, Sql};
use crate::domain::Rupiah;
use crate::domain::plate::search_key;
use crate::store::{Member, Role, Shift, StoreError, User};

/// Serialises changes to accounts, so two admins demoting each other at the same moment
/// cannot both pass the "another active admin remains" check.
const USERS_LOCK: i64 = 0x6761_7264_7500_0002;

const USER_COLUMNS: &str = "id, username, full_name, role, password_hash, active, \
     failed_attempts, locked_until, created_at";

fn user_from_row(row: &Row) -> PgResult<User> {
    let role: String = get(row, 3)?;
    Ok(User {
        id: get(row, 0)?,
        username: get(row, 1)?,
        full_name: get(row, 2)?,
        role: Role::parse(&role).ok_or_else(|| bad(3, format!("unknown role {role:?}")))?,
        password_hash: get(row, 4)?,
        active: get(row, 5)?,
        failed_attempts: codec::u32_at(row, 6)?,
        locked_until: get(row, 7)?,
        created_at: get(row, 8)?,
    })
}

/// The stored form of a username: trimmed, lower case.
fn username_key(username: &str) -> String {
    username.trim().to_lowercase()
}

pub(super) fn create_user(db: &mut impl Sql, user: &User) -> PgResult<()> {
    let username = username_key(&user.username);
    let result = db.execute(
        "INSERT INTO users (id, username, full_name, role, password_hash, active, failed_attempts,
             locked_until, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            &user.id,
            &username,
            &user.full_name,
            &user.role.as_str(),
            &user.password_hash,
            &user.active,
            &i64::from(user.failed_attempts),
            &user.locked_until,
            &user.created_at,
        ],
    );
    match result {
        Ok(_) => Ok(()),
        Err(Fail::Pg(err)) if violated_constraint(&err).is_some() => {
            Err(StoreError::Duplicate(format!("user {username}")).into())
        }
        Err(err) => Err(err),
    }
}

pub(super) fn update_user(conn: &mut Conn, user: &User) -> PgResult<()> {
    let mut tx = conn.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&USERS_LOCK])?;
    let current = tx
        .query_opt(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"), &[&user.id])?
        .map(|row| user_from_row(&row))
        .transpose()?
        .ok_or_else(|| StoreError::NotFound(format!("user {}", user.username)))?;
    let stays_admin = user.active && user.role == Role::Admin;
    if current.active && current.role == Role::Admin && !stays_admin {
        let others = tx.query_one(
            "SELECT count(*) FROM users WHERE role = 'admin' AND active AND id <> $1",
            &[&user.id],
        )?;
        if codec::count_at(&others, 0)? == 0 {
            return Err(StoreError::Refused(format!(
                "{} is the last active admin; make another admin first",
                current.username
            ))
            .into());
        }
    }
    tx.execute(
        "UPDATE users SET full_name = $2, role = $3, password_hash = $4, active = $5,
             failed_attempts = $6, locked_until = $7
         WHERE id = $1",
        &[
            &user.id,
            &user.full_name,
            &user.role.as_str(),
            &user.password_hash,
            &user.active,
            &i64::from(user.failed_attempts),
            &user.locked_until,
        ],
    )?;
    tx.commit()
}

pub(super) fn user_by_username(db: &mut impl Sql, username: &str) -> PgResult<Option<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1");
    db.query_opt(&sql, &[&username_key(username)])?.map(|row| user_from_row(&row)).transpose()
}

pub(super) fn list_users(db: &mut impl Sql) -> PgResult<Vec<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY username COLLATE \"C\"");
    db.query(&sql, &[])?.iter().map(user_from_row).collect()
}

const MEMBER_COLUMNS: &str = "card_uid, name, plate, class, valid_until, active, simulated";

/// The members valid here: the site's own cards, then the cards HQ issued for this site (or for
/// all sites) that arrived through replication (`hq_members`). A card the site issued itself
/// wins over HQ's card with the same uid: the site decided about that card last.
const VISIBLE_MEMBERS: &str = "(SELECT DISTINCT ON (card_uid)
         card_uid, name, plate, plate_key, class, valid_until, active, simulated
     FROM (SELECT card_uid, name, plate, plate_key, class, valid_until, active, simulated, 0 AS source
           FROM members
           UNION ALL
           SELECT card_uid, name, plate, plate_key, class, valid_until, active, FALSE, 1
           FROM hq_members
           WHERE all_sites OR sites && ARRAY(SELECT site_code FROM replication_identity)) m
     ORDER BY card_uid, source) members";

fn member_from_row(row: &Row) -> PgResult<Member> {
    Ok(Member {
        card_uid: get(row, 0)?,
        name: get(row, 1)?,
        plate: get(row, 2)?,
        class: codec::class_at(row, 3)?,
        valid_until: get(row, 4)?,
        active: get(row, 5)?,
        simulated: get(row, 6)?,
    })
}

/// Card uids are compared in the readers' form: trimmed, upper-case hex.
fn card_key(card_uid: &str) -> String {
    card_uid.trim().to_ascii_uppercase()
}

pub(super) fn save_member(db: &mut impl Sql, member: &Member) -> PgResult<()> {
    let plate_key = member.plate.as_deref().map(search_key).filter(|key| !key.is_empty());
    db.execute(
        "INSERT INTO members (card_uid, name, plate, plate_key, class, valid_until, active, simulated)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (card_uid) DO UPDATE SET
             name = excluded.name, plate = excluded.plate, plate_key = excluded.plate_key,
             class = excluded.class, valid_until = excluded.valid_until, active = excluded.active,
             simulated = excluded.simulated",
        &[
            &card_key(&member.card_uid),
            &member.name,
            &member.plate,
            &plate_key,
            &member.class.as_str(),
            &member.valid_until,
            &member.active,
            &member.simulated,
        ],
    )?;
    Ok(())
}

pub(super) fn member_by_card(db: &mut impl Sql, card_uid: &str) -> PgResult<Option<Member>> {
    let sql = format!("SELECT {MEMBER_COLUMNS} FROM {VISIBLE_MEMBERS} WHERE card_uid = $1");
    db.query_opt(&sql, &[&card_key(card_uid)])?.map(|row| member_from_row(&row)).transpose()
}

pub(super) fn list_members(db: &mut impl Sql, search: &str) -> PgResult<Vec<Member>> {
    let search = search.trim();
    // An empty key (search text without letters or digits) must not match every plate.
    let key = Some(search_key(search)).filter(|key| !key.is_empty());
    let sql = format!(
        "SELECT {MEMBER_COLUMNS} FROM {VISIBLE_MEMBERS}
         WHERE $1 = ''
            OR strpos(lower(name), lower($1)) > 0
            OR strpos(lower(coalesce(plate, '')), lower($1)) > 0
            OR strpos(card_uid, upper($1)) > 0
            OR strpos(plate_key, $2) > 0
         ORDER BY name COLLATE \"C\", card_uid COLLATE \"C\""
    );
    db.query(&sql, &[&search, &key])?.iter().map(member_from_row).collect()
}

pub(super) const SHIFT_COLUMNS: &str = "id, site_code, booth, username, opened_at, closed_at, \
     opening_float, expected_cash, counted_cash, simulated";

pub(super) fn shift_from_row(row: &Row) -> PgResult<Shift> {
    Ok(Shift {
        id: get(row, 0)?,
        site: get(row, 1)?,
        booth: get(row, 2)?,
        username: get(row, 3)?,
        opened_at: get(row, 4)?,
        closed_at: get(row, 5)?,
        opening_float: codec::rupiah_at(row, 6)?,
        expected_cash: codec::opt_rupiah_at(row, 7)?,
        counted_cash: codec::opt_rupiah_at(row, 8)?,
        simulated: get(row, 9)?,
    })
}

fn already_open(username: &str, open: &Shift) -> StoreError {
    StoreError::Refused(format!(
        "{username} already has a shift open at booth {} since {}; close it first",
        open.booth, open.opened_at
    ))
}

pub(super) fn open_shift(conn: &mut Conn, shift: &Shift) -> PgResult<()> {
    let username = username_key(&shift.username);
    let mut tx = conn.transaction()?;
    // Booths opening a shift for the same user at once take turns here.
    tx.execute("SELECT pg_advisory_xact_lock(hashtext('shift:' || $1))", &[&username])?;
    if let Some(open) = open_shift_of(&mut tx, &username)? {
        return Err(already_open(&username, &open).into());
    }
    if insert_shift(&mut tx, shift)? == 0 {
        return Err(StoreError::Duplicate(format!("shift {}", shift.id)).into());
    }
    tx.commit()
}

/// Inserts a shift as given (no one-open check); returns the rows inserted (0: already there).
pub(super) fn insert_shift(db: &mut impl Sql, shift: &Shift) -> PgResult<u64> {
    db.execute(
        "INSERT INTO shifts (id, site_code, booth, username, opened_at, closed_at, opening_float,
             expected_cash, counted_cash, simulated)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (id) DO NOTHING",
        &[
            &shift.id,
            &shift.site,
            &shift.booth,
            &username_key(&shift.username),
            &shift.opened_at,
            &shift.closed_at,
            &shift.opening_float.0,
            &shift.expected_cash.map(|r| r.0),
            &shift.counted_cash.map(|r| r.0),
            &shift.simulated,
        ],
    )
}

pub(super) fn close_shift(
    conn: &mut Conn,
    id: Uuid,
    closed_at: DateTime<Utc>,
    expected: Rupiah,
    counted: Rupiah,
) -> PgResult<Shift> {
    let mut tx = conn.transaction()?;
    let sql = format!("SELECT {SHIFT_COLUMNS} FROM shifts WHERE id = $1 FOR UPDATE");
    let shift = tx
        .query_opt(&sql, &[&id])?
        .map(|row| shift_from_row(&row))
        .transpose()?
        .ok_or_else(|| StoreError::NotFound(format!("shift {id}")))?;
    if let Some(closed) = shift.closed_at {
        return Err(StoreError::Refused(format!(
            "shift {id} of {} was already closed at {closed}",
            shift.username
        ))
        .into());
    }
    tx.execute(
        "UPDATE shifts SET closed_at = $2, expected_cash = $3, counted_cash = $4 WHERE id = $1",
        &[&id, &closed_at, &expected.0, &counted.0],
    )?;
    tx.commit()?;
    Ok(Shift {
        closed_at: Some(closed_at),
        expected_cash: Some(expected),
        counted_cash: Some(counted),
        ..shift
    })
}

pub(super) fn shift(db: &mut impl Sql, id: Uuid) -> PgResult<Option<Shift>> {
    let sql = format!("SELECT {SHIFT_COLUMNS} FROM shifts WHERE id = $1");
    db.query_opt(&sql, &[&id])?.map(|row| shift_from_row(&row)).transpose()
}

pub(super) fn open_shift_of(db: &mut impl Sql, username: &str) -> PgResult<Option<Shift>> {
    let sql = format!(
        "SELECT {SHIFT_COLUMNS} FROM shifts WHERE username = $1 AND closed_at IS NULL
         ORDER BY opened_at DESC, id LIMIT 1"
    );
    db.query_opt(&sql, &[&username_key(username)])?.map(|row| shift_from_row(&row)).transpose()
}

pub(super) fn list_shifts(
    db: &mut impl Sql,
    site: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> PgResult<Vec<Shift>> {
    let sql = format!(
        "SELECT {SHIFT_COLUMNS} FROM shifts
         WHERE site_code = $1 AND opened_at >= $2 AND opened_at < $3
         ORDER BY opened_at DESC, id DESC"
    );
    db.query(&sql, &[&site, &from, &to])?.iter().map(shift_from_row).collect()
}
