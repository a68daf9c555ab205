//! Every command line README.md shows (each line starting with `zkagg ` in
//! its ```sh blocks, continuation lines joined) is run here, so the README
//! cannot drift from the binary:
//! - the loopback R_train example as written, in a temporary folder: its
//!   `zkagg init` line (the one substitution: `--base-port` is appended,
//!   moving the consortium to free loopback ports so that parallel tests do
//!   not collide), each member's service line as its own process
//!   (`provider-2.csv` written from provider 2's bundled shard, as the
//!   README says), the `zkagg status` line while it runs, then the lines of
//!   "Audit a consortium" in the consortium folder (`zkagg bulletin`,
//!   `zkagg audit`, `zkagg audit --json`, and `--evidence` on a file that is
//!   not evidence, which is refused);
//! - every other `init` line, in its own folder, each written file checked
//!   against the flags of the line (the across-machines one: every
//!   member's address, and a folder for each member the service lines name);
//! - and a README line this test does not know fails it.

mod common;

use common::procs::{bundled_shard_csvs, loopback_base_port, Group};
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use zkagg::aggregation::config::{ModelKind, RelationConfig, ValidityMode};
use zkagg_node::config::{Member, NodeConfig};

const README: &str = include_str!("../README.md");

/// What a README line is, as far as this test runs it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Line {
    /// `init` with every member's address (across machines).
    AcrossInit,
    /// `init` of the loopback R_train example on a bundled data set.
    LoopbackInit,
    /// `init --schema FILE.csv`.
    SchemaInit,
    /// `init --mpc`.
    MpcInit,
    /// `init` of the bounded-vector relation.
    BoundedInit,
    /// A member's service (`coordinator`, `aggregator`, `provider`), by
    /// the name of its member folder.
    Service(String),
    /// `status`.
    Status,
    /// `bulletin`.
    Bulletin,
    /// `audit`.
    Audit,
    /// `audit --json`.
    AuditJson,
    /// `audit --evidence FILE`.
    AuditEvidence,
}

/// The `zkagg` lines of the README's sh blocks, each as its arguments
/// after `zkagg`.
fn readme_lines() -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut in_sh = false;
    let mut pending: Option<String> = None;
    for raw in README.lines() {
        let t = raw.trim();
        if !in_sh {
            in_sh = t == "```sh";
            continue;
        }
        if t.starts_with("```") {
            assert!(
                pending.is_none(),
                "a continued line ends a block: {pending:?}"
            );
            in_sh = false;
            continue;
        }
        let line = match pending.take() {
            Some(head) => format!("{head} {t}"),
            None => t.to_owned(),
        };
        if let Some(head) = line.strip_suffix('\\') {
            pending = Some(head.trim_end().to_owned());
            continue;
        }
        if let Some(args) = line.strip_prefix("zkagg ") {
            // Split on whitespace is exactly what a shell does with these.
            assert!(
                !args.contains(['"', '\'', '#', '$', '<', '>', '|', '&', ';', '*']),
                "README line `{line}`: quote, comment or shell syntax this test does not split"
            );
            out.push(args.split_whitespace().map(str::to_owned).collect());
        }
    }
    assert!(!in_sh, "an sh block is not closed");
    out
}

/// The value after `name` in `args`.
fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    let k = args.iter().position(|a| a == name)?;
    args.get(k + 1).map(String::as_str)
}

/// Every value after `name` in `args`, in order.
fn flags<'a>(args: &'a [String], name: &str) -> Vec<&'a str> {
    args.windows(2)
        .filter(|w| w[0] == name)
        .map(|w| w[1].as_str())
        .collect()
}

fn has(args: &[String], name: &str) -> bool {
    args.iter().any(|a| a == name)
}

fn classify(args: &[String]) -> Option<Line> {
    let sub = args.first()?.as_str();
    Some(match sub {
        "init" if has(args, "--coordinator-addr") => Line::AcrossInit,
        "init" if has(args, "--mpc") => Line::MpcInit,
        "init" if has(args, "--schema") => Line::SchemaInit,
        "init" if has(args, "--dataset") => Line::LoopbackInit,
        "init" if has(args, "--dim") => Line::BoundedInit,
        "coordinator" | "aggregator" | "provider" => {
            let member = Path::new(flag(args, "--member")?).file_name()?.to_str()?;
            // The member folder names the role it runs.
            if !member.starts_with(sub) {
                return None;
            }
            Line::Service(member.to_owned())
        }
        "status" => Line::Status,
        "bulletin" => Line::Bulletin,
        "audit" if has(args, "--evidence") => Line::AuditEvidence,
        "audit" if has(args, "--json") => Line::AuditJson,
        "audit" => Line::Audit,
        _ => return None,
    })
}

/// Every README line by what it is; a line this test does not run, or two
/// of one kind, fail.
fn readme() -> BTreeMap<Line, Vec<String>> {
    let mut out = BTreeMap::new();
    for args in readme_lines() {
        let line = classify(&args).unwrap_or_else(|| {
            panic!(
                "README line `zkagg {}` is not one tests/readme_commands.rs runs: teach it",
                args.join(" ")
            )
        });
        let again = out.insert(line.clone(), args);
        assert!(again.is_none(), "two README lines of kind {line:?}");
    }
    out
}

/// The arguments of the README's line of kind `line`.
fn args_of<'a>(lines: &'a BTreeMap<Line, Vec<String>>, line: &Line) -> Vec<&'a str> {
    lines
        .get(line)
        .unwrap_or_else(|| panic!("the README has no line {line:?}"))
        .iter()
        .map(String::as_str)
        .collect()
}

/// Runs a README line in `cwd` (which it creates); it must exit 0.
fn run_ok(cwd: &Path, args: &[&str]) -> std::process::Output {
    std::fs::create_dir_all(cwd).unwrap();
    let out = zkagg_in(cwd, args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "zkagg {}\n{}{}",
        args.join(" "),
        text(&out.stdout),
        text(&out.stderr)
    );
    out
}

/// The consortium an `init` line wrote in `cwd` (its DIR argument).
fn written(cwd: &Path, args: &[&str]) -> (PathBuf, NodeConfig) {
    let dir = cwd.join(args[1]);
    let file = dir.join("consortium.toml");
    let cfg = NodeConfig::load(&file).unwrap();
    (dir, cfg)
}

fn sock(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn count(args: &[String], name: &str, default: usize) -> usize {
    flag(args, name).map_or(default, |v| v.parse().unwrap())
}

#[test]
fn the_readme_shows_only_lines_this_test_runs() {
    let lines = readme();
    let mut want: BTreeSet<Line> = [
        Line::AcrossInit,
        Line::LoopbackInit,
        Line::SchemaInit,
        Line::MpcInit,
        Line::BoundedInit,
        Line::Status,
        Line::Bulletin,
        Line::Audit,
        Line::AuditJson,
        Line::AuditEvidence,
    ]
    .into();
    // One service line for each member of the example.
    let init = &lines[&Line::AcrossInit];
    want.insert(Line::Service("coordinator".into()));
    for s in 0..count(init, "--aggregators", 2) {
        want.insert(Line::Service(format!("aggregator-{s}")));
    }
    for i in 0..count(init, "--providers", 3) {
        want.insert(Line::Service(format!("provider-{i}")));
    }
    let got: BTreeSet<Line> = lines.keys().cloned().collect();
    assert_eq!(got, want);
}

#[test]
fn the_readme_init_lines_write_what_they_say() {
    let lines = readme();
    let dir = temp_dir("readme-init");

    // Across machines: every member's address, and each member's folder
    // where its service line looks for it.
    let cwd = dir.join("across");
    let args = args_of(&lines, &Line::AcrossInit);
    run_ok(&cwd, &args);
    let (folder, cfg) = written(&cwd, &args);
    let raw = &lines[&Line::AcrossInit];
    let ops = &cfg.operations;
    assert_eq!(
        ops.coordinator,
        sock(flag(raw, "--coordinator-addr").unwrap())
    );
    let aggs: Vec<SocketAddr> = flags(raw, "--aggregator-addr")
        .into_iter()
        .map(sock)
        .collect();
    assert_eq!(ops.aggregators, aggs);
    assert_eq!(
        cfg.consortium.num_aggregators(),
        count(raw, "--aggregators", 2)
    );
    assert_eq!(cfg.consortium.num_providers(), count(raw, "--providers", 3));
    assert!(matches!(
        cfg.consortium.relation,
        RelationConfig::Train {
            model: ModelKind::Logistic,
            ..
        }
    ));
    assert_eq!(cfg.consortium.validity, ValidityMode::ZkProof);
    for (line, args) in &lines {
        let Line::Service(name) = line else { continue };
        let config = cwd.join(flag(args, "--config").unwrap());
        assert_eq!(config, folder.join("consortium.toml"), "{name}");
        let member = Member::load(&cwd.join(flag(args, "--member").unwrap()), &cfg.consortium)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(member.party.to_string(), name.replace('-', " "));
    }

    // From a schema file: the line's model and label.
    let cwd = dir.join("schema");
    let args = args_of(&lines, &Line::SchemaInit);
    let raw = &lines[&Line::SchemaInit];
    std::fs::create_dir_all(&cwd).unwrap();
    std::fs::write(
        cwd.join(flag(raw, "--schema").unwrap()),
        zkagg::data::diabetes::SCHEMA_CSV,
    )
    .unwrap();
    run_ok(&cwd, &args);
    let (_, cfg) = written(&cwd, &args);
    let RelationConfig::Train { model, train } = &cfg.consortium.relation else {
        panic!("{:?}", cfg.consortium.relation)
    };
    assert_eq!(flag(raw, "--model"), Some("linear"));
    assert_eq!(*model, ModelKind::Linear);
    assert_eq!(train.num_features, 10);
    let data = cfg.consortium.data.as_ref().unwrap();
    assert_eq!(Some(data.label.name.as_str()), flag(raw, "--label"));

    // The bounded-vector relation.
    let cwd = dir.join("bounded");
    let args = args_of(&lines, &Line::BoundedInit);
    let raw = &lines[&Line::BoundedInit];
    run_ok(&cwd, &args);
    let (_, cfg) = written(&cwd, &args);
    let bits = flag(raw, "--bits").unwrap().parse().unwrap();
    assert_eq!(
        cfg.consortium.relation,
        RelationConfig::BoundedVector { bits }
    );
    assert_eq!(cfg.consortium.dim.to_string(), flag(raw, "--dim").unwrap());
    assert_eq!(cfg.consortium.validity, ValidityMode::ZkProof);

    // The MPC validity mode: the two-party endpoints on the ports the
    // README names, after the aggregators'.
    let cwd = dir.join("mpc");
    let args = args_of(&lines, &Line::MpcInit);
    run_ok(&cwd, &args);
    let (_, cfg) = written(&cwd, &args);
    assert_eq!(cfg.consortium.validity, ValidityMode::Mpc2pc);
    let ops = &cfg.operations;
    assert_eq!(
        ops.aggregators,
        [sock("127.0.0.1:7401"), sock("127.0.0.1:7402")]
    );
    assert_eq!(
        ops.aggregator_peers,
        [sock("127.0.0.1:7403"), sock("127.0.0.1:7404")]
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_readme_loopback_consortium_runs_as_written_and_its_audit_passes() {
    let lines = readme();
    let cwd = temp_dir("readme-run");

    // The loopback init line, moved to free ports (the only substitution).
    let raw = &lines[&Line::LoopbackInit];
    let aggregators = count(raw, "--aggregators", 2);
    let base = loopback_base_port(1 + aggregators as u16).to_string();
    let mut args = args_of(&lines, &Line::LoopbackInit);
    args.extend(["--base-port", &base]);
    run_ok(&cwd, &args);
    let (folder, cfg) = written(&cwd, &args);
    assert_eq!(cfg.operations.coordinator.port().to_string(), base);
    let rounds = cfg.operations.rounds;
    let providers = cfg.consortium.num_providers();

    // Each member's own line, as its own process; a provider on `--data
    // FILE` gets its bundled shard written there.
    let csvs = bundled_shard_csvs(&cfg);
    let mut group = Group::new(&cwd).with_filter("info").in_dir(&cwd);
    let mut members = Vec::new();
    for (line, args) in &lines {
        let Line::Service(name) = line else { continue };
        if let Some(file) = flag(args, "--data") {
            let i: usize = name.strip_prefix("provider-").unwrap().parse().unwrap();
            std::fs::write(cwd.join(file), &csvs[i]).unwrap();
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        group.start(name, &args);
        members.push(name.clone());
    }
    assert_eq!(members.len(), 1 + aggregators + providers, "{members:?}");
    let bound = Duration::from_secs(240);

    // The status line while it runs.
    group.await_log("coordinator", "round opened", bound);
    let status = args_of(&lines, &Line::Status);
    let out = run_ok(&cwd, &status);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let asked = Path::new(flag(&lines[&Line::Status], "--member").unwrap())
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .replace('-', " ");
    assert_eq!(json["service"], asked.as_str(), "{json}");
    assert!(json["bulletin_len"].as_u64().unwrap() > 0, "{json}");

    // "Audit a consortium", in the consortium folder, once every round closed
    // (the coordinator lingers, serving the bulletin).
    group.await_log("coordinator", "every round closed; lingering", bound);
    let out = run_ok(&folder, &args_of(&lines, &Line::Bulletin));
    let fetched = folder.join(flag(&lines[&Line::Bulletin], "--out").unwrap());
    let export = folder.join(cfg.operations.bulletin_file.as_ref().unwrap());
    assert_eq!(
        std::fs::read(&fetched).unwrap(),
        std::fs::read(&export).unwrap(),
        "{}",
        text(&out.stdout)
    );
    let report = text(&run_ok(&folder, &args_of(&lines, &Line::Audit)).stdout);
    assert!(
        report.contains(&format!("{rounds} rounds closed")),
        "{report}"
    );
    assert!(!report.contains("failures:"), "{report}");
    let all: Vec<u64> = (0..rounds).collect();
    for i in 0..providers {
        assert!(
            report.contains(&format!("provider {i}: data commitment")),
            "{report}"
        );
        assert!(
            report.contains(&format!("counted in rounds {all:?}")),
            "{report}"
        );
    }
    let out = run_ok(&folder, &args_of(&lines, &Line::AuditJson));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["ok"], true, "{doc}");
    assert_eq!(doc["rounds"].as_array().unwrap().len() as u64, rounds);
    for r in doc["rounds"].as_array().unwrap() {
        assert_eq!(r["outcome"], "released", "{r}");
        assert_eq!(r["accepted"].as_array().unwrap().len(), providers, "{r}");
    }
    let contributions = doc["contributions"].as_array().unwrap();
    assert_eq!(contributions.len(), providers);
    for c in contributions {
        assert_eq!(c["counted_rounds"], serde_json::json!(all), "{c}");
    }
    // The evidence line, on a file that is not evidence: refused, exit 9.
    let raw = &lines[&Line::AuditEvidence];
    let evidence = folder.join(flag(raw, "--evidence").unwrap());
    std::fs::write(&evidence, b"not two coordinator-signed entries").unwrap();
    let out = zkagg_in(&folder, &args_of(&lines, &Line::AuditEvidence));
    assert_eq!(out.status.code(), Some(9), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains(flag(raw, "--evidence").unwrap()),
        "{}",
        text(&out.stderr)
    );

    // Every member is done; the lingering coordinator stops on SIGTERM.
    group.terminate("coordinator");
    assert_eq!(group.finish_ok(Duration::from_secs(60)), members.len());
    let _ = std::fs::remove_dir_all(cwd);
}
