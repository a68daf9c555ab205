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

/// One line per run: the case, the exit code and the last line of stderr
/// (the folder shown as `<DIR>`); a panic fails the test.
fn outcome(case: &str, out: &std::process::Output, dir: &Path) -> String {
    let err = text(&out.stderr).replace(s(dir), "<DIR>");
    assert!(!err.contains("panicked at"), "{case}: {err}");
    let last = err.lines().last().unwrap_or_default().to_owned();
    format!("{case}: exit {:?}: {last}\n", out.status.code())
}

#[test]
fn bad_inputs_say_what_is_wrong_where_and_exit_with_their_code() {
    let dir = temp_dir("bad-inputs");
    let out = zkagg(&[
        "init",
        s(&dir.join("a")),
        "--dataset",
        "breast-cancer",
        "--providers",
        "2",
        "--max-samples",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = zkagg(&["init", s(&dir.join("b")), "--providers", "2"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let cfg = dir.join("a/consortium.toml");
    let config = std::fs::read_to_string(&cfg).unwrap();
    let mut report = String::new();

    // The consortium file.
    let bad = dir.join("bad.toml");
    let audit = |toml: &[u8]| {
        std::fs::write(&bad, toml).unwrap();
        zkagg(&["audit", "--config", s(&bad), "--bulletin", s(&dir)])
    };
    for (case, from, to) in [
        (
            "min_batch past the providers",
            "min_batch = 2",
            "min_batch = 3",
        ),
        ("rounds 0", "rounds = 2", "rounds = 0"),
        (
            "deadline 0",
            "contributions_ms = 3000",
            "contributions_ms = 0",
        ),
        ("scale 0", "scale = ", "scale = 0.0 #"),
        (
            "u64 overflow",
            "rounds = 2",
            "rounds = 18446744073709551616",
        ),
        ("unknown key", "rounds = 2", "rounds = 2\nround = 2"),
        ("duplicate key", "rounds = 2", "rounds = 2\nrounds = 3"),
    ] {
        assert!(config.contains(from), "{from}");
        let out = audit(config.replacen(from, to, 1).as_bytes());
        report += &outcome(&format!("config, {case}"), &out, &dir);
    }
    let mut bytes = config.as_bytes()[..40].to_vec();
    bytes.push(0xff);
    report += &outcome("config, not UTF-8", &audit(&bytes), &dir);

    // The member folder: one file from another member or consortium.
    let member = dir.join("member");
    for (case, file, from) in [
        ("tls.key of provider 1", "tls.key", "a/members/provider-1"),
        (
            "tls.crt of another consortium",
            "tls.crt",
            "b/members/provider-0",
        ),
        (
            "ca.crt of another consortium",
            "ca.crt",
            "b/members/provider-0",
        ),
        (
            "signing.key of provider 1",
            "signing.key",
            "a/members/provider-1",
        ),
    ] {
        let _ = std::fs::remove_dir_all(&member);
        std::fs::create_dir_all(&member).unwrap();
        for f in ["signing.key", "tls.key", "tls.crt", "ca.crt"] {
            std::fs::copy(dir.join("a/members/provider-0").join(f), member.join(f)).unwrap();
        }
        std::fs::copy(dir.join(from).join(file), member.join(file)).unwrap();
        let out = zkagg(&[
            "provider",
            "--config",
            s(&cfg),
            "--member",
            s(&member),
            "--dataset",
            "breast-cancer",
        ]);
        report += &outcome(&format!("member, {case}"), &out, &dir);
    }

    // A provider's CSV file.
    let parsed = zkagg_node::config::NodeConfig::load(&cfg).unwrap();
    let schema = parsed.consortium.data.as_ref().unwrap();
    let mut names: Vec<&str> = schema.features.iter().map(|f| f.name.as_str()).collect();
    let header_no_label = names.join(",");
    names.push(schema.label.name.as_str());
    let header = names.join(",");
    let row = |first: &str, label: &str| {
        let mut r = vec!["0"; names.len()];
        r[0] = first;
        r[names.len() - 1] = label;
        r.join(",")
    };
    let data = dir.join("hospital.csv");
    for (case, csv) in [
        ("empty", String::new()),
        ("header only", format!("{header}\n")),
        ("label missing", format!("{header_no_label}\n0\n")),
        ("label 2", format!("{header}\n{}\n", row("0", "2"))),
        ("1e400", format!("{header}\n{}\n", row("1e400", "1"))),
        ("unclosed quote", format!("{header}\n{}\n", row("\"0", "1"))),
        (
            "rows past max_samples",
            format!("{header}\n{}\n", vec![row("0", "1"); 3].join("\n")),
        ),
        (
            "a row of 100000 cells",
            format!("{header}\n{}{}\n", row("0", "1"), ",".repeat(100_000)),
        ),
    ] {
        std::fs::write(&data, csv).unwrap();
        let out = zkagg(&[
            "provider",
            "--config",
            s(&cfg),
            "--member",
            s(&dir.join("a/members/provider-0")),
            "--data",
            s(&data),
        ]);
        report += &outcome(&format!("csv, {case}"), &out, &dir);
    }

    // A schema file for `init --schema`.
    let schema_file = dir.join("schema.csv");
    for (case, csv) in [
        ("bad header", "feature,lo,hi\nage,0,1\n"),
        ("std 0", "feature,min,max,mean,std\nage,0,10,5,0\n"),
        ("nan", "feature,min,max\nage,nan,1\n"),
    ] {
        std::fs::write(&schema_file, csv).unwrap();
        let out = zkagg(&[
            "init",
            s(&dir.join("c")),
            "--schema",
            s(&schema_file),
            "--model",
            "linear",
        ]);
        report += &outcome(&format!("schema, {case}"), &out, &dir);
    }

    // `zkagg init` counts at their edges: refused by flag, nothing written.
    for (case, args) in [
        ("--aggregators 1", vec!["--aggregators", "1"]),
        ("--providers 0", vec!["--providers", "0"]),
        ("--min-batch 0", vec!["--min-batch", "0"]),
        ("--min-batch 4 of 3", vec!["--min-batch", "4"]),
        ("--rounds 0", vec!["--rounds", "0"]),
        ("--threshold 3 of 2", vec!["--threshold", "3"]),
    ] {
        let out = zkagg(&[&["init", s(&dir.join("d"))][..], &args].concat());
        report += &outcome(&format!("init {case}"), &out, &dir);
        assert!(!dir.join("d").exists(), "{case}");
    }

    // `zkagg demo` flags at their edges (refused before anything runs).
    std::fs::write(dir.join("a/keep.txt"), "mine").unwrap();
    for (case, args) in [
        ("--providers 0", vec!["--providers", "0"]),
        ("--providers 100000", vec!["--providers", "100000"]),
        ("--rounds 0", vec!["--rounds", "0"]),
        ("--aggregators 1000", vec!["--aggregators", "1000"]),
        ("--out a non-empty folder", vec!["--out", s(&dir.join("a"))]),
        ("--out a file", vec!["--out", s(&cfg)]),
    ] {
        let out = zkagg(&[&["demo"][..], &args].concat());
        report += &outcome(&format!("demo {case}"), &out, &dir);
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("a/keep.txt")).unwrap(),
        "mine"
    );
    snapshot("error-bad-inputs", &report);
    let _ = std::fs::remove_dir_all(dir);
}
