//! `keygen-service`: serve the key-pair API.
//!
//! With no configuration it listens on 127.0.0.1:8080, keeps its SQLite
//! database in `./keygen-data/`, and on first start prints a generated admin
//! token once (only its SHA-256 is stored). With `--database-url
//! postgres://…` (or `KEYGEN_DATABASE_URL`) it keeps key pairs in PostgreSQL
//! instead, which any number of instances may share. With `--tls-cert` and
//! `--tls-key` it serves HTTPS only; without them it serves plain HTTP, and
//! only on a loopback address unless `--allow-plaintext` says a proxy
//! terminates TLS in front of it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use base64ct::{Base64UrlUnpadded, Encoding};
use clap::Parser;
use keygen_service::config::{self, Config, ConfigError, DatabaseUrl};
use keygen_service::internal::{CertStore, Limits, Server, shutdown_signal};
use keygen_service::store::{PostgresStore, SqliteStore, Store, StoreError};
use keygen_service::{AppState, TlsError, app_with_layers, metrics_router};

/// Serve the key-pair API (create, find, get, delete) over HTTPS or HTTP.
#[derive(Debug, Parser)]
#[command(name = "keygen-service", version, about)]
struct Args {
    /// Address to listen on [default: 127.0.0.1:8080]. Port 0 picks a free
    /// port; the address is printed on the first line of standard output.
    #[arg(long, env = "KEYGEN_LISTEN")]
    listen: Option<SocketAddr>,
    /// Directory of the SQLite database [default: ./keygen-data].
    #[arg(long, env = "KEYGEN_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// PostgreSQL URL (postgres://user:password@host:port/database): keep
    /// key pairs there, shared with other instances, instead of in SQLite.
    /// Prefer the environment variable: a command line is visible to every
    /// local user.
    #[arg(long, env = "KEYGEN_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// TOML configuration file: credentials, zones, pool size, limits.
    #[arg(long, env = "KEYGEN_CONFIG")]
    config: Option<PathBuf>,
    /// Keys to keep pre-generated (0 disables the pool).
    #[arg(long, env = "KEYGEN_POOL_SIZE")]
    pool_size: Option<usize>,
    /// Fewest characters of an imported public key line [default: 512, the
    /// contract's]; 0 disables the minimum, so short keys such as Ed25519
    /// import without a padding comment.
    #[arg(long, env = "KEYGEN_MIN_PUBLIC_KEY_LENGTH")]
    min_public_key_length: Option<usize>,
    /// TLS certificate chain (PEM, leaf first): serve HTTPS only. Reloaded
    /// on SIGHUP and when the file changes.
    #[arg(long, env = "KEYGEN_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM: PKCS#8, PKCS#1 or SEC1), readable by its owner
    /// only (mode 600 or 400).
    #[arg(long, env = "KEYGEN_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Serve plain HTTP on an address that is not loopback, behind a proxy
    /// that terminates TLS.
    #[arg(long, env = "KEYGEN_ALLOW_PLAINTEXT")]
    allow_plaintext: bool,
    /// Serve /metrics on this separate (internal) address instead of the
    /// API's.
    #[arg(long, env = "KEYGEN_METRICS_LISTEN")]
    metrics_listen: Option<SocketAddr>,
    /// CA certificates (PEM) that PostgreSQL's server certificate must
    /// chain to (sslmode=verify-ca, verify-full; also sslrootcert= in the
    /// URL).
    #[arg(long, env = "KEYGEN_DATABASE_CA_FILE")]
    database_ca_file: Option<PathBuf>,
}

const ADMIN_SETTING: &str = "admin_token_sha256";

/// How long a start waits for PostgreSQL to become reachable.
const DATABASE_START_WAIT: Duration = Duration::from_secs(30);

fn main() -> ExitCode {
    let args = Args::parse();
    let mut filter = tracing_subscriber::EnvFilter::try_from_env("KEYGEN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // The PostgreSQL client logs every statement's parameters at debug
    // level: stored settings (the admin token's digest) among them. They
    // stay out of the log whatever KEYGEN_LOG asks.
    if let Ok(quiet) = "tokio_postgres::query=info".parse() {
        filter = filter.add_directive(quiet);
    }
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("keygen-service: {error}");
            ExitCode::from(2)
        }
    }
}

/// Why the service could not start (or stopped short).
#[derive(Debug)]
enum StartError {
    /// The configuration cannot be used.
    Config(ConfigError),
    /// The TLS certificate or key cannot be used.
    Tls(TlsError),
    /// The blocklist file cannot be read or parsed.
    Blocklist { path: PathBuf, reason: String },
    /// The store cannot be opened or used.
    Store(StoreError),
    /// `KEYGEN_ADMIN_TOKEN` is too short.
    AdminTokenTooShort,
    /// The stored admin token's digest is not 64 hex digits.
    AdminDigestMalformed,
    /// No random bytes for a new admin token.
    Random(getrandom::Error),
    /// The async runtime did not start.
    Runtime(std::io::Error),
    /// An address cannot be listened on.
    Listen {
        addr: SocketAddr,
        what: &'static str,
        source: std::io::Error,
    },
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Config(e) => e.fmt(f),
            Self::Tls(e) => e.fmt(f),
            Self::Blocklist { path, reason } => write!(f, "{}: {reason}", path.display()),
            Self::Store(e) => e.fmt(f),
            Self::AdminTokenTooShort => {
                f.write_str("KEYGEN_ADMIN_TOKEN must be at least 16 characters")
            }
            Self::AdminDigestMalformed => f.write_str("the stored admin token digest is malformed"),
            Self::Random(e) => write!(f, "cannot generate the admin token: {e}"),
            Self::Runtime(e) => write!(f, "cannot start the runtime: {e}"),
            Self::Listen { addr, what, source } => {
                write!(f, "cannot listen on {addr}{what}: {source}")
            }
        }
    }
}

impl std::error::Error for StartError {}

impl From<ConfigError> for StartError {
    fn from(e: ConfigError) -> Self {
        Self::Config(e)
    }
}

impl From<StoreError> for StartError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

fn run(args: Args) -> Result<(), StartError> {
    let mut config = match &args.config {
        Some(path) => Config::from_file(path)?,
        None => Config::default(),
    };
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    if let Some(dir) = args.data_dir {
        config.data_dir = dir;
    }
    if let Some(n) = args.pool_size {
        config.pool_size = n;
    }
    if let Some(n) = args.min_public_key_length {
        config.min_public_key_length = n;
    }
    if let Some(url) = args.database_url.filter(|u| !u.is_empty()) {
        config.database_url = Some(DatabaseUrl::new(url));
    }
    if let Some(path) = args.tls_cert {
        config.tls_cert = Some(path);
    }
    if let Some(path) = args.tls_key {
        config.tls_key = Some(path);
    }
    if args.allow_plaintext {
        config.allow_plaintext = true;
    }
    if let Some(addr) = args.metrics_listen {
        config.metrics_listen = Some(addr);
    }
    if let Some(path) = args.database_ca_file {
        config.database_ca_file = Some(path);
    }
    config.check()?;
    let plaintext_warning = config.check_transport()?;
    // The pair is checked before anything else starts; it is loaded again
    // (the same way) once the metrics it reports to exist.
    if let (Some(cert), Some(key)) = (&config.tls_cert, &config.tls_key) {
        CertStore::load(cert, key, Arc::default()).map_err(StartError::Tls)?;
    }
    let blocklist = match &config.blocklist_file {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| StartError::Blocklist {
                path: path.clone(),
                reason: format!("cannot read it: {e}"),
            })?;
            Some(
                keygen_core::Blocklist::parse(&text).map_err(|e| StartError::Blocklist {
                    path: path.clone(),
                    reason: e.to_string(),
                })?,
            )
        }
        None => None,
    };
    // Opened before the async runtime starts: the PostgreSQL client blocks,
    // and must never run on the runtime's own threads.
    let (store, store_label): (Arc<dyn Store>, String) = match &config.database_url {
        Some(url) => {
            let store = PostgresStore::open(
                url.expose(),
                config.database_ca_file.as_deref(),
                config.database_connections,
                DATABASE_START_WAIT,
            )?;
            let label = format!("postgresql {} (tls: {})", store.target(), store.tls_mode());
            (Arc::new(store), label)
        }
        None => {
            let store = SqliteStore::open(&config.data_dir, config.workers.max(4))?;
            let label = format!("sqlite in {}", config.data_dir.display());
            (Arc::new(store), label)
        }
    };
    let admin = admin_token(store.as_ref())?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(StartError::Runtime)?;
    let shared = Arc::clone(&store);
    let result = runtime.block_on(async move {
        let store = shared;
        let listen_error = |addr, what, source| StartError::Listen { addr, what, source };
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| listen_error(config.listen, "", e))?;
        let local = listener
            .local_addr()
            .map_err(|e| listen_error(config.listen, "", e))?;
        let metrics_listener = match config.metrics_listen {
            Some(addr) => Some(
                tokio::net::TcpListener::bind(addr)
                    .await
                    .map_err(|e| listen_error(addr, " (metrics_listen)", e))?,
            ),
            None => None,
        };
        let limits = Limits {
            header_timeout: config.header_timeout,
            idle_timeout: config.idle_timeout,
            max_connections: config.max_connections,
        };
        let watch_interval = config.tls_watch_interval;
        let state = Arc::new(AppState::new(config, admin, store, blocklist));
        let tls = match (&state.config.tls_cert, &state.config.tls_key) {
            (Some(cert), Some(key)) => {
                let certs = Arc::new(
                    CertStore::load(cert, key, keygen_service::internal::metrics(&state))
                        .map_err(StartError::Tls)?,
                );
                tracing::info!(cert = %cert.display(), sha256 = %certs.fingerprint(), "tls certificate loaded");
                let config = certs.server_config().map_err(StartError::Tls)?;
                tokio::spawn(certs.watch(watch_interval));
                Some(config)
            }
            _ => {
                tokio::spawn(ignore_hangup());
                None
            }
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        tokio::spawn(state.refill_pool());
        let (stop, stopped) = tokio::sync::watch::channel(false);
        if let Some(listener) = metrics_listener {
            let addr = listener
                .local_addr()
                .map_err(|e| listen_error(local, " (metrics_listen)", e))?;
            // An internal address, polled by a few scrapers.
            let server = Server::new(
                metrics_router(Arc::clone(&state)),
                None,
                Limits {
                    max_connections: 16,
                    ..limits
                },
                None,
            );
            tokio::spawn(server.run(listener, stopped.clone()));
            println!("metrics on http://{addr}/metrics");
        }
        let server = Server::new(
            app_with_layers(Arc::clone(&state)),
            tls,
            limits,
            Some(keygen_service::internal::metrics(&state)),
        );
        println!("listening on {scheme}://{local}");
        if let Some(warning) = plaintext_warning {
            tracing::warn!("{warning}");
        }
        tracing::info!(%local, %scheme, store = %store_label, pool = state.config.pool_size, "keygen-service started");
        tokio::spawn(async move {
            shutdown_signal().await;
            let _ = stop.send(true);
        });
        server.run(listener, stopped).await;
        tracing::info!("stopped");
        Ok(())
    });
    // The store is released last, on this thread, after the runtime: closing
    // a PostgreSQL connection blocks, which a runtime thread must not do.
    drop(runtime);
    drop(store);
    result
}

/// The admin token's digest: from `KEYGEN_ADMIN_TOKEN`, else the stored one,
/// else a new token printed once on standard output. Instances sharing a
/// database and starting together agree on one token: only the instance
/// whose token was stored prints it.
fn admin_token(store: &dyn Store) -> Result<[u8; 32], StartError> {
    let digest = if let Ok(token) = std::env::var("KEYGEN_ADMIN_TOKEN") {
        if token.len() < 16 {
            return Err(StartError::AdminTokenTooShort);
        }
        let digest = config::hash_secret(&token);
        let previous = store.setting(ADMIN_SETTING)?;
        match &previous {
            Some(stored) if *stored == digest => {}
            Some(_) => {
                // The earlier token stops working: say so, so that a token
                // set by mistake (or by someone else) does not go unseen.
                // Never the token itself, nor its digest.
                tracing::warn!(
                    "KEYGEN_ADMIN_TOKEN replaced the stored admin token: the previous admin \
                     token no longer authenticates"
                );
            }
            None => tracing::info!("admin token set from KEYGEN_ADMIN_TOKEN"),
        }
        if previous.as_deref() != Some(digest.as_str()) {
            store.set_setting(ADMIN_SETTING, &digest)?;
        }
        digest
    } else if let Some(digest) = store.setting(ADMIN_SETTING)? {
        digest
    } else {
        let mut raw = zeroize::Zeroizing::new([0u8; 32]);
        getrandom::fill(raw.as_mut()).map_err(StartError::Random)?;
        let token = zeroize::Zeroizing::new(format!(
            "kg_{}",
            Base64UrlUnpadded::encode_string(raw.as_ref())
        ));
        let digest = config::hash_secret(&token);
        let stored = store.init_setting(ADMIN_SETTING, &digest)?;
        if stored == digest {
            println!(
                "admin token (shown once; only its SHA-256 is stored): {}",
                token.as_str()
            );
        }
        stored
    };
    config::parse_hex_digest(&digest).ok_or(StartError::AdminDigestMalformed)
}

/// Without TLS there is nothing to reload: SIGHUP (which would end the
/// process by default) is logged and otherwise ignored.
async fn ignore_hangup() {
    if let Ok(mut hangup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        while hangup.recv().await.is_some() {
            tracing::info!("SIGHUP: no tls certificate to reload");
        }
    }
}
