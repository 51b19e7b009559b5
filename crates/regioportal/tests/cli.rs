//! The real binary: subcommands, bad configuration as one line with a non-zero exit, a clean
//! start and stop.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_regioportal"));
    // The tests decide the configuration, not the developer's environment.
    for var in [
        "DATABASE_URL",
        "REGIOPORTAL_DATA_DIR",
        "REGIOPORTAL_LISTEN",
        "REGIOPORTAL_BASE_URL",
        "REGIOPORTAL_HOSTS",
        "REGIOPORTAL_PAGE_CACHE",
        "RUST_LOG",
    ] {
        c.env_remove(var);
    }
    c.env("RUST_BACKTRACE", "1");
    c
}

/// Runs the binary; returns exit code, stdout, stderr.
fn run(args: &[&str], envs: &[(&str, &str)]) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = bin().current_dir(dir.path()).args(args).envs(envs.iter().copied()).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A failure must be exactly one line on stderr, without panic or backtrace.
fn assert_one_line_error(code: i32, stderr: &str, needle: &str) {
    assert_eq!(code, 1, "exit code; stderr: {stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line expected, got: {stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    assert!(lines[0].contains(needle), "expected {needle:?} in {stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("backtrace"), "{stderr}");
}

#[test]
fn every_subcommand_has_help() {
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["db", "migrate", "--help"],
        &["region", "import", "--help"],
        &["demo", "seed", "--help"],
    ] {
        let (code, out, _) = run(args, &[]);
        assert_eq!(code, 0, "{args:?}");
        assert!(out.contains("Usage: regioportal"), "{args:?}: {out}");
    }
    let (_, out, _) = run(&["serve", "--help"], &[]);
    for opt in
        ["--listen", "--base-url", "--no-demo", "--database-url", "--data-dir", "REGIOPORTAL_LISTEN", "DATABASE_URL"]
    {
        assert!(out.contains(opt), "serve --help mentions {opt}");
    }
}

#[test]
fn a_malformed_database_url_is_one_line() {
    let (code, _, err) = run(&["db", "migrate"], &[("DATABASE_URL", "mysql://localhost/x")]);
    assert_one_line_error(code, &err, "DATABASE_URL");
    let (code, _, err) = run(&["serve"], &[("DATABASE_URL", "postgres://u:geheim@localhost:notaport/x")]);
    assert_one_line_error(code, &err, "DATABASE_URL");
    assert!(!err.contains("geheim"), "the password is never printed: {err}");
}

#[test]
fn an_unreachable_postgres_is_one_line() {
    let (code, _, err) = run(&["db", "migrate"], &[("DATABASE_URL", "postgres://postgres@127.0.0.1:1/regioportal")]);
    assert_one_line_error(code, &err, "is PostgreSQL running");
}

#[test]
fn a_port_in_use_is_one_line() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let (code, _, err) = run(&["serve", "--listen", &addr], &[]);
    assert_one_line_error(code, &err, "already in use");
}

#[test]
fn bad_values_are_one_line() {
    let (code, _, err) = run(&["serve", "--listen", "localhost"], &[]);
    assert_one_line_error(code, &err, "REGIOPORTAL_LISTEN");
    let (code, _, err) = run(&["serve"], &[("REGIOPORTAL_BASE_URL", "regioportal.example")]);
    assert_one_line_error(code, &err, "REGIOPORTAL_BASE_URL");
    let (code, _, err) = run(&["serve"], &[("REGIOPORTAL_HOSTS", "jena")]);
    assert_one_line_error(code, &err, "REGIOPORTAL_HOSTS");
    let (code, _, err) = run(&["serve", "--request-timeout", "0"], &[]);
    assert_one_line_error(code, &err, "REGIOPORTAL_REQUEST_TIMEOUT");
    let (code, _, err) = run(&["serve"], &[("REGIOPORTAL_PAGE_CACHE", "ein bisschen")]);
    assert_one_line_error(code, &err, "REGIOPORTAL_PAGE_CACHE");
}

#[test]
fn an_unwritable_data_dir_is_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"not a folder").unwrap();
    let below_a_file = file.join("data");
    let (code, _, err) = run(&["db", "migrate", "--data-dir", below_a_file.to_str().unwrap()], &[]);
    assert_one_line_error(code, &err, "REGIOPORTAL_DATA_DIR");
}

/// A file of this crate's folder, found through Cargo's variable at run time, not the
/// compiled-in one: a target folder shared by several clones (`.ci/run`) can hand one clone a
/// test binary built in another.
fn crate_file(relative: &str) -> String {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned());
    format!("{dir}/{relative}")
}

#[test]
fn region_import_validates_then_imports() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/rp.db", dir.path().display());
    let demo = crate_file("../../demo/region.toml");
    let demo = demo.as_str();
    let (code, out, err) = run(&["region", "import", demo, "--check"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("valid, 10 municipalities"), "{out}");

    let (code, out, err) = run(&["region", "import", demo], &[("DATABASE_URL", &db)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("10 municipalities created"), "{out}");
    let (code, out, _) = run(&["demo", "seed"], &[("DATABASE_URL", &db)]);
    assert_eq!(code, 0);
    assert!(out.contains("0 municipalities created, 10 updated"), "{out}");

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[region]\nslug = \"x\"\n").unwrap();
    let (code, _, err) = run(&["region", "import", bad.to_str().unwrap()], &[("DATABASE_URL", &db)]);
    assert_one_line_error(code, &err, "bad.toml");
    let (code, _, err) = run(&["region", "import", "/nonexistent/region.toml"], &[("DATABASE_URL", &db)]);
    assert_one_line_error(code, &err, "cannot read the region file");

    let (code, out, _) = run(&["db", "migrate"], &[("DATABASE_URL", &db)]);
    assert_eq!(code, 0);
    assert!(out.contains("m20261201_000001_tenants"), "{out}");

    // The Bürgerservice catalogue: loaded by `demo seed`, again by `services import` with no change.
    let catalogue = crate_file("../../demo/buergerservice.toml");
    let catalogue = catalogue.as_str();
    let (code, out, err) = run(&["services", "import", catalogue], &[("DATABASE_URL", &db)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("0 services new, 0 changed"), "{out}");
    let broken = dir.path().join("services.toml");
    std::fs::write(&broken, "[[service]]\nslug = \"x\"\nname = \"X\"\nsummary = \"x\"\nlevel = \"planet\"\n").unwrap();
    let (code, _, err) = run(&["services", "import", broken.to_str().unwrap()], &[("DATABASE_URL", &db)]);
    assert_one_line_error(code, &err, "services.toml");
}

#[test]
fn serve_starts_seeds_answers_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let started = Instant::now();
    let mut child = bin()
        .current_dir(dir.path())
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--log-format", "json"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut log = Vec::new();
    while !log.iter().any(|l: &String| l.contains("serving")) {
        let line = rx.recv_timeout(Duration::from_secs(60)).expect("the server logs 'serving'");
        log.push(line);
    }
    // Structured logs: every line is one JSON object.
    for line in &log {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(v["timestamp"].is_string() && v["level"].is_string(), "{line}");
    }
    // The README default: the SQLite file under ./data, created on first start.
    assert!(dir.path().join("data/regioportal.db").exists());
    assert!(log.iter().any(|l| l.contains("demo region, events and services seeded")), "{log:?}");
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    use std::io::{Read, Write};
    s.write_all(b"GET /jena HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    eprintln!("start to first response: {:?}", started.elapsed());

    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = child.wait().unwrap();
    assert!(status.success(), "SIGTERM ends the server cleanly: {status}");
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(5)) {
        log.push(line);
    }
    assert!(log.iter().any(|l| l.contains("stopped")), "{log:?}");
}

#[test]
fn events_import_reports_per_event_and_bench_seed_generates() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/cli.db", dir.path().display());
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_regioportal"))
            .args(args)
            .args(["--database-url", &db])
            .current_dir(dir.path())
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(run(&["demo", "seed"]).0, Some(0));
    let ics = dir.path().join("feed.ics");
    std::fs::write(
        &ics,
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a@x\r\nSUMMARY:Gut\r\nDTSTART;TZID=Europe/Berlin:20270301T100000\r\nLOCATION:Saal\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:b@x\r\nSUMMARY:Ohne Beginn\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:c@x\r\nSUMMARY:Vorstandssitzung\r\nCLASS:PRIVATE\r\nDTSTART;TZID=Europe/Berlin:20270302T180000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    )
    .unwrap();
    let file = ics.to_str().unwrap();
    let (code, out, _) = run(&["events", "import", file, "--municipality", "gera"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("1 created, 0 updated, 0 unchanged, 2 skipped"), "{out}");
    assert!(out.contains("skipped") && out.contains("DTSTART"), "{out}");
    assert!(
        out.contains("\"Vorstandssitzung\"") && out.contains("CLASS:PRIVATE"),
        "a private event is not published: {out}"
    );
    let (_, again, _) = run(&["events", "import", file, "--municipality", "gera"]);
    assert!(again.contains("0 created, 0 updated, 1 unchanged, 2 skipped"), "{again}");
    let (code, _, err) = run(&["events", "import", file, "--municipality", "atlantis"]);
    assert_eq!(code, Some(1));
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    let (code, _, err) = run(&["events", "import", "/nonexistent.ics", "--municipality", "gera"]);
    assert_eq!(code, Some(1), "{err}");

    // The same feed by its address, from a real HTTP server (Python's): unchanged, not duplicated.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = Command::new("python3")
        .args(["-m", "http.server", &port.to_string(), "--bind", "127.0.0.1", "--directory"])
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 serves the feed");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "the HTTP server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let url = format!("http://127.0.0.1:{port}/feed.ics");
    let (code, by_url, err) = run(&["events", "import", &url, "--municipality", "gera"]);
    let missing = format!("http://127.0.0.1:{port}/missing.ics");
    let (missing_code, _, missing_err) = run(&["events", "import", &missing, "--municipality", "gera"]);
    server.kill().ok();
    server.wait().ok();
    assert_eq!(code, Some(0), "{err}");
    assert!(by_url.contains("0 created, 0 updated, 1 unchanged, 2 skipped"), "{by_url}");
    assert_eq!(missing_code, Some(1), "{missing_err}");
    assert_eq!(missing_err.trim().lines().count(), 1, "one line: {missing_err}");
    assert!(missing_err.contains("404"), "{missing_err}");

    // The published event turns private at the source: it leaves the public calendar.
    let text = std::fs::read_to_string(&ics).unwrap().replace("SUMMARY:Gut\r\n", "SUMMARY:Gut\r\nCLASS:PRIVATE\r\n");
    std::fs::write(&ics, text).unwrap();
    let (code, out, err) = run(&["events", "import", file, "--municipality", "gera"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("0 created, 0 updated, 0 unchanged, 3 skipped"), "{out}");
    assert!(out.contains("withdrawn from the public calendar"), "{out}");
    let (code, out, err) = run(&["bench", "seed", "--events", "2000"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("bench seed: 2000 events"), "{out}");
}
