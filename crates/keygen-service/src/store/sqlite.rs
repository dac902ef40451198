//! The embedded SQLite store: one file in the data directory.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};

use rusqlite::{Connection, ErrorCode, OptionalExtension, params_from_iter};

use super::{
    COLUMNS, Dialect, FindQuery, MIGRATIONS, Record, Store, StoreError, find_filter, find_order,
    record_from_columns,
};
use crate::domain::{KeyPairId, ProjectId, ZoneName};

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
        code => StoreError::Sqlite {
            code,
            message: e.to_string(),
        },
    }
}

impl SqliteStore {
    /// Opens (creating if needed) `keygen.sqlite3` in `dir` and migrates it.
    ///
    /// # Errors
    ///
    /// When the directory or database cannot be created or opened.
    pub fn open(dir: &Path, readers: usize) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
            path: dir.to_path_buf(),
            source,
        })?;
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
        .map_err(StoreError::Thread)?;
    Ok(tx)
}

/// Applies the steps of [`MIGRATIONS`] past `PRAGMA user_version`, each in
/// its own transaction with the version it reaches.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| sql_err(&e))?;
    if let Some(last) = MIGRATIONS.last()
        && version > i64::from(last.version)
    {
        tracing::warn!(
            version,
            known = last.version,
            "the database schema is newer than this program knows"
        );
    }
    for m in MIGRATIONS.iter().filter(|m| i64::from(m.version) > version) {
        let tx = conn.transaction().map_err(|e| sql_err(&e))?;
        tx.execute_batch(m.sqlite).map_err(|e| sql_err(&e))?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", m.version))
            .map_err(|e| sql_err(&e))?;
        tx.commit().map_err(|e| sql_err(&e))?;
        tracing::info!(version = m.version, description = m.description, "migrated");
    }
    Ok(())
}

/// A row's columns as stored, checked by [`Row::into_record`] outside
/// rusqlite's callback (which can only return rusqlite's errors).
struct Row {
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

fn row_columns(row: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        text: [row.get(0)?, row.get(1)?, row.get(2)?],
        name: row.get(3)?,
        description: row.get(4)?,
        tags: row.get(5)?,
        public_key: row.get(6)?,
        fingerprint: row.get(7)?,
        created_us: row.get(8)?,
        modified_us: row.get(9)?,
        requester: row.get(10)?,
        state: row.get(11)?,
    })
}

impl Row {
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

impl Store for SqliteStore {
    fn insert(&self, r: &Record) -> Result<(), StoreError> {
        let tags = serde_json::to_string(&r.tags).map_err(StoreError::Encoding)?;
        let r = r.clone();
        self.write(move |conn| {
            conn.prepare_cached(&format!(
                "INSERT INTO keypairs ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
            ))
            .and_then(|mut stmt| {
                stmt.execute(rusqlite::params![
                    r.id.to_string(),
                    r.project.as_str(),
                    r.zone.as_str(),
                    r.name,
                    r.description,
                    tags,
                    r.public_key,
                    r.fingerprint,
                    r.created_us,
                    r.modified_us,
                    r.requester,
                    r.state.as_str()
                ])
            })
            .map(|_| ())
            .map_err(|e| sql_err(&e))
        })
    }

    fn get(
        &self,
        project: &ProjectId,
        zone: &ZoneName,
        id: KeyPairId,
    ) -> Result<Option<Record>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM keypairs WHERE project = ?1 AND zone = ?2 AND id = ?3"
            ))
            .map_err(|e| sql_err(&e))?;
        stmt.query_row(
            [project.as_str(), zone.as_str(), &id.to_string()],
            row_columns,
        )
        .optional()
        .map_err(|e| sql_err(&e))?
        .map(Row::into_record)
        .transpose()
    }

    fn find(&self, q: &FindQuery) -> Result<(u64, Vec<Record>), StoreError> {
        let (filter, args) = find_filter(q, Dialect::Sqlite);
        let order = find_order(q, Dialect::Sqlite, "");
        let conn = self.reader();
        let total: i64 = conn
            .prepare_cached(&format!("SELECT COUNT(*) FROM keypairs WHERE {filter}"))
            .and_then(|mut stmt| stmt.query_row(params_from_iter(args.iter()), |r| r.get(0)))
            .map_err(|e| sql_err(&e))?;
        let limit = i64::try_from(q.limit).unwrap_or(i64::MAX);
        let offset = i64::try_from(q.offset).unwrap_or(i64::MAX);
        let sql = format!(
            "SELECT {COLUMNS} FROM keypairs WHERE {filter} ORDER BY {order} LIMIT {limit} OFFSET {offset}"
        );
        let mut stmt = conn.prepare_cached(&sql).map_err(|e| sql_err(&e))?;
        let rows = stmt
            .query_map(params_from_iter(args.iter()), row_columns)
            .map_err(|e| sql_err(&e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| sql_err(&e))?
            .into_iter()
            .map(Row::into_record)
            .collect::<Result<Vec<_>, _>>()?;
        Ok((u64::try_from(total).unwrap_or(0), rows))
    }

    fn delete(
        &self,
        project: &ProjectId,
        zone: &ZoneName,
        id: KeyPairId,
    ) -> Result<bool, StoreError> {
        let (project, zone, id) = (
            project.as_str().to_owned(),
            zone.as_str().to_owned(),
            id.to_string(),
        );
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

    fn init_setting(&self, key: &str, value: &str) -> Result<String, StoreError> {
        let (key, value) = (key.to_owned(), value.to_owned());
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
                [&key, &value],
            )
            .and_then(|_| {
                conn.query_row("SELECT value FROM settings WHERE key = ?1", [&key], |r| {
                    r.get(0)
                })
            })
            .map_err(|e| sql_err(&e))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_to_the_last_version_and_sets_settings_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path(), 1).unwrap();
        let version: i64 = store
            .reader()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, i64::from(MIGRATIONS.last().unwrap().version));
        assert_eq!(store.init_setting("k", "first").unwrap(), "first");
        assert_eq!(store.init_setting("k", "second").unwrap(), "first");
        store.set_setting("k", "third").unwrap();
        assert_eq!(store.setting("k").unwrap().as_deref(), Some("third"));
        drop(store);
        // Opening again applies nothing twice.
        let store = SqliteStore::open(dir.path(), 1).unwrap();
        assert_eq!(store.setting("k").unwrap().as_deref(), Some("third"));
    }

    /// A database left at version 1 (as the first release made it) with
    /// data in it is brought to the last version, its data untouched.
    #[test]
    fn an_older_database_is_upgraded_in_place() {
        let dir = tempfile::tempdir().unwrap();
        {
            let conn = Connection::open(dir.path().join("keygen.sqlite3")).unwrap();
            conn.execute_batch(MIGRATIONS[0].sqlite).unwrap();
            conn.execute_batch(
                "PRAGMA user_version = 1;
                 INSERT INTO settings (key, value) VALUES ('admin_token_sha256', 'abc');",
            )
            .unwrap();
        }
        let store = SqliteStore::open(dir.path(), 1).unwrap();
        assert_eq!(
            store.setting("admin_token_sha256").unwrap().as_deref(),
            Some("abc")
        );
        let conn = store.reader();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, i64::from(MIGRATIONS.last().unwrap().version));
        let index: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name = 'keypairs_project_zone_created'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(index, 1);
    }
}
