//! `zkagg bulletin` across real processes: a member fetches the
//! coordinator's bulletin over mutual TLS, the file equals the one the
//! coordinator exports, and `zkagg audit` on it names the party to blame.
//! These are the commands of the README's "Audit a consortium".

mod common;

use common::*;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills the child when dropped (a failed test leaves nothing running).
struct Kill(Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_member_fetches_the_bulletin_and_audits_it() {
    let dir = temp_dir("fetch");
    let ls: Vec<TcpListener> = (0..3)
        .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    let addrs: Vec<_> = ls.iter().map(|l| l.local_addr().unwrap()).collect();
    drop(ls);
    // No aggregator runs: round 0 closes aborted at its deadline, and the
    // coordinator keeps serving (linger) for the fetch.
    let g = small_consortium(&dir, addrs[0], addrs[1..].to_vec(), 100, 30_000);
    let cfg = g.config_file.clone();
    let log = std::fs::File::create(dir.join("coordinator.log")).unwrap();
    let _coordinator = Kill(
        Command::new(env!("CARGO_BIN_EXE_zkagg"))
            .args([
                "coordinator",
                "--config",
                s(&cfg),
                "--member",
                s(&g.coordinator),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap(),
    );
    let export = g.config.operations.bulletin_file.clone().unwrap();
    let end = Instant::now() + Duration::from_secs(30);
    while !export.exists() {
        assert!(Instant::now() < end, "no bulletin export");
        std::thread::sleep(Duration::from_millis(50));
    }
    let fetch = |member: &std::path::Path, out: &std::path::Path| {
        zkagg(&[
            "bulletin",
            "--config",
            s(&cfg),
            "--member",
            s(member),
            "--out",
            s(out),
            "--timeout",
            "20",
        ])
    };
    let out = dir.join("bulletin.bin");
    let fetched = fetch(&g.providers[0], &out);
    assert_eq!(fetched.status.code(), Some(0), "{}", text(&fetched.stderr));
    assert!(
        text(&fetched.stdout).contains("2 entries written"),
        "{}",
        text(&fetched.stdout)
    );
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(&export).unwrap()
    );
    // An aggregator's folder works too; the coordinator's own does not.
    let again = dir.join("again.bin");
    let by_agg = fetch(&g.aggregators[1], &again);
    assert_eq!(by_agg.status.code(), Some(0), "{}", text(&by_agg.stderr));
    let by_coord = fetch(&g.coordinator, &again);
    assert_eq!(
        by_coord.status.code(),
        Some(3),
        "{}",
        text(&by_coord.stderr)
    );

    // No aggregator posted: the audit fails and names aggregator 0.
    let audit = zkagg(&["audit", "--config", s(&cfg), "--bulletin", s(&out)]);
    let report = text(&audit.stdout);
    assert_eq!(
        audit.status.code(),
        Some(7),
        "{report}{}",
        text(&audit.stderr)
    );
    assert!(
        report.contains("entry 1, round 0: aggregator 0 to blame: posted no accepted set"),
        "{report}"
    );
    let json = zkagg(&[
        "audit",
        "--config",
        s(&cfg),
        "--bulletin",
        s(&out),
        "--json",
    ]);
    assert_eq!(json.status.code(), Some(7));
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["failures"][0]["blame"]["name"], "aggregator 0");
    assert_eq!(
        v["contributions"][0]["rounds"][0]["status"],
        "not-submitted"
    );
    // With the coordinator gone, the fetch says the network failed.
    drop(_coordinator);
    let gone = fetch(&g.providers[1], &again);
    assert_eq!(gone.status.code(), Some(4), "{}", text(&gone.stderr));
    let _ = std::fs::remove_dir_all(dir);
}
