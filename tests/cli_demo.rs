//! `zkagg demo` end to end: a whole consortium as separate processes
//! training logistic regression on Breast Cancer shards (R_train), the
//! final table, the plots and the audit verdict.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn demo_runs_two_rounds_as_processes_and_passes_the_audit() {
    let out = std::env::temp_dir().join(format!("zkagg-cli-demo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let mut child = Command::new(env!("CARGO_BIN_EXE_zkagg"))
        .args(["demo", "--rounds", "2", "--providers", "3", "--out"])
        .arg(&out)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let bound = Duration::from_secs(300);
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > bound {
            let _ = child.kill();
            panic!("the demo did not finish within {bound:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(status.success(), "{status}\n{stdout}\n{stderr}");
    assert!(stdout.contains("audit: passed (2 rounds)"), "{stdout}");
    // Not a terminal: one plain line per event, no bars.
    assert!(
        stdout.contains("round 1: released, 3 providers in the sum"),
        "{stdout}"
    );
    let accuracy: f64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("round 1: test accuracy "))
        .unwrap_or_else(|| panic!("no accuracy of round 1: {stdout}"))
        .trim()
        .parse()
        .unwrap();
    // Two steps of logistic regression from zero already separate most of
    // the held-out rows (measured: 0.96 with seed 2024).
    assert!(accuracy > 0.8, "{accuracy}");
    assert!(stdout.contains("final test accuracy (round 1)"), "{stdout}");
    for header in ["collect (s)", "bulletin bytes", "wire sent", "RSS (MiB)"] {
        assert!(stdout.contains(header), "no {header}: {stdout}");
    }
    for name in ["coordinator", "aggregator-0", "aggregator-1", "provider-2"] {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(name) && l.split_whitespace().count() == 6)
            .unwrap_or_else(|| panic!("no process line for {name}: {stdout}"));
        let wire: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        let payload: u64 = line.split_whitespace().nth(3).unwrap().parse().unwrap();
        // TLS records and handshakes cost more than the frames they carry.
        assert!(wire > payload && payload > 0, "{line}");
    }
    for plot in ["metric.svg", "metric.png", "phases.svg", "phases.png"] {
        let bytes = std::fs::read(out.join(plot)).unwrap();
        assert!(bytes.len() > 1000, "{plot} is {} bytes", bytes.len());
    }
    // Round 0 opened once every member followed and every provider had
    // registered, not at the start deadline.
    let log = std::fs::read_to_string(out.join("logs/coordinator.log")).unwrap();
    assert!(log.contains("\"round opened\""), "{log}");
    assert!(!log.contains("start deadline passed"), "{log}");
    // The coordinator's export is a public file the audit can read.
    assert!(out.join("consortium/db/bulletin.bin").exists());
    std::fs::remove_dir_all(&out).unwrap();
}
