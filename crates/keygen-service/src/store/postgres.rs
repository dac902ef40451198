//! The PostgreSQL store: any number of service instances share one database.
//!
//! The synchronous client of the rust-postgres project, on a small pool of
//! connections. Each connection drives its own I/O on a private
//! current-thread runtime, so it is only ever used from threads outside the
//! async runtime (the store's callers run on `spawn_blocking`).
//!
//! When the database goes away, calls fail at once with
//! [`StoreError::Unavailable`] (the service answers 503); connections found
//! broken are dropped, and the next call connects afresh, so the store
//! recovers by itself when the database is back.
//!
//! TLS to the database follows the URL's `sslmode` as libpq does
//! (`postgres_tls`): `verify-full` checks the server's certificate against a
//! CA file and its name against the host.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use postgres::config::{Host, SslMode};
use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Client, NoTls, Row, Statement};
use postgres_rustls::MakeTlsConnector;

use super::postgres_tls::{self, Verify};
use super::{
    COLUMNS, Dialect, FindQuery, MIGRATIONS, Record, Store, StoreError, find_filter, find_order,
    record_from_columns,
};
use crate::domain::{KeyPairId, ProjectId, ZoneName};

/// How long a call waits for a free connection when all are in use.
const POOL_WAIT: Duration = Duration::from_secs(5);
/// Default time to establish a connection (when the URL sets none).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Default time unacknowledged data may wait on a connection's socket
/// before the connection is given up (when the URL sets none).
const TCP_USER_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a readiness check waits for the database's answer.
const PING_TIMEOUT: Duration = Duration::from_secs(2);
/// Connections opened at start.
const WARM_CONNECTIONS: usize = 4;
/// Attempts of a call that is safe to repeat, when pooled connections turn
/// out broken (after a database restart, every idle one is).
const MAX_ATTEMPTS: u32 = 3;
/// Prepared statements kept per connection (a find's SQL depends on its
/// filters and sort keys).
const MAX_STATEMENTS: usize = 64;
/// The advisory lock that serialises migrations of instances starting
/// together (an arbitrary constant: "keygen" in ASCII).
const MIGRATION_LOCK: i64 = 0x6b65_7967_656e;

/// PostgreSQL, shared by every service instance pointed at it.
pub struct PostgresStore {
    config: postgres::Config,
    /// The TLS connector; `None` for `sslmode=disable`.
    tls: Option<MakeTlsConnector>,
    /// How the server's certificate is checked, for logs.
    verify: Verify,
    /// The database's address without credentials, for logs.
    target: String,
    max: usize,
    pool: Mutex<Pool>,
    freed: Condvar,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("target", &self.target)
            .field("tls", &self.verify)
            .field("max_connections", &self.max)
            .finish_non_exhaustive()
    }
}

/// The connections: idle ones, and how many exist (idle, in use, or being
/// opened), so there are never more than the maximum.
struct Pool {
    idle: Vec<Conn>,
    open: usize,
    /// Bumped whenever a connection is found broken: connections of an older
    /// generation (opened before the failure) are dropped rather than reused,
    /// since a database restart breaks them all.
    generation: u64,
}

struct Conn {
    client: Client,
    statements: HashMap<String, Statement>,
    generation: u64,
}

impl Conn {
    /// A prepared statement for `sql`, prepared once per connection.
    fn statement(&mut self, sql: &str) -> Result<Statement, postgres::Error> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql)?;
        if self.statements.len() >= MAX_STATEMENTS {
            self.statements.clear();
        }
        self.statements.insert(sql.to_owned(), s.clone());
        Ok(s)
    }
}

/// A connection lent to one call; given back (or dropped, when broken) on
/// drop, even if the call panics.
struct Lease<'a> {
    store: &'a PostgresStore,
    conn: Option<Conn>,
    /// Taken from the idle list rather than opened for this call.
    reused: bool,
    broken: bool,
}

impl Lease<'_> {
    fn conn(&mut self) -> &mut Conn {
        self.conn
            .as_mut()
            .expect("a lease holds its connection until dropped")
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        // Connections are closed outside the lock: closing one talks to
        // the server.
        // A call that panicked may have left the session in any state.
        let broken = self.broken || std::thread::panicking();
        let mut doomed = Vec::new();
        {
            let mut pool = self.store.lock();
            if broken {
                pool.generation += 1;
                doomed.append(&mut pool.idle);
                pool.open -= doomed.len();
            }
            if broken || conn.generation != pool.generation || conn.client.is_closed() {
                pool.open -= 1;
                doomed.push(conn);
            } else {
                pool.idle.push(conn);
            }
        }
        self.store.freed.notify_all();
        drop(doomed);
    }
}

/// How a failed call is reported, and whether its connection is unusable.
struct Failure {
    error: StoreError,
    broken: bool,
}

/// Classifies a client error. Messages name the failure, never the SQL,
/// the connection string or stored values.
fn failure(e: &postgres::Error) -> Failure {
    let unavailable = |reason: String, broken| Failure {
        error: StoreError::Unavailable(reason),
        broken,
    };
    if let Some(db) = e.as_db_error() {
        let code = db.code();
        let class = &code.code()[..2];
        return if *code == SqlState::UNIQUE_VIOLATION {
            Failure {
                error: StoreError::Duplicate,
                broken: false,
            }
        } else if *code == SqlState::ADMIN_SHUTDOWN || *code == SqlState::CRASH_SHUTDOWN {
            unavailable("the database server is shutting down".into(), true)
        } else if *code == SqlState::CANNOT_CONNECT_NOW {
            unavailable("the database server is starting up".into(), true)
        } else if class == "08" {
            unavailable(
                format!("database connection failure ({})", code.code()),
                true,
            )
        } else if class == "53" {
            unavailable(
                format!("the database server is out of resources: {}", db.message()),
                false,
            )
        } else if class == "28" || *code == SqlState::INVALID_CATALOG_NAME {
            unavailable(
                format!("the database refused the connection: {}", db.message()),
                true,
            )
        } else if *code == SqlState::T_R_SERIALIZATION_FAILURE
            || *code == SqlState::T_R_DEADLOCK_DETECTED
            || *code == SqlState::QUERY_CANCELED
        {
            unavailable(
                format!("the database gave up on the statement: {}", db.message()),
                false,
            )
        } else {
            Failure {
                error: StoreError::Postgres {
                    sqlstate: code.code().to_owned(),
                    message: db.message().to_owned(),
                },
                broken: false,
            }
        };
    }
    // Anything not from the server (a lost or closed connection, a timeout,
    // a protocol error) leaves the connection unusable.
    let reason = match std::error::Error::source(e) {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    };
    unavailable(reason, true)
}

/// Whether a failed connection attempt may succeed later by itself: the
/// server is not listening or not reachable, is starting up, or has no free
/// connection. Wrong credentials or an unknown database are not.
fn transient(e: &postgres::Error) -> bool {
    match e.code() {
        Some(code) => {
            *code == SqlState::CANNOT_CONNECT_NOW
                || *code == SqlState::TOO_MANY_CONNECTIONS
                || code.code().starts_with("08")
        }
        None => {
            let io = std::error::Error::source(e).and_then(|c| c.downcast_ref::<std::io::Error>());
            // A certificate the TLS handshake refused stays refused.
            let tls_refused = io
                .and_then(std::io::Error::get_ref)
                .is_some_and(|inner| inner.is::<rustls::Error>());
            !tls_refused && (e.is_closed() || io.is_some() || e.to_string().starts_with("timeout"))
        }
    }
}

/// The database's address for logs: user, hosts, ports and database name,
/// without the password.
fn describe(config: &postgres::Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|h| match h {
            Host::Tcp(name) => name.clone(),
            Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    let ports: Vec<String> = config.get_ports().iter().map(u16::to_string).collect();
    format!(
        "postgresql://{}@{}:{}/{}",
        config.get_user().unwrap_or("-"),
        if hosts.is_empty() {
            "localhost".into()
        } else {
            hosts.join(",")
        },
        if ports.is_empty() {
            "5432".into()
        } else {
            ports.join(",")
        },
        config.get_dbname().unwrap_or("-"),
    )
}

impl PostgresStore {
    /// Parses a connection URL (`postgres://user:password@host:port/db`, or
    /// libpq's `key=value` form) without connecting. `ca_file` (else the
    /// URL's `sslrootcert`) holds the CAs the server's certificate must
    /// chain to, for `sslmode=verify-ca` and `verify-full`.
    ///
    /// # Errors
    ///
    /// When the URL is malformed, or its TLS settings cannot be met (no CA
    /// file for a verifying mode, an unreadable one). The message never
    /// repeats the URL.
    pub fn new(
        url: &str,
        ca_file: Option<&Path>,
        max_connections: usize,
    ) -> Result<Self, StoreError> {
        let parsed = postgres_tls::parse(url, ca_file);
        let mut config: postgres::Config = parsed.url.parse().map_err(|e: postgres::Error| {
            let detail = std::error::Error::source(&e)
                .map(|c| format!(": {c}"))
                .unwrap_or_default();
            StoreError::InvalidUrl(detail)
        })?;
        let verify = postgres_tls::effective(&parsed, config.get_ssl_mode());
        let tls = match verify {
            Verify::Disable => None,
            _ => {
                let client = postgres_tls::client_config(verify, parsed.ca_file.as_deref())
                    .map_err(StoreError::Tls)?;
                Some(MakeTlsConnector::new(tokio_rustls::TlsConnector::from(
                    std::sync::Arc::new(client),
                )))
            }
        };
        if verify == Verify::None && config.get_ssl_mode() == SslMode::Require {
            tracing::warn!(
                "sslmode=require without a CA file: the database connection is encrypted, but \
                 the server is not authenticated (use sslmode=verify-full with a CA file)"
            );
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_tcp_user_timeout().is_none() {
            config.tcp_user_timeout(TCP_USER_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("keygen-service");
        }
        // Server notices (such as "relation already exists, skipping") are
        // of no interest above debug level.
        config.notice_callback(|notice| {
            tracing::debug!(
                severity = notice.severity(),
                message = notice.message(),
                "postgresql notice"
            );
        });
        Ok(Self {
            target: describe(&config),
            config,
            tls,
            verify,
            max: max_connections.max(1),
            pool: Mutex::new(Pool {
                idle: Vec::new(),
                open: 0,
                generation: 0,
            }),
            freed: Condvar::new(),
        })
    }

    /// Connects, and brings the schema up to date. While the database cannot
    /// be reached yet (not listening, starting up), tries again every second
    /// for up to `wait`.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] when the database could not be reached in
    /// time; [`StoreError::InvalidUrl`], [`StoreError::Tls`],
    /// [`StoreError::Refused`] or [`StoreError::Migration`] when the URL is
    /// wrong, the database refuses the credentials, or a migration fails.
    pub fn open(
        url: &str,
        ca_file: Option<&Path>,
        max_connections: usize,
        wait: Duration,
    ) -> Result<Self, StoreError> {
        let store = Self::new(url, ca_file, max_connections)?;
        let deadline = Instant::now() + wait;
        let client = loop {
            match store.dial() {
                Ok(client) => break client,
                Err(e) if transient(&e) && Instant::now() < deadline => {
                    tracing::warn!(
                        database = %store.target,
                        reason = %failure(&e).error,
                        "the database cannot be reached yet; retrying"
                    );
                    std::thread::sleep(Duration::from_secs(1));
                }
                Err(e) => {
                    let reason = match failure(&e).error {
                        StoreError::Unavailable(reason) => reason,
                        other => other.to_string(),
                    };
                    return Err(if transient(&e) {
                        StoreError::Unavailable(format!(
                            "cannot connect to {}: {reason}",
                            store.target
                        ))
                    } else {
                        StoreError::Refused {
                            target: store.target.clone(),
                            reason,
                        }
                    });
                }
            }
        };
        {
            let mut pool = store.lock();
            pool.open += 1;
            let generation = pool.generation;
            pool.idle.push(Conn {
                client,
                statements: HashMap::new(),
                generation,
            });
        }
        store.migrate()?;
        store.warm_up();
        Ok(store)
    }

    /// Opens a few more connections (in parallel) so the first requests
    /// after a start do not each wait for a connection to be set up.
    /// Failures are ignored: connections are opened on demand anyway.
    fn warm_up(&self) {
        let wanted = WARM_CONNECTIONS.min(self.max);
        let missing = {
            let mut pool = self.lock();
            let missing = wanted.saturating_sub(pool.open);
            pool.open += missing;
            missing
        };
        let opened: Vec<Client> = std::thread::scope(|scope| {
            let tasks: Vec<_> = (0..missing)
                .map(|_| scope.spawn(|| self.dial().ok()))
                .collect();
            tasks
                .into_iter()
                .filter_map(|t| t.join().ok().flatten())
                .collect()
        });
        let mut pool = self.lock();
        pool.open -= missing - opened.len();
        let generation = pool.generation;
        pool.idle.extend(opened.into_iter().map(|client| Conn {
            client,
            statements: HashMap::new(),
            generation,
        }));
    }

    /// The database's address without the password, for logs.
    #[must_use]
    pub fn target(&self) -> &str {
        &self.target
    }

    fn lock(&self) -> MutexGuard<'_, Pool> {
        // The pool's bookkeeping is updated in single steps; a panic
        // elsewhere cannot leave it half-changed.
        self.pool.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A connection: an idle one, else a new one while under the maximum,
    /// else the first one freed within [`POOL_WAIT`].
    fn checkout(&self) -> Result<Lease<'_>, StoreError> {
        let deadline = Instant::now() + POOL_WAIT;
        let mut pool = self.lock();
        loop {
            while let Some(conn) = pool.idle.pop() {
                if conn.client.is_closed() {
                    pool.open -= 1;
                    drop(pool);
                    drop(conn);
                    pool = self.lock();
                    continue;
                }
                return Ok(Lease {
                    store: self,
                    conn: Some(conn),
                    reused: true,
                    broken: false,
                });
            }
            if pool.open < self.max {
                pool.open += 1;
                let generation = pool.generation;
                drop(pool);
                return match self.connect() {
                    Ok(client) => Ok(Lease {
                        store: self,
                        conn: Some(Conn {
                            client,
                            statements: HashMap::new(),
                            generation,
                        }),
                        reused: false,
                        broken: false,
                    }),
                    Err(error) => {
                        self.lock().open -= 1;
                        self.freed.notify_one();
                        Err(error)
                    }
                };
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(StoreError::Unavailable(format!(
                    "all {} database connections are busy",
                    self.max
                )));
            }
            pool = self
                .freed
                .wait_timeout(pool, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// One new connection, over TLS unless `sslmode=disable`.
    fn dial(&self) -> Result<Client, postgres::Error> {
        match &self.tls {
            Some(tls) => self.config.connect(tls.clone()),
            None => self.config.connect(NoTls),
        }
    }

    /// The database's address and how its certificate is checked, for logs.
    #[must_use]
    pub fn tls_mode(&self) -> &'static str {
        match self.verify {
            Verify::Disable => "disable",
            Verify::None => "encrypted if offered (certificate not verified)",
            Verify::Ca => "verify-ca",
            Verify::Full => "verify-full",
        }
    }

    fn connect(&self) -> Result<Client, StoreError> {
        self.dial().map_err(|e| {
            let f = failure(&e);
            match f.error {
                StoreError::Unavailable(reason) => {
                    StoreError::Unavailable(format!("cannot connect to the database: {reason}"))
                }
                other => other,
            }
        })
    }

    /// Runs `op` on a pooled connection. A connection found broken is
    /// dropped (with every idle one: they are likely broken too); when it
    /// had been reused and `op` is safe to repeat, `op` runs once more on a
    /// fresh connection, so the first call after a database restart does not
    /// fail for a connection that died while idle.
    fn run<T>(
        &self,
        repeatable: bool,
        mut op: impl FnMut(&mut Conn) -> Result<T, postgres::Error>,
    ) -> Result<T, StoreError> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let mut lease = self.checkout()?;
            match op(lease.conn()) {
                Ok(v) => return Ok(v),
                Err(e) => {
                    let f = failure(&e);
                    lease.broken = f.broken;
                    let again = f.broken && lease.reused && repeatable && attempts < MAX_ATTEMPTS;
                    drop(lease);
                    if !again {
                        if f.broken {
                            tracing::debug!(error = %f.error, "dropped a broken database connection");
                        }
                        return Err(f.error);
                    }
                    tracing::debug!(error = %f.error, "a pooled database connection was broken; retrying on a new one");
                }
            }
        }
    }

    /// Applies the steps of [`MIGRATIONS`] not yet in `schema_migrations`,
    /// in one transaction under an advisory lock, so instances starting
    /// together neither race nor apply a step twice.
    fn migrate(&self) -> Result<(), StoreError> {
        let applied = self.run(true, |conn| {
            let mut tx = conn.client.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
            tx.batch_execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INTEGER PRIMARY KEY,
                    description TEXT NOT NULL,
                    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                )",
            )?;
            let current: i32 = tx
                .query_one(
                    "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                    &[],
                )?
                .get(0);
            let mut applied = Vec::new();
            for m in MIGRATIONS
                .iter()
                .filter(|m| i64::from(m.version) > i64::from(current))
            {
                tx.batch_execute(m.postgres)?;
                let version = i32::try_from(m.version).unwrap_or(i32::MAX);
                tx.execute(
                    "INSERT INTO schema_migrations (version, description) VALUES ($1, $2)",
                    &[&version, &m.description],
                )?;
                applied.push(m);
            }
            tx.commit()?;
            Ok((current, applied))
        });
        let (current, applied) = applied.map_err(|e| match e {
            StoreError::Unavailable(_) => e,
            other => StoreError::Migration(Box::new(other)),
        })?;
        if let Some(last) = MIGRATIONS.last()
            && i64::from(current) > i64::from(last.version)
        {
            tracing::warn!(
                version = current,
                known = last.version,
                "the database schema is newer than this program knows"
            );
        }
        for m in applied {
            tracing::info!(version = m.version, description = m.description, "migrated");
        }
        Ok(())
    }
}

/// A row's columns as stored, checked by [`Columns::into_record`].
struct Columns {
    text: [String; 3],
    name: String,
    description: Option<String>,
    tags: String,
    public_key: String,
    fingerprint: String,
    created_us: i64,
    modified_us: i64,
    requester: String,
    state: String,
}

fn row_columns(row: &Row, first: usize) -> Result<Columns, postgres::Error> {
    Ok(Columns {
        text: [
            row.try_get(first)?,
            row.try_get(first + 1)?,
            row.try_get(first + 2)?,
        ],
        name: row.try_get(first + 3)?,
        description: row.try_get(first + 4)?,
        tags: row.try_get(first + 5)?,
        public_key: row.try_get(first + 6)?,
        fingerprint: row.try_get(first + 7)?,
        created_us: row.try_get(first + 8)?,
        modified_us: row.try_get(first + 9)?,
        requester: row.try_get(first + 10)?,
        state: row.try_get(first + 11)?,
    })
}

impl Columns {
    fn into_record(self) -> Result<Record, StoreError> {
        let [id, project, zone] = self.text;
        record_from_columns(
            &id,
            &project,
            &zone,
            self.name,
            self.description,
            &self.tags,
            self.public_key,
            self.fingerprint,
            self.created_us,
            self.modified_us,
            self.requester,
            &self.state,
        )
    }
}

impl Store for PostgresStore {
    fn insert(&self, r: &Record) -> Result<(), StoreError> {
        let tags = serde_json::to_string(&r.tags).map_err(StoreError::Encoding)?;
        let (id, state) = (r.id.to_string(), r.state.as_str());
        // Ids are fresh UUIDs: a conflict on the id can only be this very
        // insert, committed by an attempt whose answer was lost. Ignoring it
        // makes the insert safe to repeat; a taken name still fails.
        let sql = format!(
            "INSERT INTO keypairs ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (id) DO NOTHING"
        );
        self.run(true, |conn| {
            let stmt = conn.statement(&sql)?;
            conn.client.execute(
                &stmt,
                &[
                    &id,
                    &r.project.as_str(),
                    &r.zone.as_str(),
                    &r.name,
                    &r.description,
                    &tags,
                    &r.public_key,
                    &r.fingerprint,
                    &r.created_us,
                    &r.modified_us,
                    &r.requester,
                    &state,
                ],
            )?;
            Ok(())
        })
    }

    fn get(
        &self,
        project: &ProjectId,
        zone: &ZoneName,
        id: KeyPairId,
    ) -> Result<Option<Record>, StoreError> {
        let sql =
            format!("SELECT {COLUMNS} FROM keypairs WHERE project = $1 AND zone = $2 AND id = $3");
        let (project, zone, id) = (project.as_str(), zone.as_str(), id.to_string());
        self.run(true, |conn| {
            let stmt = conn.statement(&sql)?;
            conn.client
                .query_opt(&stmt, &[&project, &zone, &id])?
                .map(|row| row_columns(&row, 0))
                .transpose()
        })?
        .map(Columns::into_record)
        .transpose()
    }

    fn find(&self, q: &FindQuery) -> Result<(u64, Vec<Record>), StoreError> {
        let (filter, args) = find_filter(q, Dialect::Postgres);
        let limit = i64::try_from(q.limit).unwrap_or(i64::MAX);
        let offset = i64::try_from(q.offset).unwrap_or(i64::MAX);
        let (limit_n, offset_n) = (args.len() + 1, args.len() + 2);
        let columns: Vec<String> = COLUMNS.split(", ").map(|c| format!("k.{c}")).collect();
        // The count and the page in one statement, so one snapshot: the
        // count always describes the rows the page was cut from. With no
        // row on the page, the join still yields the count (and NULLs).
        let sql = format!(
            "SELECT t.total, {} \
             FROM (SELECT COUNT(*) AS total FROM keypairs WHERE {filter}) AS t \
             LEFT JOIN LATERAL (SELECT {COLUMNS} FROM keypairs WHERE {filter} \
                 ORDER BY {} LIMIT ${limit_n} OFFSET ${offset_n}) AS k ON TRUE \
             ORDER BY {}",
            columns.join(", "),
            find_order(q, Dialect::Postgres, ""),
            find_order(q, Dialect::Postgres, "k."),
        );
        let mut params: Vec<&(dyn ToSql + Sync)> =
            args.iter().map(|a| a as &(dyn ToSql + Sync)).collect();
        params.push(&limit);
        params.push(&offset);
        let (total, rows) = self.run(true, |conn| {
            let stmt = conn.statement(&sql)?;
            let rows = conn.client.query(&stmt, &params)?;
            let mut total = 0i64;
            let mut records = Vec::with_capacity(rows.len());
            for row in &rows {
                total = row.try_get(0)?;
                if row.try_get::<_, Option<String>>(1)?.is_some() {
                    records.push(row_columns(row, 1)?);
                }
            }
            Ok((u64::try_from(total).unwrap_or(0), records))
        })?;
        let records = rows
            .into_iter()
            .map(Columns::into_record)
            .collect::<Result<Vec<_>, _>>()?;
        Ok((total, records))
    }

    fn delete(
        &self,
        project: &ProjectId,
        zone: &ZoneName,
        id: KeyPairId,
    ) -> Result<bool, StoreError> {
        let (project, zone, id) = (project.as_str(), zone.as_str(), id.to_string());
        // Not repeated on a fresh connection: had the first attempt been
        // committed, a second would report the key pair absent.
        self.run(false, |conn| {
            let stmt = conn
                .statement("DELETE FROM keypairs WHERE project = $1 AND zone = $2 AND id = $3")?;
            Ok(conn.client.execute(&stmt, &[&project, &zone, &id])? > 0)
        })
    }

    fn ping(&self) -> Result<(), StoreError> {
        self.run(true, |conn| conn.client.is_valid(PING_TIMEOUT))
    }

    fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.run(true, |conn| {
            let stmt = conn.statement("SELECT value FROM settings WHERE key = $1")?;
            conn.client
                .query_opt(&stmt, &[&key])?
                .map(|row| row.try_get(0))
                .transpose()
        })
    }

    fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.run(true, |conn| {
            let stmt = conn.statement(
                "INSERT INTO settings (key, value) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )?;
            conn.client.execute(&stmt, &[&key, &value]).map(|_| ())
        })
    }

    fn init_setting(&self, key: &str, value: &str) -> Result<String, StoreError> {
        self.run(true, |conn| {
            let insert = conn.statement(
                "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            )?;
            conn.client.execute(&insert, &[&key, &value])?;
            // A new statement, so a new snapshot: it sees the winner of a
            // concurrent insert that this one waited for.
            let select = conn.statement("SELECT value FROM settings WHERE key = $1")?;
            conn.client.query_one(&select, &[&key])?.try_get(0)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_the_target_without_the_password() {
        let store = PostgresStore::new(
            "postgres://keygen:s3cret-pw@db.example:6543/keys?connect_timeout=1",
            None,
            4,
        )
        .unwrap();
        assert_eq!(store.target(), "postgresql://keygen@db.example:6543/keys");
        assert!(!format!("{store:?}").contains("s3cret"));
    }

    #[test]
    fn malformed_urls_are_refused_without_echoing_them() {
        for url in [
            "postgres://u:s3cret-pw@h:notaport/db",
            "postgres://u:s3cret-pw@h/db?bogus=1",
        ] {
            let e = PostgresStore::new(url, None, 1).unwrap_err().to_string();
            assert!(!e.contains("s3cret"), "{e}");
        }
        // TLS is supported; a verifying mode needs its CA file.
        PostgresStore::new("postgres://u@h/db?sslmode=require", None, 1).unwrap();
        let e = PostgresStore::new("postgres://u:s3cret@h/db?sslmode=verify-full", None, 1)
            .unwrap_err()
            .to_string();
        assert!(e.contains("CA") && !e.contains("s3cret"), "{e}");
    }

    #[test]
    fn an_unreachable_database_is_unavailable() {
        // A loopback port nobody listens on: refused at once.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let store =
            PostgresStore::new(&format!("postgres://u:pw@127.0.0.1:{port}/db"), None, 2).unwrap();
        match store.ping() {
            Err(StoreError::Unavailable(reason)) => {
                assert!(
                    reason.starts_with("cannot connect to the database"),
                    "{reason}"
                );
                assert!(!reason.contains("pw"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        // The failed attempt gave its slot back.
        assert_eq!(store.lock().open, 0);
    }
}
