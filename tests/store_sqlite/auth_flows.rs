//! Operator login over a real SQLite store with a hand-set clock.

use chrono::Duration;
use gardu::auth::{
    self, AuditContext, AuthError, Hasher, LOCKOUT_MINUTES, LoginError, MAX_FAILED_ATTEMPTS, NewUser,
};
use gardu::clock::ManualClock;
use gardu::store::sqlite::SqliteStore;
use gardu::store::{AuditFilter, Role, Store, StoreError, User};

use crate::common::fixtures::{SITE, at};

const PASSWORD: &str = "rahasia-budi-1";
const WRONG: &str = "salah-tebak-99";

struct Booth {
    store: SqliteStore,
    clock: ManualClock,
    ctx: AuditContext,
}

impl Booth {
    /// An exit booth with cashier `budi` created by `admin`.
    fn new() -> Booth {
        let booth = Booth {
            store: SqliteStore::open_in_memory().unwrap(),
            clock: ManualClock::new(at(2024, 3, 1, 8, 0)),
            ctx: AuditContext { site: SITE.to_string(), booth: "OUT1".to_string() },
        };
        booth.create("Budi", "Budi Santoso", Role::Cashier, PASSWORD).unwrap();
        booth
    }

    fn create(&self, username: &str, full_name: &str, role: Role, password: &str) -> Result<User, AuthError> {
        let new = NewUser { username, full_name, role, password };
        auth::create_user(&self.store, &self.clock, &Hasher::for_tests(), &self.ctx, &new, "admin")
    }

    fn login(&self, username: &str, password: &str) -> Result<User, LoginError> {
        auth::login(&self.store, &self.clock, &self.ctx, username, password, &[Role::Cashier, Role::Admin])
    }

    fn actions(&self) -> Vec<String> {
        let mut records = self.store.list_audit(&AuditFilter::default()).unwrap();
        records.reverse();
        records.into_iter().map(|r| r.action).collect()
    }

    fn budi(&self) -> User {
        self.store.user_by_username("budi").unwrap().unwrap()
    }
}

#[test]
fn a_good_login_returns_the_user_and_is_audited() {
    let booth = Booth::new();
    let user = booth.login("BUDI", PASSWORD).unwrap();
    assert_eq!(user.username, "budi");
    assert_eq!(user.role, Role::Cashier);
    assert_eq!(booth.actions(), ["user_created", "login"]);
    let login = &booth.store.list_audit(&AuditFilter::default()).unwrap()[0];
    assert_eq!(login.username.as_deref(), Some("budi"));
    assert_eq!(login.booth, "OUT1");
    assert_eq!(login.time, at(2024, 3, 1, 8, 0));
}

#[test]
fn new_accounts_are_validated() {
    let booth = Booth::new();
    let refused = |username, name, password| booth.create(username, name, Role::Guard, password);
    assert!(matches!(refused("ab", "Ani", "panjang-sekali"), Err(AuthError::InvalidUsername(_))));
    assert!(matches!(refused("ani wijaya", "Ani", "panjang-sekali"), Err(AuthError::InvalidUsername(_))));
    assert!(matches!(refused("ani", "Ani", "pendek"), Err(AuthError::WeakPassword)));
    assert!(matches!(refused("ani", "  ", "panjang-sekali"), Err(AuthError::EmptyName)));
    assert!(matches!(
        refused("BUDI", "Budi Lain", "panjang-sekali"),
        Err(AuthError::Store(StoreError::Duplicate(_)))
    ));
    let ani = refused("ani", " Ani Wijaya ", "panjang-sekali").unwrap();
    assert_eq!(ani.full_name, "Ani Wijaya");
    assert!(ani.password_hash.starts_with("$argon2id$"));
    assert_eq!(booth.actions(), ["user_created", "user_created"]);
}

#[test]
fn five_wrong_passwords_lock_for_five_minutes() {
    let booth = Booth::new();
    for left in (1..MAX_FAILED_ATTEMPTS).rev() {
        assert_eq!(booth.login("budi", WRONG), Err(LoginError::WrongPassword { attempts_left: left }));
    }
    let until = at(2024, 3, 1, 8, 0) + Duration::minutes(LOCKOUT_MINUTES);
    assert_eq!(booth.login("budi", WRONG), Err(LoginError::Locked { until, minutes_left: 5 }));
    assert_eq!(booth.budi().locked_until, Some(until));

    // Even the right password waits out the lock.
    booth.clock.advance(Duration::seconds(150));
    let err = booth.login("budi", PASSWORD).unwrap_err();
    assert_eq!(err, LoginError::Locked { until, minutes_left: 3 });
    assert!(err.to_string().contains("3 more minute"), "{err}");

    // The lock runs out by itself and the count starts afresh.
    booth.clock.set(until);
    booth.login("budi", PASSWORD).unwrap();
    assert_eq!(booth.budi().failed_attempts, 0);
    assert_eq!(booth.budi().locked_until, None);

    let mut expected = vec!["user_created"];
    expected.extend(["login_failed"; 5]);
    expected.extend(["lockout", "login_failed", "login"]);
    assert_eq!(booth.actions(), expected);
}

#[test]
fn a_success_resets_the_count() {
    let booth = Booth::new();
    for _ in 0..3 {
        booth.login("budi", WRONG).unwrap_err();
    }
    assert_eq!(booth.budi().failed_attempts, 3);
    booth.login("budi", PASSWORD).unwrap();
    assert_eq!(booth.budi().failed_attempts, 0);
    for _ in 0..4 {
        booth.login("budi", WRONG).unwrap_err();
    }
    assert_eq!(
        booth.login("budi", PASSWORD).map(|u| u.username),
        Ok("budi".to_string()),
        "four failures after a success do not lock"
    );
}

#[test]
fn an_admin_unlocks_at_once() {
    let booth = Booth::new();
    for _ in 0..MAX_FAILED_ATTEMPTS {
        booth.login("budi", WRONG).unwrap_err();
    }
    assert!(matches!(booth.login("budi", PASSWORD), Err(LoginError::Locked { .. })));
    let unlocked = auth::unlock(&booth.store, &booth.clock, &booth.ctx, "Budi", "siti").unwrap();
    assert_eq!((unlocked.failed_attempts, unlocked.locked_until), (0, None));
    booth.login("budi", PASSWORD).unwrap();
    let unlock = booth
        .store
        .list_audit(&AuditFilter { action: Some("unlock".to_string()), ..AuditFilter::default() })
        .unwrap();
    assert_eq!(unlock.len(), 1);
    assert_eq!(unlock[0].username.as_deref(), Some("siti"));
    assert_eq!(unlock[0].detail["user"], "budi");
    assert_eq!(
        auth::unlock(&booth.store, &booth.clock, &booth.ctx, "nobody", "siti"),
        Err(AuthError::UnknownUser("nobody".to_string()))
    );
}

#[test]
fn inactive_accounts_and_wrong_booths_are_refused() {
    let booth = Booth::new();
    let guard_booth = auth::login(&booth.store, &booth.clock, &booth.ctx, "budi", PASSWORD, &[Role::Guard]);
    let err = guard_booth.unwrap_err();
    assert_eq!(err, LoginError::RoleNotAllowed { role: Role::Cashier });
    assert!(err.to_string().contains("cashier"), "{err}");

    let mut off = booth.budi();
    off.active = false;
    booth.store.update_user(&off).unwrap();
    assert_eq!(booth.login("budi", PASSWORD), Err(LoginError::Inactive));
    // A wrong password on an inactive account says only "wrong".
    assert!(matches!(booth.login("budi", WRONG), Err(LoginError::WrongPassword { .. })));
    let reasons: Vec<String> = booth
        .store
        .list_audit(&AuditFilter { action: Some("login_failed".to_string()), ..AuditFilter::default() })
        .unwrap()
        .into_iter()
        .rev()
        .map(|r| r.detail["reason"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(reasons, ["role_not_allowed", "inactive", "wrong_password"]);
}

#[test]
fn unknown_users_read_like_wrong_passwords() {
    let booth = Booth::new();
    let unknown = booth.login("nobody", PASSWORD).unwrap_err();
    let wrong = booth.login("budi", WRONG).unwrap_err();
    assert_eq!(unknown, LoginError::UnknownUser);
    assert_eq!(unknown.to_string(), wrong.to_string());
    let failed = booth
        .store
        .list_audit(&AuditFilter { action: Some("login_failed".to_string()), ..AuditFilter::default() })
        .unwrap();
    assert_eq!(failed[1].username, None);
    assert_eq!(failed[1].detail["username"], "nobody");
}

#[test]
fn set_password_replaces_the_old_one() {
    let booth = Booth::new();
    let hasher = Hasher::for_tests();
    assert_eq!(
        auth::set_password(&booth.store, &booth.clock, &hasher, &booth.ctx, "budi", "short", "siti")
            .map(|u| u.username),
        Err(AuthError::WeakPassword)
    );
    auth::set_password(&booth.store, &booth.clock, &hasher, &booth.ctx, "budi", "baru-sekali-2", "siti")
        .unwrap();
    assert!(matches!(booth.login("budi", PASSWORD), Err(LoginError::WrongPassword { .. })));
    booth.login("budi", "baru-sekali-2").unwrap();
    assert!(booth.actions().contains(&"password_changed".to_string()));
}

#[test]
fn no_password_reaches_the_audit_log() {
    let booth = Booth::new();
    booth.login("budi", WRONG).unwrap_err();
    booth.login("budi", PASSWORD).unwrap();
    // A password typed into the username box is not logged either.
    booth.login("Rahasia#Budi!2024", PASSWORD).unwrap_err();
    for _ in 0..MAX_FAILED_ATTEMPTS {
        booth.login("budi", WRONG).unwrap_err();
    }
    auth::unlock(&booth.store, &booth.clock, &booth.ctx, "budi", "siti").unwrap();
    let records = booth.store.list_audit(&AuditFilter::default()).unwrap();
    assert!(records.len() >= 10);
    for record in records {
        let text = format!("{:?} {}", record.username, record.detail);
        for secret in [PASSWORD, WRONG, "Rahasia#Budi!2024", "rahasia#budi!2024"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(!text.contains("argon2"), "no hash in {text}");
    }
}
