//! A small pool of blocking PostgreSQL connections with per-connection prepared statements,
//! transparent reconnection and a short back-off after a failed connect.
//!
//! Each caller (a lane worker, the monitor, a CLI command) takes a connection for one call and
//! gives it back. Connections that failed are dropped, never reused; a connection that sat idle
//! for a while is checked with a round trip first, because a server restart is noticed only
//! when a connection is used.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use postgres::types::ToSql;
use postgres::{Client, Row, Statement, Transaction};

use super::error::{Fail, PgResult};
use crate::store::{StoreError, StoreResult};

/// Idle connections kept for reuse; more callers than this simply open their own.
const MAX_IDLE: usize = 4;
/// An idle connection older than this is checked with a round trip before use.
const CHECK_AFTER_IDLE: Duration = Duration::from_secs(1);

/// A connection and the statements prepared on it (a prepared statement saves a round trip
/// on every later call, which the lanes' latency budget and the replay throughput need).
pub(super) struct Conn {
    client: Client,
    statements: HashMap<String, Statement>,
}

/// Runs SQL on a connection or inside a transaction, through the statement cache.
pub(super) trait Sql {
    /// Rows of a query.
    fn query(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> PgResult<Vec<Row>>;
    /// Rows changed by a statement.
    fn execute(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> PgResult<u64>;

    /// The first row of a query, if any.
    fn query_opt(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> PgResult<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// The one row of a query that always returns one (a count, an upsert's RETURNING).
    fn query_one(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> PgResult<Row> {
        self.query_opt(sql, params)?
            .ok_or_else(|| Fail::Store(StoreError::Database(format!("no row came back from: {sql}"))))
    }
}

fn prepared<'a>(
    statements: &'a mut HashMap<String, Statement>,
    prepare: impl FnOnce() -> Result<Statement, postgres::Error>,
    sql: &str,
) -> PgResult<&'a Statement> {
    if !statements.contains_key(sql) {
        let statement = prepare()?;
        statements.insert(sql.to_string(), statement);
    }
    statements
        .get(sql)
        .ok_or_else(|| Fail::Store(StoreError::Database("statement cache lost a statement".into())))
}

impl Conn {
    /// Starts a transaction that rolls back unless committed.
    pub(super) fn transaction(&mut self) -> PgResult<Tx<'_>> {
        Ok(Tx { tx: self.client.transaction()?, statements: &mut self.statements })
    }

    /// Starts a read-only snapshot transaction: several queries that describe the same moment.
    pub(super) fn snapshot(&mut self) -> PgResult<Tx<'_>> {
        let tx = self
            .client
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        Ok(Tx { tx, statements: &mut self.statements })
    }

    /// Runs several statements without parameters (migrations, LISTEN).
    pub(super) fn batch(&mut self, sql: &str) -> PgResult<()> {
        Ok(self.client.batch_execute(sql)?)
    }
}

impl Sql for Conn {
    fn query(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> PgResult<Vec<Row>> {
        let client = &mut self.client;
        let statement = prepared(&mut self.statements, || client.prepare(sql), sql)?.clone();
        Ok(self.client.query(&statement, params)?)
    }

    fn execute(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> PgResult<u64> {
        let client = &mut self.client;
        let statement = prepared(&mut self.statements, || client.prepare(sql), sql)?.clone();
        Ok(self.client.execute(&statement, params)?)
    }
}

/// A transaction on a pooled connection, sharing its statement cache.
pub(super) struct Tx<'a> {
    tx: Transaction<'a>,
    statements: &'a mut HashMap<String, Statement>,
}

impl<'a> Tx<'a> {
    /// Commits; an error here leaves the outcome unknown.
    pub(super) fn commit(self) -> PgResult<()> {
        Ok(self.tx.commit()?)
    }

    /// Runs several statements without parameters.
    pub(super) fn batch(&mut self, sql: &str) -> PgResult<()> {
        Ok(self.tx.batch_execute(sql)?)
    }

    /// Starts a `COPY … FROM STDIN`; the rows go in through the writer, which must be finished.
    pub(super) fn copy_in(&mut self, sql: &str) -> PgResult<postgres::CopyInWriter<'_>> {
        Ok(self.tx.copy_in(sql)?)
    }

    /// The transaction itself, for statements kept out of the cache (those naming temporary
    /// tables, which a cached plan would outlive).
    pub(super) fn uncached(&mut self) -> &mut Transaction<'a> {
        &mut self.tx
    }
}

impl Sql for Tx<'_> {
    fn query(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> PgResult<Vec<Row>> {
        let tx = &mut self.tx;
        let statement = prepared(self.statements, || tx.prepare(sql), sql)?.clone();
        Ok(self.tx.query(&statement, params)?)
    }

    fn execute(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> PgResult<u64> {
        let tx = &mut self.tx;
        let statement = prepared(self.statements, || tx.prepare(sql), sql)?.clone();
        Ok(self.tx.execute(&statement, params)?)
    }
}

struct Idle {
    conn: Conn,
    since: Instant,
}

/// Connections to one database; see the module doc.
pub(super) struct Pool {
    config: postgres::Config,
    /// TLS as `sslmode` asks.
    connector: super::tls::Connector,
    /// The URL with its password hidden, for messages.
    shown: String,
    idle: Mutex<Vec<Idle>>,
    /// After a failed connect, calls fail at once until then (except pings), so a booth whose
    /// server is gone does not wait the connect timeout on every read before using its cache.
    down: Mutex<Option<(Instant, String)>>,
    retry_after: Duration,
    check_timeout: Duration,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing here is left half-changed by a panic: a Vec push/pop or an Option swap.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Pool {
    /// A pool that connects with `config`; nothing is opened yet.
    pub(super) fn new(
        config: postgres::Config,
        connector: super::tls::Connector,
        shown: String,
        retry_after: Duration,
    ) -> Pool {
        let check_timeout = config.get_connect_timeout().copied().unwrap_or(Duration::from_secs(2));
        Pool {
            config,
            connector,
            shown,
            idle: Mutex::new(Vec::new()),
            down: Mutex::new(None),
            retry_after,
            check_timeout,
        }
    }

    /// The URL with its password hidden.
    pub(super) fn shown(&self) -> &str {
        &self.shown
    }

    /// A connection and whether it was reused (a reused one may have died unnoticed).
    /// `always_try` ignores the back-off: the monitor's ping must notice the server's return.
    pub(super) fn checkout(&self, always_try: bool) -> StoreResult<(Conn, bool)> {
        loop {
            let idle = lock(&self.idle).pop();
            let Some(idle) = idle else { break };
            let mut conn = idle.conn;
            if idle.since.elapsed() < CHECK_AFTER_IDLE {
                return Ok((conn, true));
            }
            if conn.client.is_valid(self.check_timeout).is_ok() {
                return Ok((conn, false));
            }
            // The server went away while this one slept; the others slept too.
            self.flush();
        }
        if !always_try
            && let Some((until, why)) = lock(&self.down).clone()
            && Instant::now() < until
        {
            return Err(StoreError::Unavailable(why));
        }
        match self.connector.connect(&self.config) {
            Ok(client) => {
                *lock(&self.down) = None;
                Ok((Conn { client, statements: HashMap::new() }, false))
            }
            Err(err) => {
                let why = connect_error(&self.shown, &err, self.connector.mode());
                let why = super::tls::hide_password(&why, &self.config);
                *lock(&self.down) = Some((Instant::now() + self.retry_after, why.clone()));
                Err(StoreError::Unavailable(why))
            }
        }
    }

    /// Gives a healthy connection back.
    pub(super) fn checkin(&self, conn: Conn) {
        let mut idle = lock(&self.idle);
        if idle.len() < MAX_IDLE {
            idle.push(Idle { conn, since: Instant::now() });
        }
    }

    /// Drops every idle connection: one failed, so the server likely dropped them all.
    pub(super) fn flush(&self) {
        lock(&self.idle).clear();
    }
}

/// A failed connect in words an operator can act on; the password never appears.
fn connect_error(shown: &str, err: &postgres::Error, mode: super::tls::SslMode) -> String {
    if let Some(tls) = super::tls::explain(err, mode) {
        return format!("cannot connect to {shown}: {tls}");
    }
    let cause = match err.as_db_error() {
        Some(db) => super::error::db_text(db),
        None => match std::error::Error::source(err) {
            Some(source) => source.to_string(),
            None => err.to_string(),
        },
    };
    format!("cannot connect to {shown} ({cause}); check that the database server is running and reachable")
}
