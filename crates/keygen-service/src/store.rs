//! Storage of key-pair resources (public data only) behind a small trait,
//! with the embedded SQLite implementation.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};

use rusqlite::{Connection, ErrorCode, OptionalExtension, params_from_iter};

/// One stored key pair. It has no private key field: there is nowhere to
/// put one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// UUID.
    pub id: String,
    /// Project id.
    pub project: String,
    /// Zone name.
    pub zone: String,
    /// Unique per project and zone.
    pub name: String,
    /// Optional description.
    pub description: Option<String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Normalised OpenSSH public key line.
    pub public_key: String,
    /// `SHA256:` fingerprint.
    pub fingerprint: String,
    /// Microseconds since the Unix epoch.
    pub created_us: i64,
    /// Microseconds since the Unix epoch.
    pub modified_us: i64,
    /// Who made the last change.
    pub requester: String,
    /// Provisioning state.
    pub state: String,
}

/// Sortable fields, as the API names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortField {
    /// `name`
    Name,
    /// `createdDate`
    Created,
    /// `lastModifiedDate`
    Modified,
    /// `provisioningState`
    State,
    /// `id`
    Id,
    /// `description`
    Description,
}

impl SortField {
    /// Parses an API field name.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "name" => Self::Name,
            "createdDate" => Self::Created,
            "lastModifiedDate" => Self::Modified,
            "provisioningState" => Self::State,
            "id" => Self::Id,
            "description" => Self::Description,
            _ => return None,
        })
    }

    fn column(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Created => "created_us",
            Self::Modified => "modified_us",
            Self::State => "state",
            Self::Id => "id",
            Self::Description => "description",
        }
    }
}

/// A find request, already validated.
#[derive(Clone, Debug)]
pub struct FindQuery {
    /// Project.
    pub project: String,
    /// Zone.
    pub zone: String,
    /// Exact name filter.
    pub name: Option<String>,
    /// State filter.
    pub state: Option<String>,
    /// Items to skip.
    pub offset: u64,
    /// Items to return at most.
    pub limit: u64,
    /// Sort keys, `true` for descending.
    pub sort: Vec<(SortField, bool)>,
}

/// Why a store operation failed.
#[derive(Debug)]
pub enum StoreError {
    /// The name is taken in that project and zone.
    Duplicate,
    /// The database cannot be used right now (busy, locked, unreachable).
    Unavailable(String),
    /// Anything else.
    Other(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Duplicate => write!(f, "duplicate name"),
            Self::Unavailable(e) => write!(f, "store unavailable: {e}"),
            Self::Other(e) => write!(f, "store error: {e}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// A key-pair store. Methods block: callers run them off the async runtime.
pub trait Store: Send + Sync + 'static {
    /// Inserts a new record; [`StoreError::Duplicate`] when the name is taken.
    ///
    /// # Errors
    ///
    /// As described.
    fn insert(&self, record: &Record) -> Result<(), StoreError>;
    /// One record of this project and zone.
    ///
    /// # Errors
    ///
    /// When the database fails.
    fn get(&self, project: &str, zone: &str, id: &str) -> Result<Option<Record>, StoreError>;
    /// Matching records (one page) and the total count of matches.
    ///
    /// # Errors
    ///
    /// When the database fails.
    fn find(&self, query: &FindQuery) -> Result<(u64, Vec<Record>), StoreError>;
    /// Deletes a record; `false` when there was none.
    ///
    /// # Errors
    ///
    /// When the database fails.
    fn delete(&self, project: &str, zone: &str, id: &str) -> Result<bool, StoreError>;
    /// Whether the database answers.
    ///
    /// # Errors
    ///
    /// When it does not.
    fn ping(&self) -> Result<(), StoreError>;
    /// A service setting (such as the admin token's digest).
    ///
    /// # Errors
    ///
    /// When the database fails.
    fn setting(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// Sets a service setting.
    ///
    /// # Errors
    ///
    /// When the database fails.
    fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError>;
}

/// Schema history, applied in order; `PRAGMA user_version` records how far.
const MIGRATIONS: &[&str] = &["CREATE TABLE keypairs (
        id TEXT PRIMARY KEY,
        project TEXT NOT NULL,
        zone TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT,
        tags TEXT NOT NULL,
        public_key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        created_us INTEGER NOT NULL,
        modified_us INTEGER NOT NULL,
        requester TEXT NOT NULL,
        state TEXT NOT NULL
    );
    CREATE UNIQUE INDEX keypairs_project_zone_name ON keypairs (project, zone, name);
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);"];

/// SQLite in one file: WAL, `synchronous = FULL` (an acknowledged create
/// survives a crash of the process or the machine), a few reader
/// connections, and one writer thread that commits concurrent writes
/// together (group commit: one fsync for a batch, each write still
/// acknowledged only after its batch is durable).
pub struct SqliteStore {
    writer: Mutex<mpsc::Sender<WriteOp>>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("readers", &self.readers.len())
            .finish()
    }
}

fn sql_err(e: &rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::ConstraintViolation) => StoreError::Duplicate,
        Some(
            ErrorCode::DatabaseBusy
            | ErrorCode::DatabaseLocked
            | ErrorCode::CannotOpen
            | ErrorCode::SystemIoFailure
            | ErrorCode::DiskFull,
        ) => StoreError::Unavailable(e.to_string()),
        _ => StoreError::Other(e.to_string()),
    }
}

impl SqliteStore {
    /// Opens (creating if needed) `keygen.sqlite3` in `dir` and migrates it.
    ///
    /// # Errors
    ///
    /// When the directory or database cannot be created or opened.
    pub fn open(dir: &Path, readers: usize) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Other(format!("cannot create {}: {e}", dir.display())))?;
        let path = dir.join("keygen.sqlite3");
        let open = || -> Result<Connection, StoreError> {
            let conn = Connection::open(&path).map_err(|e| sql_err(&e))?;
            conn.busy_timeout(std::time::Duration::from_secs(5))
                .map_err(|e| sql_err(&e))?;
            conn.execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
            )
            .map_err(|e| sql_err(&e))?;
            Ok(conn)
        };
        let mut writer = open()?;
        migrate(&mut writer)?;
        let readers = (0..readers.max(1))
            .map(|_| open().map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            writer: Mutex::new(spawn_writer(writer)?),
            readers,
            next_reader: AtomicUsize::new(0),
        })
    }

    fn reader(&self) -> std::sync::MutexGuard<'_, Connection> {
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        // A poisoned lock only means another thread panicked mid-query;
        // SQLite's own state is consistent, so keep using the connection.
        self.readers[i]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs one write on the writer thread and waits until its batch is
    /// committed.
    fn write<T: Send + 'static>(
        &self,
        op: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = mpsc::sync_channel(1);
        let job: WriteOp = Box::new(move |conn: &Connection| {
            let result = op(conn);
            Box::new(move |committed: Result<(), StoreError>| {
                let _ = tx.send(committed.and(result));
            }) as Reply
        });
        self.writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .send(job)
            .map_err(|_| StoreError::Unavailable("the writer thread stopped".into()))?;
        rx.recv()
            .map_err(|_| StoreError::Unavailable("the write could not be committed".into()))?
    }
}

/// Sends a write's outcome once its batch's commit is known.
type Reply = Box<dyn FnOnce(Result<(), StoreError>) + Send>;
/// One write: runs inside the batch's transaction, returns how to reply.
type WriteOp = Box<dyn FnOnce(&Connection) -> Reply + Send>;

/// Writes committed in one transaction at most.
const MAX_BATCH: usize = 256;

fn spawn_writer(conn: Connection) -> Result<mpsc::Sender<WriteOp>, StoreError> {
    let (tx, rx) = mpsc::channel::<WriteOp>();
    std::thread::Builder::new()
        .name("keygen-sqlite-writer".into())
        .spawn(move || {
            while let Ok(first) = rx.recv() {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(op) => batch.push(op),
                        Err(_) => break,
                    }
                }
                // A failing statement (such as a duplicate name) is undone
                // alone; the transaction and the other writes go on.
                let begun = conn
                    .execute_batch("BEGIN IMMEDIATE")
                    .map_err(|e| sql_err(&e));
                let replies: Vec<Reply> = match &begun {
                    // SQLite may roll the whole transaction back on some
                    // errors (disk full, I/O): then the rest of the batch
                    // must not run in autocommit mode and be stored while
                    // reported failed. Dropped ops answer "not committed".
                    Ok(()) => batch
                        .into_iter()
                        .map_while(|op| (!conn.is_autocommit()).then(|| op(&conn)))
                        .collect(),
                    Err(_) => batch
                        .into_iter()
                        .map(|_| Box::new(|_: Result<(), StoreError>| {}) as Reply)
                        .collect(),
                };
                let committed = begun.and_then(|()| {
                    conn.execute_batch("COMMIT").map_err(|e| {
                        let _ = conn.execute_batch("ROLLBACK");
                        sql_err(&e)
                    })
                });
                for reply in replies {
                    reply(match &committed {
                        Ok(()) => Ok(()),
                        Err(e) => Err(StoreError::Unavailable(e.to_string())),
                    });
                }
            }
        })
        .map_err(|e| StoreError::Other(format!("cannot start the writer thread: {e}")))?;
    Ok(tx)
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| sql_err(&e))?;
    let done = usize::try_from(version).unwrap_or(0);
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
        let tx = conn.transaction().map_err(|e| sql_err(&e))?;
        tx.execute_batch(sql).map_err(|e| sql_err(&e))?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))
            .map_err(|e| sql_err(&e))?;
        tx.commit().map_err(|e| sql_err(&e))?;
    }
    Ok(())
}

const COLUMNS: &str = "id, project, zone, name, description, tags, public_key, fingerprint, created_us, modified_us, requester, state";

fn row_to_record(row: &rusqlite::Row<'_>) -> rusqlite::Result<Record> {
    let tags: String = row.get(5)?;
    Ok(Record {
        id: row.get(0)?,
        project: row.get(1)?,
        zone: row.get(2)?,
        name: row.get(3)?,
        description: row.get(4)?,
        tags: serde_json::from_str(&tags).unwrap_or_default(),
        public_key: row.get(6)?,
        fingerprint: row.get(7)?,
        created_us: row.get(8)?,
        modified_us: row.get(9)?,
        requester: row.get(10)?,
        state: row.get(11)?,
    })
}

impl Store for SqliteStore {
    fn insert(&self, r: &Record) -> Result<(), StoreError> {
        let tags = serde_json::to_string(&r.tags).map_err(|e| StoreError::Other(e.to_string()))?;
        let r = r.clone();
        self.write(move |conn| {
            conn.prepare_cached(&format!(
                "INSERT INTO keypairs ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
            ))
            .and_then(|mut stmt| {
                stmt.execute(rusqlite::params![
                    r.id,
                    r.project,
                    r.zone,
                    r.name,
                    r.description,
                    tags,
                    r.public_key,
                    r.fingerprint,
                    r.created_us,
                    r.modified_us,
                    r.requester,
                    r.state
                ])
            })
            .map(|_| ())
            .map_err(|e| sql_err(&e))
        })
    }

    fn get(&self, project: &str, zone: &str, id: &str) -> Result<Option<Record>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM keypairs WHERE project = ?1 AND zone = ?2 AND id = ?3"
            ))
            .map_err(|e| sql_err(&e))?;
        stmt.query_row([project, zone, id], row_to_record)
            .optional()
            .map_err(|e| sql_err(&e))
    }

    fn find(&self, q: &FindQuery) -> Result<(u64, Vec<Record>), StoreError> {
        let mut filter = String::from("project = ?1 AND zone = ?2");
        let mut args: Vec<String> = vec![q.project.clone(), q.zone.clone()];
        if let Some(name) = &q.name {
            args.push(name.clone());
            filter.push_str(&format!(" AND name = ?{}", args.len()));
        }
        if let Some(state) = &q.state {
            args.push(state.clone());
            filter.push_str(&format!(" AND state = ?{}", args.len()));
        }
        // Column names come from the SortField enum, never from the request.
        let mut order: Vec<String> = q
            .sort
            .iter()
            .map(|(f, desc)| format!("{} {}", f.column(), if *desc { "DESC" } else { "ASC" }))
            .collect();
        order.push("created_us ASC".into());
        order.push("id ASC".into());
        let conn = self.reader();
        let total: i64 = conn
            .prepare_cached(&format!("SELECT COUNT(*) FROM keypairs WHERE {filter}"))
            .and_then(|mut stmt| stmt.query_row(params_from_iter(args.iter()), |r| r.get(0)))
            .map_err(|e| sql_err(&e))?;
        let limit = i64::try_from(q.limit).unwrap_or(i64::MAX);
        let offset = i64::try_from(q.offset).unwrap_or(i64::MAX);
        let sql = format!(
            "SELECT {COLUMNS} FROM keypairs WHERE {filter} ORDER BY {} LIMIT {limit} OFFSET {offset}",
            order.join(", ")
        );
        let mut stmt = conn.prepare_cached(&sql).map_err(|e| sql_err(&e))?;
        let rows = stmt
            .query_map(params_from_iter(args.iter()), row_to_record)
            .map_err(|e| sql_err(&e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| sql_err(&e))?;
        Ok((u64::try_from(total).unwrap_or(0), rows))
    }

    fn delete(&self, project: &str, zone: &str, id: &str) -> Result<bool, StoreError> {
        let (project, zone, id) = (project.to_owned(), zone.to_owned(), id.to_owned());
        self.write(move |conn| {
            conn.execute(
                "DELETE FROM keypairs WHERE project = ?1 AND zone = ?2 AND id = ?3",
                [project, zone, id],
            )
            .map(|n| n > 0)
            .map_err(|e| sql_err(&e))
        })
    }

    fn ping(&self) -> Result<(), StoreError> {
        self.reader()
            .query_row("SELECT 1", [], |_| Ok(()))
            .map_err(|e| sql_err(&e))
    }

    fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.reader()
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| sql_err(&e))
    }

    fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let (key, value) = (key.to_owned(), value.to_owned());
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            .map(|_| ())
            .map_err(|e| sql_err(&e))
        })
    }
}
