//! The PostgreSQL store with several service instances: shared uniqueness
//! and data, a killed instance losing nothing it acknowledged, instances
//! starting together, and riding out a database outage without a restart.
//!
//! The first tests use the server of `KEYGEN_TEST_DATABASE_URL` (skipped
//! when it is unset, failed when it is unset under `CI=true`); the outage test runs a PostgreSQL cluster of its own
//! (`initdb` and `pg_ctl` from `KEYGEN_TEST_PG_BIN`, the PATH or
//! `/usr/lib/postgresql/*/bin`; skipped when they are missing) so it can stop
//! and start it.

mod common;

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{ADMIN, Server, TestEnv, client, keypairs, public_key};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn bearer() -> String {
    format!("Bearer {ADMIN}")
}

/// Two servers on one fresh database, started at the same time (their
/// migrations race for the advisory lock); the second is given the URL by
/// `--database-url` rather than the environment.
fn two_instances(env: &TestEnv, pool: usize) -> (Server, Server) {
    let url = env.database_url().unwrap().to_owned();
    let dir = env.path().to_path_buf();
    let (a_dir, b_dir) = (dir.join("a"), dir.join("b"));
    std::fs::create_dir_all(&a_dir).unwrap();
    std::fs::create_dir_all(&b_dir).unwrap();
    let a_url = url.clone();
    let a = std::thread::spawn(move || common::start_with(&a_dir, Some(&a_url), None, pool));
    let b = std::thread::spawn(move || {
        let (mut cmd, log) = common::command(&b_dir, None, pool);
        cmd.arg("--database-url")
            .arg(&url)
            .env_remove("KEYGEN_DATABASE_URL");
        common::spawn(cmd, &b_dir, log)
    });
    (a.join().unwrap(), b.join().unwrap())
}

async fn get(server: &Server, path: &str) -> reqwest::Response {
    client()
        .get(server.url(path))
        .header("authorization", bearer())
        .send()
        .await
        .unwrap()
}

async fn post(server: &Server, path: &str, body: &Value) -> reqwest::Response {
    client()
        .post(server.url(path))
        .header("authorization", bearer())
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn two_instances_share_names_and_key_pairs() {
    let Some(env) = TestEnv::postgres("two_instances_share_names_and_key_pairs") else {
        return;
    };
    let (a, b) = two_instances(&env, 1);
    let path = keypairs("p1", "eu-west-0");

    // Both migrated the same database once.
    let versions = common::with_client(env.database_url().unwrap(), |c| {
        c.query(
            "SELECT version FROM schema_migrations ORDER BY version",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get::<_, i32>(0))
        .collect::<Vec<_>>()
    });
    let expected: Vec<i32> =
        (1..=i32::try_from(keygen_service::store::MIGRATIONS.len()).unwrap()).collect();
    assert_eq!(versions, expected);

    // 40 racing creates of one name, spread over both: one wins, the
    // others get the duplicate-name error (400, code 2004).
    let mut tasks = Vec::new();
    for i in 0..40 {
        let url = if i % 2 == 0 {
            a.url(&path)
        } else {
            b.url(&path)
        };
        tasks.push(tokio::spawn(async move {
            let r = client()
                .post(url)
                .header("authorization", bearer())
                .json(&json!({"name": "shared", "publicKey": public_key()}))
                .send()
                .await
                .unwrap();
            let status = r.status();
            (status, r.json::<Value>().await.unwrap())
        }));
    }
    let mut created = 0;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        match status {
            StatusCode::CREATED => created += 1,
            StatusCode::BAD_REQUEST => assert_eq!(body["code"], 2004, "{body}"),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(created, 1);

    // Key pairs created on one instance (imported, and one generated on
    // each) are found on the other, by id and by name.
    let mut made = Vec::new();
    for (server, other, prefix) in [(&a, &b, "a"), (&b, &a, "b")] {
        for i in 0..8 {
            let body = if i == 0 {
                json!({"name": format!("{prefix}{i}")})
            } else {
                json!({"name": format!("{prefix}{i}"), "description": format!("made on {prefix}"), "publicKey": public_key()})
            };
            let r = post(server, &path, &body).await;
            assert_eq!(r.status(), StatusCode::CREATED);
            let created: Value = r.json().await.unwrap();
            made.push((other, format!("{prefix}{i}"), created));
        }
    }
    for (other, name, created) in &made {
        let id = created["id"].as_str().unwrap();
        let r = get(other, &format!("{path}/{id}")).await;
        assert_eq!(r.status(), StatusCode::OK, "{name} by id");
        let got: Value = r.json().await.unwrap();
        assert_eq!(got["name"], name.as_str());
        assert_eq!(got["publicKey"], created["publicKey"]);
        let r = get(other, &format!("{path}?name={name}")).await;
        assert_eq!(r.headers()["x-total-count"], "1", "{name} by name");
        let found: Vec<Value> = r.json().await.unwrap();
        assert_eq!(found[0]["id"], id);
    }
    // Both see the same list, in the same order.
    let mut lists = Vec::new();
    for server in [&a, &b] {
        let r = get(server, &format!("{path}?sort=-description,name&limit=1000")).await;
        assert_eq!(r.headers()["x-total-count"], "17");
        let items: Vec<Value> = r.json().await.unwrap();
        lists.push(
            items
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>(),
        );
    }
    assert_eq!(lists[0], lists[1]);
    // A delete on one is seen by the other.
    let (_, _, first) = &made[0];
    let item = format!("{path}/{}", first["id"].as_str().unwrap());
    let r = client()
        .delete(b.url(&item))
        .header("authorization", bearer())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert_eq!(get(&a, &item).await.status(), StatusCode::NOT_FOUND);
    for server in [&a, &b] {
        assert_eq!(get(server, "/readyz").await.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn instances_starting_together_agree_on_one_admin_token() {
    let Some(env) = TestEnv::postgres("instances_starting_together_agree_on_one_admin_token")
    else {
        return;
    };
    let url = env.database_url().unwrap().to_owned();
    let starts: Vec<_> = ["a", "b", "c"]
        .into_iter()
        .map(|name| {
            let dir = env.path().join(name);
            std::fs::create_dir_all(&dir).unwrap();
            let url = url.clone();
            std::thread::spawn(move || {
                let (mut cmd, log) = common::command(&dir, None, 0);
                cmd.env("KEYGEN_DATABASE_URL", url)
                    .env_remove("KEYGEN_ADMIN_TOKEN");
                common::spawn(cmd, &dir, log)
            })
        })
        .collect();
    let servers: Vec<Server> = starts.into_iter().map(|s| s.join().unwrap()).collect();
    let tokens: Vec<String> = servers
        .iter()
        .flat_map(|s| s.preamble.iter())
        .filter_map(|line| line.rsplit_once(": ").map(|(_, t)| t.to_owned()))
        .filter(|t| t.starts_with("kg_"))
        .collect();
    assert_eq!(
        tokens.len(),
        1,
        "exactly one instance prints its token: {tokens:?}"
    );
    for server in &servers {
        let r = client()
            .get(server.url(&keypairs("p1", "eu-west-0")))
            .header("authorization", format!("Bearer {}", tokens[0]))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn a_killed_instance_loses_no_acknowledged_create() {
    let Some(env) = TestEnv::postgres("a_killed_instance_loses_no_acknowledged_create") else {
        return;
    };
    let (a, b) = two_instances(&env, 0);
    let path = keypairs("p1", "eu-west-0");
    let url = a.url(&path);
    let (acked, writers) = common::create_stream(&url, &bearer(), 4, 2000);
    let deadline = Instant::now() + Duration::from_secs(120);
    while acked.lock().unwrap().len() < 100 {
        assert!(
            Instant::now() < deadline,
            "the writers made too little progress"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    a.signal("KILL");
    for w in writers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    let c = client();
    for id in &acked {
        let r = c
            .get(b.url(&format!("{path}/{id}")))
            .header("authorization", bearer())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "acknowledged create {id} lost");
    }
    // The survivor counts at least what was acknowledged, and still writes.
    let r = get(&b, &path).await;
    let total: usize = r.headers()["x-total-count"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(total >= acked.len(), "{total} < {}", acked.len());
    let r = post(
        &b,
        &path,
        &json!({"name": "after", "publicKey": public_key()}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
}

/// Where `initdb` and `pg_ctl` are: `KEYGEN_TEST_PG_BIN`, the PATH, or
/// Debian's versioned directories (newest first).
fn postgres_bin() -> Option<PathBuf> {
    let has_both = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(dir) = std::env::var_os("KEYGEN_TEST_PG_BIN") {
        candidates.push(dir.into());
    }
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path));
    }
    let mut debian: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.flatten().map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    debian.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    candidates.extend(debian.into_iter().rev());
    candidates.into_iter().find(|d| has_both(d))
}

fn output_of(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// A PostgreSQL cluster of the test's own, in a temporary directory, on a
/// loopback port, with a password; stopped and deleted when dropped.
struct Cluster {
    bin: PathBuf,
    /// Who runs the server: initdb refuses root.
    user: Option<String>,
    dir: tempfile::TempDir,
    port: u16,
    password: String,
    running: bool,
}

impl Cluster {
    /// `None`, after a note, when the programs are missing.
    fn create() -> Option<Self> {
        let Some(bin) = postgres_bin() else {
            assert!(
                !common::on_ci(),
                "initdb and pg_ctl not found, and CI=true: the outage test must run in CI"
            );
            let _ = writeln!(
                std::io::stderr(),
                "note: initdb and pg_ctl not found: skipping the PostgreSQL outage test"
            );
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        let user = if output_of("id", &["-u"]).as_deref() == Some("0") {
            let name = if output_of("id", &["-u", "postgres"]).is_some() {
                "postgres"
            } else {
                "nobody"
            };
            let uid: u32 = output_of("id", &["-u", name])?.parse().ok()?;
            let gid: u32 = output_of("id", &["-g", name])?.parse().ok()?;
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).unwrap();
            Some(name.to_owned())
        } else {
            None
        };
        let password = format!("pw-{}", uuid::Uuid::new_v4().simple());
        let pwfile = dir.path().join("pwfile");
        std::fs::write(&pwfile, format!("{password}\n")).unwrap();
        if let Some(name) = &user {
            let uid: u32 = output_of("id", &["-u", name]).unwrap().parse().unwrap();
            std::os::unix::fs::chown(&pwfile, Some(uid), None).unwrap();
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut cluster = Self {
            bin,
            user,
            dir,
            port,
            password,
            running: false,
        };
        let data = cluster.data();
        let status = cluster
            .command("initdb")
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                "keygen",
                "--auth-host=scram-sha-256",
                "--auth-local=peer",
            ])
            .args(["--encoding=UTF8", "--no-locale"])
            .arg(format!("--pwfile={}", pwfile.display()))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "initdb failed");
        std::fs::remove_file(&pwfile).unwrap();
        cluster.start();
        Some(cluster)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        let mut cmd = match &self.user {
            Some(user) => {
                let mut cmd = Command::new("runuser");
                cmd.args(["-u", user, "--"]).arg(program);
                cmd
            }
            None => Command::new(program),
        };
        cmd.current_dir(self.dir.path());
        cmd
    }

    fn start(&mut self) {
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let status = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.dir.path().join("server.log"))
            .args(["-w", "-t", "60", "-o", &options, "start"])
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(
            status.success(),
            "pg_ctl start failed: {}",
            std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
        );
        self.running = true;
    }

    fn stop(&mut self, mode: &str) {
        let status = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-m", mode, "-w", "-t", "60", "stop"])
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "pg_ctl stop failed");
        self.running = false;
    }

    fn url(&self) -> String {
        format!(
            "postgres://keygen:{}@127.0.0.1:{}/postgres",
            self.password, self.port
        )
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.running {
            let _ = self
                .command("pg_ctl")
                .arg("-D")
                .arg(self.data())
                .args(["-m", "immediate", "-w", "stop"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status();
        }
    }
}

/// Asserts a 503 with `Retry-After` and the store-unavailable code; returns
/// the body's description.
async fn assert_store_unavailable(r: reqwest::Response, what: &str) -> String {
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE, "{what}");
    assert_eq!(r.headers()["retry-after"], "1", "{what}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], 2601, "{what}: {body}");
    body["description"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_outage_answers_503_and_the_service_recovers_by_itself() {
    let Some(mut cluster) = Cluster::create() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let server = common::start_with(dir.path(), Some(&cluster.url()), None, 0);
    let path = keypairs("p1", "eu-west-0");
    let r = post(
        &server,
        &path,
        &json!({"name": "before", "publicKey": public_key()}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let before: Value = r.json().await.unwrap();
    let item = format!("{path}/{}", before["id"].as_str().unwrap());
    assert_eq!(get(&server, "/readyz").await.status(), StatusCode::OK);

    cluster.stop("fast");
    // Every request that needs the store: 503 with Retry-After, at once.
    let started = Instant::now();
    assert_store_unavailable(get(&server, &item).await, "get").await;
    assert_store_unavailable(get(&server, &path).await, "find").await;
    assert_store_unavailable(
        post(
            &server,
            &path,
            &json!({"name": "during", "publicKey": public_key()}),
        )
        .await,
        "import",
    )
    .await;
    // A generated key pair is refused before a key is spent on it.
    assert_store_unavailable(
        post(&server, &path, &json!({"name": "gen"})).await,
        "generate",
    )
    .await;
    let r = client()
        .delete(server.url(&item))
        .header("authorization", bearer())
        .send()
        .await
        .unwrap();
    assert_store_unavailable(r, "delete").await;
    let reason = assert_store_unavailable(get(&server, "/readyz").await, "readyz").await;
    assert!(
        reason.contains("not ready") && reason.contains("database"),
        "{reason}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "503s took {:?}",
        started.elapsed()
    );
    // Liveness does not depend on the database.
    assert_eq!(get(&server, "/healthz").await.status(), StatusCode::OK);

    cluster.start();
    // Back without a restart of the service.
    let deadline = Instant::now() + Duration::from_secs(30);
    while get(&server, "/readyz").await.status() != StatusCode::OK {
        assert!(
            Instant::now() < deadline,
            "not ready again after the database came back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let r = get(&server, &item).await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = post(
        &server,
        &path,
        &json!({"name": "after", "publicKey": public_key()}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = get(&server, &path).await;
    assert_eq!(r.headers()["x-total-count"], "2");
    let names: HashSet<String> = r
        .json::<Vec<Value>>()
        .await
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        HashSet::from(["before".to_owned(), "after".to_owned()])
    );

    // A stop while connections are pooled, then a restart: the first
    // requests after it succeed (stale connections are replaced).
    cluster.stop("fast");
    cluster.start();
    assert_eq!(get(&server, &item).await.status(), StatusCode::OK);
    let r = post(
        &server,
        &path,
        &json!({"name": "again", "publicKey": public_key()}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);

    // A service started while the database is down waits for it.
    cluster.stop("fast");
    let late_dir = dir.path().join("late");
    std::fs::create_dir_all(&late_dir).unwrap();
    let url = cluster.url();
    let late = std::thread::spawn(move || common::start_with(&late_dir, Some(&url), None, 0));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    cluster.start();
    let late = tokio::task::spawn_blocking(move || late.join().unwrap())
        .await
        .unwrap();
    assert_eq!(get(&late, &item).await.status(), StatusCode::OK);
    let log = server.log_text() + &late.log_text();
    assert!(
        log.contains("the database cannot be reached yet; retrying"),
        "{log}"
    );

    // The password never reached the log.
    assert!(
        log.contains("postgresql://keygen@127.0.0.1"),
        "the log names the database"
    );
    assert!(
        !log.contains(&cluster.password),
        "the password is in the log"
    );
}

#[test]
fn database_names_are_replaced_in_urls() {
    assert_eq!(
        common::with_database("postgres://u:p@h:5/postgres?sslmode=disable", "t1"),
        "postgres://u:p@h:5/t1?sslmode=disable"
    );
    assert_eq!(
        common::with_database("postgres://u@h", "t1"),
        "postgres://u@h/t1"
    );
    assert_eq!(
        common::with_database("postgresql://h?user=u", "t1"),
        "postgresql://h/t1?user=u"
    );
}

/// The PostgreSQL server of `KEYGEN_TEST_DATABASE_URL` runs with TLS and
/// the CA of `KEYGEN_TEST_PG_CA` (`KEYGEN_PG_TLS=1 .ci/postgres.sh`):
/// `sslmode=verify-full` with that CA connects, and every connection of the
/// service is encrypted; a CA that did not sign the server's certificate is
/// refused at start, at once.
#[tokio::test]
async fn the_store_over_tls_verifies_the_server() {
    let Some(ca) = std::env::var("KEYGEN_TEST_PG_CA")
        .ok()
        .filter(|s| !s.is_empty())
    else {
        assert!(
            !common::on_ci(),
            "KEYGEN_TEST_PG_CA is not set, and CI=true: CI runs the TLS test \
             (KEYGEN_PG_TLS=1 .ci/postgres.sh run …)"
        );
        let _ = writeln!(
            std::io::stderr(),
            "note: KEYGEN_TEST_PG_CA is not set: skipping the PostgreSQL TLS test \
             (run under KEYGEN_PG_TLS=1 .ci/postgres.sh run …)"
        );
        return;
    };
    let Some(env) = TestEnv::postgres("the_store_over_tls_verifies_the_server") else {
        return;
    };
    let base = env.database_url().unwrap().to_owned();
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}sslmode=verify-full");
    let (mut cmd, log) = common::command(env.path(), None, 0);
    cmd.env("KEYGEN_DATABASE_URL", &url)
        .arg("--database-ca-file")
        .arg(&ca);
    let server = common::spawn(cmd, env.path(), log);
    let path = keypairs("p1", "eu-west-0");
    let r = post(
        &server,
        &path,
        &json!({"name": "over-tls", "publicKey": public_key()}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = get(&server, &format!("{path}/{id}")).await;
    assert_eq!(r.status(), StatusCode::OK);

    let dbname = env.database.as_ref().unwrap().name.clone();
    let (encrypted, plain): (i64, i64) = common::with_client(&base, move |c| {
        let row = c
            .query_one(
                "SELECT count(*) FILTER (WHERE s.ssl), count(*) FILTER (WHERE NOT s.ssl) \
                 FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
                 WHERE a.application_name = 'keygen-service' AND a.datname = $1",
                &[&dbname],
            )
            .unwrap();
        (row.get(0), row.get(1))
    });
    assert!(
        encrypted >= 1 && plain == 0,
        "{encrypted} over TLS, {plain} not"
    );
    drop(server);

    // Another CA, named by libpq's sslrootcert in the URL.
    let other = env.path().join("other-ca.pem");
    common::tls::Ca::new("not the database's ca").write(&other);
    let url = format!(
        "{base}{sep}sslmode=verify-full&sslrootcert={}",
        other.display()
    );
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_keygen-service"))
        .args(["--listen", "127.0.0.1:0", "--pool-size", "0"])
        .arg("--data-dir")
        .arg(env.path().join("data"))
        .env("KEYGEN_DATABASE_URL", &url)
        .env("KEYGEN_ADMIN_TOKEN", ADMIN)
        .env_remove("KEYGEN_CONFIG")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot connect"), "{stderr}");
    assert!(!stderr.contains(&base), "the URL was printed: {stderr}");
    assert!(started.elapsed() < Duration::from_secs(20), "{stderr}");
}
