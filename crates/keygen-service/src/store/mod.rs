//! Storage of key-pair resources (public data only) behind a small trait,
//! with two implementations: an embedded SQLite database (the default, one
//! file in the data directory) and PostgreSQL (shared by any number of
//! service instances).
//!
//! Both follow one schema history ([`MIGRATIONS`]) and give the same answers:
//! the same filters, the same sort order (byte order of UTF-8 text, `NULL`
//! before any description), the same tie-breakers and the same paging.

mod postgres;
mod postgres_tls;
mod sqlite;

use std::collections::BTreeMap;

use crate::domain::{KeyPairId, ProjectId, ProvisioningState, ZoneName};

pub use self::postgres::PostgresStore;
pub use self::sqlite::SqliteStore;

/// One stored key pair. It has no private key field: there is nowhere to
/// put one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Its id.
    pub id: KeyPairId,
    /// Project id.
    pub project: ProjectId,
    /// Zone name.
    pub zone: ZoneName,
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
    pub state: ProvisioningState,
}

/// A record from its stored columns, each checked: a row this program did
/// not write is an error, not a resource.
#[expect(clippy::too_many_arguments, reason = "one argument per column")]
fn record_from_columns(
    id: &str,
    project: &str,
    zone: &str,
    name: String,
    description: Option<String>,
    tags: &str,
    public_key: String,
    fingerprint: String,
    created_us: i64,
    modified_us: i64,
    requester: String,
    state: &str,
) -> Result<Record, StoreError> {
    Ok(Record {
        id: KeyPairId::parse(id).map_err(|_| StoreError::Corrupt("id"))?,
        project: ProjectId::new(project).map_err(|_| StoreError::Corrupt("project"))?,
        zone: ZoneName::new(zone).map_err(|_| StoreError::Corrupt("zone"))?,
        name,
        description,
        tags: serde_json::from_str(tags).map_err(|_| StoreError::Corrupt("tags"))?,
        public_key,
        fingerprint,
        created_us,
        modified_us,
        requester,
        state: ProvisioningState::parse(state).map_err(|_| StoreError::Corrupt("state"))?,
    })
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

    /// Whether the column may hold `NULL`.
    fn nullable(self) -> bool {
        matches!(self, Self::Description)
    }
}

/// A find request, already validated.
#[derive(Clone, Debug)]
pub struct FindQuery {
    /// Project.
    pub project: ProjectId,
    /// Zone.
    pub zone: ZoneName,
    /// Exact name filter.
    pub name: Option<String>,
    /// State filter.
    pub state: Option<ProvisioningState>,
    /// Items to skip.
    pub offset: u64,
    /// Items to return at most.
    pub limit: u64,
    /// Sort keys, `true` for descending.
    pub sort: Vec<(SortField, bool)>,
}

impl FindQuery {
    /// Every key pair of `project` and `zone`, in the default order, the
    /// default page (the first 100).
    #[must_use]
    pub fn new(project: ProjectId, zone: ZoneName) -> Self {
        Self {
            project,
            zone,
            name: None,
            state: None,
            offset: 0,
            limit: 100,
            sort: Vec::new(),
        }
    }
}

/// Why a store operation failed. Messages name the failure, never SQL,
/// connection strings or stored values.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// The name is taken in that project and zone.
    Duplicate,
    /// The database cannot be used right now (busy, locked, unreachable).
    /// The text says why, for logs and `/readyz`.
    Unavailable(String),
    /// The data directory cannot be created.
    DataDir {
        /// The directory.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A thread of the store could not be started.
    Thread(std::io::Error),
    /// SQLite refused a statement (for another reason than availability).
    Sqlite {
        /// SQLite's primary result code, when the error came from SQLite.
        code: Option<rusqlite::ErrorCode>,
        /// rusqlite's message.
        message: String,
    },
    /// PostgreSQL refused a statement (for another reason than
    /// availability): its SQLSTATE and message.
    Postgres {
        /// The SQLSTATE code.
        sqlstate: String,
        /// The server's message.
        message: String,
    },
    /// The database URL is malformed (the detail never repeats the URL).
    InvalidUrl(String),
    /// TLS to the database cannot be set up as the URL asks.
    Tls(crate::tls::TlsError),
    /// The database refused the connection, which trying again will not
    /// change (credentials, database name, certificate).
    Refused {
        /// The database's address without the password.
        target: String,
        /// Why.
        reason: String,
    },
    /// A step of the schema history failed.
    Migration(Box<StoreError>),
    /// A stored row holds what this program does not write, in the column
    /// named.
    Corrupt(&'static str),
    /// Tags could not be encoded.
    Encoding(serde_json::Error),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Duplicate => write!(f, "duplicate name"),
            Self::Unavailable(e) => write!(f, "store unavailable: {e}"),
            Self::DataDir { path, source } => {
                write!(f, "cannot create {}: {source}", path.display())
            }
            Self::Thread(e) => write!(f, "cannot start the store's writer thread: {e}"),
            Self::Sqlite { message, .. } => write!(f, "sqlite: {message}"),
            Self::Postgres { sqlstate, message } => write!(f, "postgresql: {message} ({sqlstate})"),
            Self::InvalidUrl(detail) => write!(f, "invalid database URL{detail}"),
            Self::Tls(e) => write!(f, "database tls: {e}"),
            Self::Refused { target, reason } => write!(f, "cannot connect to {target}: {reason}"),
            Self::Migration(e) => write!(f, "migration failed: {e}"),
            Self::Corrupt(column) => write!(f, "a stored key pair has an invalid {column}"),
            Self::Encoding(e) => write!(f, "cannot encode tags: {e}"),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::DataDir { source, .. } | Self::Thread(source) => Some(source),
            Self::Migration(e) => Some(e.as_ref()),
            Self::Encoding(e) => Some(e),
            Self::Tls(e) => Some(e),
            _ => None,
        }
    }
}

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
    fn get(
        &self,
        project: &ProjectId,
        zone: &ZoneName,
        id: KeyPairId,
    ) -> Result<Option<Record>, StoreError>;
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
    fn delete(
        &self,
        project: &ProjectId,
        zone: &ZoneName,
        id: KeyPairId,
    ) -> Result<bool, StoreError>;
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
    /// Sets a setting unless it already has a value, and returns the value
    /// it has afterwards: `value` if this call set it, else the one already
    /// stored (by an earlier start, or by another instance starting at the
    /// same time). Stores shared by several processes make this atomic.
    ///
    /// # Errors
    ///
    /// When the database fails.
    fn init_setting(&self, key: &str, value: &str) -> Result<String, StoreError> {
        if let Some(existing) = self.setting(key)? {
            return Ok(existing);
        }
        self.set_setting(key, value)?;
        Ok(value.to_owned())
    }
}

/// One step of the schema history.
#[derive(Clone, Copy, Debug)]
pub struct Migration {
    /// 1, 2, 3…: the position in [`MIGRATIONS`] and the number of its SQL
    /// files. SQLite records the last applied version in
    /// `PRAGMA user_version`, PostgreSQL in the table `schema_migrations`.
    pub version: u32,
    /// What the step does.
    pub description: &'static str,
    /// The name of its SQL file in each dialect's directory.
    pub file: &'static str,
    /// The step in SQLite's dialect (`migrations/sqlite/NNNN_*.sql`).
    pub sqlite: &'static str,
    /// The step in PostgreSQL's dialect (`migrations/postgres/NNNN_*.sql`).
    pub postgres: &'static str,
}

/// The steps of the schema history from their SQL files, one per dialect
/// under the same file name.
macro_rules! migrations {
    ($($version:literal $file:literal $description:literal,)*) => {
        &[$(Migration {
            version: $version,
            description: $description,
            file: $file,
            sqlite: include_str!(concat!("../../migrations/sqlite/", $file)),
            postgres: include_str!(concat!("../../migrations/postgres/", $file)),
        },)*]
    };
}

/// The schema history, shared by every store and applied in order at start.
/// Steps are only ever appended: a database records the number of the last
/// step it applied, so a step once released never changes.
pub const MIGRATIONS: &[Migration] = migrations![
    1 "0001_init.sql" "key pairs, unique by project, zone and name; settings",
    2 "0002_find_order_index.sql" "index for the default find order (oldest first) within a project and zone",
];

/// The columns of a record, in [`Record`]'s order.
const COLUMNS: &str = "id, project, zone, name, description, tags, public_key, fingerprint, created_us, modified_us, requester, state";

/// The SQL dialects of the stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// The `n`th (1-based) query parameter.
    fn param(self, n: usize) -> String {
        match self {
            Self::Sqlite => format!("?{n}"),
            Self::Postgres => format!("${n}"),
        }
    }
}

/// A find's `WHERE` clause and its text parameters, in order.
fn find_filter(q: &FindQuery, dialect: Dialect) -> (String, Vec<&str>) {
    let mut args = vec![q.project.as_str(), q.zone.as_str()];
    let mut filter = format!(
        "project = {} AND zone = {}",
        dialect.param(1),
        dialect.param(2)
    );
    let state = q.state.map(ProvisioningState::as_str);
    for (column, value) in [("name", q.name.as_deref()), ("state", state)] {
        if let Some(value) = value {
            args.push(value);
            filter.push_str(&format!(" AND {column} = {}", dialect.param(args.len())));
        }
    }
    (filter, args)
}

/// A find's `ORDER BY` list: the requested keys, then oldest first, then by
/// id (unique), so every order is total and pages never overlap. Columns
/// come from [`SortField`], never from the request. `prefix` qualifies each
/// column (such as `k.`).
///
/// SQLite puts `NULL` first in ascending order and last in descending
/// order; PostgreSQL does the opposite unless told, so it is told.
fn find_order(q: &FindQuery, dialect: Dialect, prefix: &str) -> String {
    let mut order: Vec<String> = q
        .sort
        .iter()
        .map(|&(field, desc)| {
            let direction = if desc { "DESC" } else { "ASC" };
            let nulls = match (dialect, field.nullable(), desc) {
                (Dialect::Postgres, true, false) => " NULLS FIRST",
                (Dialect::Postgres, true, true) => " NULLS LAST",
                _ => "",
            };
            format!("{prefix}{} {direction}{nulls}", field.column())
        })
        .collect();
    order.push(format!("{prefix}created_us ASC"));
    order.push(format!("{prefix}id ASC"));
    order.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_in_order() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(
                usize::try_from(m.version).unwrap(),
                i + 1,
                "{}",
                m.description
            );
            assert!(!m.sqlite.trim().is_empty() && !m.postgres.trim().is_empty());
            assert!(
                m.file.starts_with(&format!("{:04}_", m.version)) && m.file.ends_with(".sql"),
                "{}",
                m.file
            );
        }
    }

    /// Both dialects have the same steps, under the same numbers and names,
    /// and the table above embeds every one of them.
    #[test]
    fn both_dialects_have_the_same_numbered_files() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let list = |dialect: &str| {
            let mut names: Vec<String> = std::fs::read_dir(dir.join(dialect))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        let sqlite = list("sqlite");
        assert_eq!(sqlite, list("postgres"));
        let embedded: Vec<&str> = MIGRATIONS.iter().map(|m| m.file).collect();
        assert_eq!(sqlite, embedded);
        for m in MIGRATIONS {
            let file = m.file;
            for (dialect, sql) in [("sqlite", m.sqlite), ("postgres", m.postgres)] {
                let on_disk = std::fs::read_to_string(dir.join(dialect).join(file)).unwrap();
                assert_eq!(sql, on_disk, "{dialect}/{file}");
            }
        }
    }

    #[test]
    fn filters_and_orders_in_both_dialects() {
        let q = FindQuery {
            state: Some(ProvisioningState::Active),
            limit: 10,
            sort: vec![(SortField::Description, true), (SortField::Name, false)],
            ..FindQuery::new(ProjectId::new("p").unwrap(), ZoneName::new("z").unwrap())
        };
        let (filter, args) = find_filter(&q, Dialect::Postgres);
        assert_eq!(filter, "project = $1 AND zone = $2 AND state = $3");
        assert_eq!(args, ["p", "z", "active"]);
        let (filter, _) = find_filter(&q, Dialect::Sqlite);
        assert_eq!(filter, "project = ?1 AND zone = ?2 AND state = ?3");
        assert_eq!(
            find_order(&q, Dialect::Sqlite, ""),
            "description DESC, name ASC, created_us ASC, id ASC"
        );
        assert_eq!(
            find_order(&q, Dialect::Postgres, "k."),
            "k.description DESC NULLS LAST, k.name ASC, k.created_us ASC, k.id ASC"
        );
    }
}
