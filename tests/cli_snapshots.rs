//! Snapshots of what a person sees: `--help` of the binary and of every
//! subcommand, and the errors for a bad flag, a bad consortium file and a
//! bad row in a provider's CSV file.
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

const SUBCOMMANDS: [&str; 9] = [
    "coordinator",
    "aggregator",
    "provider",
    "init",
    "demo",
    "bulletin",
    "status",
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

#[test]
fn a_bad_csv_row_names_its_line_and_column() {
    let dir = temp_dir("bad-csv");
    let out = zkagg(&[
        "init",
        s(&dir),
        "--dataset",
        "breast-cancer",
        "--providers",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let cfg = dir.join("consortium.toml");
    let config = zkagg_node::config::NodeConfig::load(&cfg).unwrap();
    let schema = config.consortium.data.as_ref().unwrap();
    let mut header: Vec<&str> = schema.features.iter().map(|f| f.name.as_str()).collect();
    header.push(schema.label.name.as_str());
    let good = vec!["0"; header.len()].join(",");
    let mut bad = vec!["0"; header.len()];
    bad[1] = "12.5x";
    let csv = format!("{}\n{good}\n{}\n", header.join(","), bad.join(","));
    let data = dir.join("hospital.csv");
    std::fs::write(&data, csv).unwrap();
    let member = dir.join("members/provider-0");
    let out = zkagg(&[
        "provider",
        "--config",
        s(&cfg),
        "--member",
        s(&member),
        "--data",
        s(&data),
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let err = text(&out.stderr).replace(s(&dir), "<DIR>");
    let last = err.lines().last().unwrap_or_default().to_owned();
    snapshot("error-bad-csv-row", &format!("{last}\n"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn init_takes_its_folder_once_positional_or_by_the_old_flag() {
    let dir = temp_dir("init-folder");
    let out = zkagg(&["init", "--dim", "4"]);
    assert_eq!(out.status.code(), Some(2));
    snapshot("error-init-no-folder", &text(&out.stderr));
    let (a, b) = (dir.join("a"), dir.join("b"));
    let out = zkagg(&["init", s(&a), "--dir", s(&b)]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr).replace(s(&dir), "<DIR>");
    snapshot("error-init-two-folders", &err);
    assert!(!a.exists() && !b.exists());
    // The older spelling still works.
    let out = zkagg(&["init", "--dir", s(&a)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(a.join("consortium.toml").exists());
    let _ = std::fs::remove_dir_all(dir);
}
