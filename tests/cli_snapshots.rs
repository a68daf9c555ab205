//! Snapshots of what a person sees: `--help` of the binary and of every
//! subcommand, and the errors for a bad flag and a bad consortium file.
//! The snapshots live in `tests/snapshots/`; after an intended change,
//! regenerate them with `ZKAGG_UPDATE_SNAPSHOTS=1 cargo test --test cli_snapshots`
//! and review the diff.

mod common;

use common::*;
use std::path::Path;

/// Compares `actual` with `tests/snapshots/<name>.txt` (or rewrites it
/// when `ZKAGG_UPDATE_SNAPSHOTS=1`).
fn snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.txt"));
    if std::env::var("ZKAGG_UPDATE_SNAPSHOTS").as_deref() == Ok("1") {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with ZKAGG_UPDATE_SNAPSHOTS=1 to create it",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "{} differs (ZKAGG_UPDATE_SNAPSHOTS=1 regenerates it)\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

const SUBCOMMANDS: [&str; 8] = [
    "coordinator",
    "aggregator",
    "provider",
    "init",
    "demo",
    "bulletin",
    "audit",
    "constraints",
];

#[test]
fn help_of_the_binary_and_every_subcommand() {
    let out = zkagg(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    snapshot("help", &text(&out.stdout));
    for sub in SUBCOMMANDS {
        let out = zkagg(&[sub, "--help"]);
        assert_eq!(out.status.code(), Some(0), "{sub}");
        snapshot(&format!("help-{sub}"), &text(&out.stdout));
    }
}

#[test]
fn a_bad_flag_is_a_usage_error() {
    let out = zkagg(&[
        "audit",
        "--config",
        "c.toml",
        "--bulletin",
        "b.bin",
        "--jsn",
    ]);
    assert_eq!(out.status.code(), Some(2));
    snapshot("error-bad-flag", &text(&out.stderr));
    let out = zkagg(&["audit", "--config", "c.toml"]);
    assert_eq!(out.status.code(), Some(2));
    snapshot("error-missing-flag", &text(&out.stderr));
}

#[test]
fn a_bad_config_file_names_the_line() {
    let dir = temp_dir("bad-config");
    let cfg = dir.join("consortium.toml");
    std::fs::write(
        &cfg,
        "[consortium]\nversion = 1\nname = \"x\"\ndim = \"six\"\n",
    )
    .unwrap();
    let bulletin = dir.join("bulletin.bin");
    let out = zkagg(&["audit", "--config", s(&cfg), "--bulletin", s(&bulletin)]);
    assert_eq!(out.status.code(), Some(3));
    let err = text(&out.stderr).replace(s(&dir), "<DIR>");
    snapshot("error-bad-config", &err);
    // The same file given to a service.
    let out = zkagg(&["coordinator", "--config", s(&cfg), "--member", s(&dir)]);
    assert_eq!(out.status.code(), Some(3));
    let err = text(&out.stderr).replace(s(&dir), "<DIR>");
    let last = err.lines().last().unwrap_or_default().to_owned();
    snapshot("error-bad-config-service", &format!("{last}\n"));
    let _ = std::fs::remove_dir_all(dir);
}
