//! `zkagg audit`: checks a bulletin file against a consortium file, from
//! public files only, and prints the verdict and the proof-of-contribution
//! report (for people, or as one JSON document with `--json`).
//!
//! Exit codes: 0 the audit passes; 7 it fails (a party is blamed); 3 the
//! consortium file is unreadable or invalid; 8 the bulletin file is
//! unreadable, too large, does not decode, or is for another consortium
//! (a file that does not decode names nobody: it may have been damaged
//! anywhere between the coordinator and the auditor); 9 an `--evidence`
//! file is unreadable, does not decode or is not conclusive (evidence that
//! does not check blames no one, so the audit is not run).
//!
//! The `--json` document (`format` 1; field names are stable, new fields
//! may be added): `ok`, `consortium`, `config_id` (hex), `entries`,
//! `validity` (`public-proofs` | `attested-by-aggregators`), `rounds[]`
//! (`round`, `ok`, `outcome` `released` | `aborted`, `abort_reason`
//! {`kind`, `detail`}, `accepted[]`, `entries` {`header`, `accepted_sets[]`
//! and `partial_sums[]` of {`aggregator`, `entry`}, `close`}, `audit_ms`),
//! `open_round`, `failures[]` (`entry`, `round`, `fault` {`kind`,
//! `detail`}, `blame` {`role`, `index`, `name`}), `notes[]` (`entry`,
//! `party`, `fault`), `final_model` {`digest`, `weights[]`},
//! `contributions[]` (`provider`, `registration` {`entry`,
//! `data_commitment`}, `counted_rounds[]`, `rounds[]` {`round`, `status`,
//! `detail`, `contribution`, `decisions[]` {`aggregator`, `entry`,
//! `decision`, `reason`, `confirmed`}}, `ignored[]`) and `audit_ms`. Times
//! are measurements (milliseconds of this run); everything else is a
//! function of the two files.

use clap::Args;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use zkagg::aggregation::auditor::report::{ContributionStatus, Decision};
use zkagg::aggregation::auditor::{AuditFault, Auditor, ValidityCheck, Verdict};
use zkagg::aggregation::bulletin::{Bulletin, Entry, MAX_BULLETIN_BYTES};
use zkagg::aggregation::equivocation::{Equivocation, MAX_EVIDENCE_BYTES};
use zkagg::aggregation::msgs::{AbortReason, RoundOutcome};
use zkagg::aggregation::relation::{model_digest, UpdateRelation};
use zkagg::aggregation::setup::Setup;
use zkagg::aggregation::PartyId;
use zkagg_node::config::{build_setup, NodeConfig, SetupVisitor};

/// The audit passed.
pub const EXIT_PASS: u8 = 0;
/// The consortium file is unreadable or invalid.
pub const EXIT_CONFIG: u8 = 3;
/// The audit failed: a party is blamed.
pub const EXIT_AUDIT_FAILED: u8 = 7;
/// The bulletin file is unreadable, too large, corrupt or for another consortium.
pub const EXIT_BAD_BULLETIN: u8 = 8;
/// An evidence file is unreadable, does not decode, or is not conclusive
/// (an entry not signed by the coordinator, the same entry twice, two
/// positions).
pub const EXIT_BAD_EVIDENCE: u8 = 9;

/// Model weights printed in full up to this dimension (the digest always).
const PRINT_WEIGHTS: usize = 16;

/// `zkagg audit` flags.
#[derive(Args, Debug)]
#[command(
    after_help = "Exit codes: 0 the audit passes, 7 it fails (a party is blamed), \
1 the JSON cannot be written, 2 bad flags, 3 bad consortium file, 8 bad bulletin file (unreadable, larger than 1 GiB, corrupt, or for \
another consortium), 9 bad evidence file (unreadable, corrupt, or not two different coordinator-signed entries at one sequence number)."
)]
pub struct AuditArgs {
    /// The consortium file (TOML; public: keys and addresses only).
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    /// The bulletin file (from `zkagg bulletin` or the coordinator's
    /// `operations.bulletin_file`).
    #[arg(long, value_name = "FILE")]
    bulletin: PathBuf,
    /// Evidence of coordinator equivocation (an aggregator's
    /// `<db>.equivocation-<seq>` file: two coordinator-signed entries at
    /// one sequence number); checked, then a failure of the coordinator.
    /// May be given more than once.
    #[arg(long, value_name = "FILE")]
    evidence: Vec<PathBuf>,
    /// Print one JSON document instead of the report for people.
    #[arg(long)]
    json: bool,
}

/// Reads a file of at most `cap` bytes, checking the size before reading.
fn read_capped(path: &Path, cap: usize) -> Result<Vec<u8>, String> {
    zkagg_node::config::read_capped_bytes(path, cap as u64).map_err(|e| e.to_string())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs `zkagg audit`.
pub fn run(a: AuditArgs) -> ExitCode {
    let config = match NodeConfig::load(&a.config) {
        Ok(c) => c.consortium,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let bad = |msg: String| {
        eprintln!("error: {msg}");
        ExitCode::from(EXIT_BAD_BULLETIN)
    };
    let bytes = match read_capped(&a.bulletin, MAX_BULLETIN_BYTES) {
        Ok(b) => b,
        Err(e) => return bad(e),
    };
    let (file_config, entries) = match Bulletin::decode_file(&bytes) {
        Ok(x) => x,
        Err(e) => {
            return bad(format!(
                "{}: not a bulletin file (corrupt or truncated: {e}); nothing in it can be attributed to a party",
                a.bulletin.display()
            ))
        }
    };
    if file_config.id() != config.id() {
        return bad(format!(
            "{}: the bulletin is for consortium {} (\"{}\"), the consortium file {} is {}",
            a.bulletin.display(),
            hex(&file_config.id()),
            file_config.name,
            a.config.display(),
            hex(&config.id()),
        ));
    }
    let mut evidence = Vec::new();
    for path in &a.evidence {
        match read_evidence(path, &config) {
            Ok(e) => evidence.push(e),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(EXIT_BAD_EVIDENCE);
            }
        }
    }
    let setup = match build_setup(&config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {}: {e}", a.config.display());
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let audited = setup.visit(TimedAudit(entries, evidence));
    let audited = match audited {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {}: {e}", a.config.display());
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let doc = Document::new(&config, &audited);
    if a.json {
        match serde_json::to_string_pretty(&doc) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        print!("{}", human(&doc));
    }
    ExitCode::from(if audited.verdict.ok() {
        EXIT_PASS
    } else {
        EXIT_AUDIT_FAILED
    })
}

/// A verdict with the time the audit took per round.
struct Audited {
    verdict: Verdict,
    entries: u64,
    /// (round, time from its header to its close, both included).
    round_times: Vec<(u64, Duration)>,
    total: Duration,
}

/// Reads and checks an evidence file: capped, canonical, conclusive.
fn read_evidence(
    path: &Path,
    config: &zkagg::aggregation::config::ConsortiumConfig,
) -> Result<Equivocation, String> {
    let bytes = read_capped(path, MAX_EVIDENCE_BYTES)?;
    let e = Equivocation::from_bytes(&bytes).map_err(|e| {
        format!(
            "{}: not an evidence file (corrupt or truncated: {e})",
            path.display()
        )
    })?;
    e.check(config)
        .map_err(|e| format!("{}: evidence refused: {e}", path.display()))?;
    Ok(e)
}

/// Audits the entries (then the evidence) with the config's setup, timing
/// each round.
struct TimedAudit(Vec<Entry>, Vec<Equivocation>);

impl SetupVisitor for TimedAudit {
    type Output = Result<Audited, zkagg::aggregation::AggError>;

    fn visit<Rel, S>(self, setup: Setup<Rel, S>) -> Self::Output
    where
        Rel: zkagg_node::input::NodeRelation,
        S: zkagg::aggregation::setup::SharingScheme + Send + Sync + 'static,
    {
        timed_audit(&Arc::new(setup), self.0, &self.1)
    }
}

fn timed_audit<Rel: UpdateRelation, S: zkagg::aggregation::setup::SharingScheme>(
    setup: &Arc<Setup<Rel, S>>,
    entries: Vec<Entry>,
    evidence: &[Equivocation],
) -> Result<Audited, zkagg::aggregation::AggError> {
    let mut a = Auditor::new(setup.clone())?;
    let start = Instant::now();
    let mut round_times = Vec::new();
    let mut in_round = Duration::ZERO;
    let n = entries.len() as u64;
    for e in entries {
        let t = Instant::now();
        let closed = a.verdict().rounds.len();
        // Failures are collected in the verdict; once the chain is broken
        // every later entry is refused at once.
        let _ = a.entry(e);
        in_round += t.elapsed();
        if let Some(r) = a.verdict().rounds.get(closed) {
            round_times.push((r.round, in_round));
            in_round = Duration::ZERO;
        }
    }
    for e in evidence {
        // Checked when read: conclusive, so a failure of the coordinator.
        let _ = a.evidence(e);
    }
    Ok(Audited {
        verdict: a.finish(),
        entries: n,
        round_times,
        total: start.elapsed(),
    })
}

// ------------------------------------------------------------ the document

/// A party, by role and index.
#[derive(Serialize)]
struct Party {
    role: &'static str,
    index: Option<u32>,
    name: String,
}

impl From<PartyId> for Party {
    fn from(p: PartyId) -> Self {
        let (role, index) = match p {
            PartyId::Coordinator => ("coordinator", None),
            PartyId::Aggregator(s) => ("aggregator", Some(s.0)),
            PartyId::Provider(i) => ("provider", Some(i.0)),
        };
        Party {
            role,
            index,
            name: p.to_string(),
        }
    }
}

/// What went wrong, as a kind, the party it concerns, and words.
#[derive(Serialize)]
struct Kind {
    kind: String,
    detail: String,
}

fn abort_kind(r: AbortReason) -> Kind {
    let (kind, detail) = match r {
        AbortReason::BelowMinimumBatch => (
            "below-minimum-batch",
            "fewer accepted contributions than the minimum batch".to_owned(),
        ),
        AbortReason::AcceptedSetWithheld(s) => (
            "accepted-set-withheld",
            format!("{s} posted no accepted set"),
        ),
        AbortReason::PartialSumWithheld(s) => {
            ("partial-sum-withheld", format!("{s} posted no partial sum"))
        }
        AbortReason::PartialSumInvalid(s) => (
            "partial-sum-invalid",
            format!("the partial sum of {s} does not open its commitments"),
        ),
        AbortReason::AggregateOutOfRange => (
            "aggregate-out-of-range",
            "the aggregate is not a sum of in-bound updates".to_owned(),
        ),
        _ => ("other", format!("{r:?}")),
    };
    Kind {
        kind: kind.into(),
        detail,
    }
}

fn fault_kind(f: AuditFault) -> Kind {
    let (kind, detail) = match f {
        AuditFault::Entry(e) => {
            use zkagg::aggregation::error::Fault;
            let chain = matches!(
                e,
                Fault::BrokenChain
                    | Fault::BadSignature
                    | Fault::UnknownSender
                    | Fault::WrongSender
                    | Fault::MalformedPayload
            );
            let detail = if chain {
                format!(
                    "{e}: the coordinator, who serves the bulletin, presented an entry its \
sender did not sign, or the file was altered after it was fetched; nothing after it is checked"
                )
            } else {
                e.to_string()
            };
            (format!("entry-{}", kebab(&format!("{e:?}"))), detail)
        }
        AuditFault::BadFile => ("bad-file".into(), "the file does not decode".into()),
        AuditFault::ConfigMismatch => (
            "config-mismatch".into(),
            "the bulletin is for another config".into(),
        ),
        AuditFault::AcceptedUnregistered(i) => (
            "accepted-unregistered".into(),
            format!("accepted {i}, which has no registered data commitment"),
        ),
        AuditFault::AcceptedWrongCommitmentCount(i) => (
            "accepted-wrong-commitment-count".into(),
            format!("accepted {i}, whose contribution lacks one commitment per aggregator"),
        ),
        AuditFault::AcceptedProofFails(i) => (
            "accepted-proof-fails".into(),
            format!("accepted {i}, whose pi_zk does not verify"),
        ),
        AuditFault::AcceptedLinkFails(i) => (
            "accepted-link-fails".into(),
            format!("accepted {i}, whose pi_link does not verify"),
        ),
        AuditFault::WrongClose => (
            "wrong-close".into(),
            "the posted close does not follow from the round's entries".into(),
        ),
        AuditFault::AcceptedSetWithheld => (
            "accepted-set-withheld".into(),
            "posted no accepted set: the round aborted".into(),
        ),
        AuditFault::PartialSumWithheld => (
            "partial-sum-withheld".into(),
            "posted no partial sum: the round aborted".into(),
        ),
        AuditFault::PartialSumInvalid => (
            "partial-sum-invalid".into(),
            "posted a partial sum that does not open its commitments: the round aborted".into(),
        ),
        AuditFault::RejectionContradicted(i) => (
            "rejection-contradicted".into(),
            format!("rejected {i} for a public reason the record contradicts"),
        ),
        AuditFault::CoordinatorEquivocated => (
            "coordinator-equivocated".into(),
            "signed two different entries at this sequence number (evidence from --evidence)"
                .into(),
        ),
        other => ("other".into(), format!("{other:?}")),
    };
    Kind { kind, detail }
}

/// `PartialSumInvalid` -> `partial-sum-invalid`.
fn kebab(name: &str) -> String {
    let mut out = String::new();
    for (k, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if k > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[derive(Serialize)]
struct Failure {
    entry: Option<u64>,
    round: Option<u64>,
    fault: Kind,
    blame: Party,
}

#[derive(Serialize)]
struct Note {
    entry: u64,
    party: Party,
    fault: Kind,
}

#[derive(Serialize)]
struct SeqOf {
    aggregator: u32,
    entry: u64,
}

#[derive(Serialize)]
struct RoundEntries {
    header: u64,
    accepted_sets: Vec<SeqOf>,
    partial_sums: Vec<SeqOf>,
    close: Option<u64>,
}

#[derive(Serialize)]
struct Round {
    round: u64,
    ok: bool,
    /// "released" or "aborted".
    outcome: &'static str,
    abort_reason: Option<Kind>,
    accepted: Vec<u32>,
    entries: RoundEntries,
    audit_ms: Option<f64>,
}

#[derive(Serialize)]
struct Model {
    digest: String,
    weights: Vec<i64>,
}

#[derive(Serialize)]
struct Registration {
    entry: u64,
    data_commitment: String,
}

#[derive(Serialize)]
struct DecisionDoc {
    aggregator: u32,
    entry: u64,
    /// "accepted", "rejected" or "omitted".
    decision: &'static str,
    reason: Option<Kind>,
    /// For a public reason: whether the record confirms it.
    confirmed: Option<bool>,
}

#[derive(Serialize)]
struct ProviderRound {
    round: u64,
    /// counted, not-submitted, rejected, round-aborted, accepted-invalid, round-open.
    status: &'static str,
    detail: Option<Kind>,
    contribution: Option<u64>,
    decisions: Vec<DecisionDoc>,
}

#[derive(Serialize)]
struct Provider {
    provider: u32,
    registration: Option<Registration>,
    counted_rounds: Vec<u64>,
    rounds: Vec<ProviderRound>,
    ignored: Vec<Note>,
}

/// The `--json` document (and the source of the text report).
#[derive(Serialize)]
struct Document {
    /// Format version of this document.
    format: u32,
    ok: bool,
    consortium: String,
    config_id: String,
    entries: u64,
    /// "public-proofs" or "attested-by-aggregators".
    validity: &'static str,
    rounds: Vec<Round>,
    open_round: Option<u64>,
    failures: Vec<Failure>,
    notes: Vec<Note>,
    final_model: Option<Model>,
    contributions: Vec<Provider>,
    audit_ms: f64,
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

fn reject_kind(r: zkagg::aggregation::msgs::RejectReason) -> Kind {
    Kind {
        kind: kebab(&format!("{r:?}")),
        detail: r.detail().into(),
    }
}

fn note(n: &zkagg::aggregation::auditor::AuditNote) -> Note {
    Note {
        entry: n.entry,
        party: n.party.into(),
        fault: Kind {
            kind: kebab(&format!("{:?}", n.fault)),
            detail: n.fault.to_string(),
        },
    }
}

impl Document {
    fn new(config: &zkagg::aggregation::config::ConsortiumConfig, a: &Audited) -> Document {
        let v = &a.verdict;
        let seqs = |x: &[(zkagg::aggregation::AggregatorId, u64)]| {
            x.iter()
                .map(|(s, e)| SeqOf {
                    aggregator: s.0,
                    entry: *e,
                })
                .collect()
        };
        let rounds = v
            .rounds
            .iter()
            .map(|r| Round {
                round: r.round,
                ok: r.ok,
                outcome: match r.outcome {
                    RoundOutcome::Released(_) => "released",
                    RoundOutcome::Aborted(_) => "aborted",
                },
                abort_reason: match r.outcome {
                    RoundOutcome::Aborted(why) => Some(abort_kind(why)),
                    RoundOutcome::Released(_) => None,
                },
                accepted: r.accepted.iter().map(|i| i.0).collect(),
                entries: RoundEntries {
                    header: r.entries.header,
                    accepted_sets: seqs(&r.entries.accepted_sets),
                    partial_sums: seqs(&r.entries.partial_sums),
                    close: r.entries.close,
                },
                audit_ms: a
                    .round_times
                    .iter()
                    .find(|(t, _)| *t == r.round)
                    .map(|(_, d)| ms(*d)),
            })
            .collect();
        let contributions = v
            .contributions
            .providers
            .iter()
            .map(|p| Provider {
                provider: p.provider.0,
                registration: p.registration.map(|r| Registration {
                    entry: r.entry,
                    data_commitment: hex(&r.data_commitment.to_bytes()),
                }),
                counted_rounds: p.counted_rounds(),
                rounds: p
                    .rounds
                    .iter()
                    .map(|l| ProviderRound {
                        round: l.round,
                        status: l.status.name(),
                        detail: match l.status {
                            ContributionStatus::RoundAborted(r) => Some(abort_kind(r)),
                            ContributionStatus::AcceptedInvalid(f) => Some(fault_kind(f)),
                            _ => None,
                        },
                        contribution: l.contribution,
                        decisions: l
                            .decisions
                            .iter()
                            .map(|d| DecisionDoc {
                                aggregator: d.aggregator.0,
                                entry: d.entry,
                                decision: match d.decision {
                                    Decision::Accepted => "accepted",
                                    Decision::Rejected(_) => "rejected",
                                    Decision::Omitted => "omitted",
                                },
                                reason: match d.decision {
                                    Decision::Rejected(r) => Some(reject_kind(r)),
                                    _ => None,
                                },
                                confirmed: d.confirmed,
                            })
                            .collect(),
                    })
                    .collect(),
                ignored: p.ignored.iter().map(note).collect(),
            })
            .collect();
        Document {
            format: 1,
            ok: v.ok(),
            consortium: config.name.clone(),
            config_id: hex(&config.id()),
            entries: a.entries,
            validity: match v.validity {
                ValidityCheck::PublicProofs => "public-proofs",
                ValidityCheck::AttestedByAggregators => "attested-by-aggregators",
            },
            rounds,
            open_round: v.open_round,
            failures: v
                .failures
                .iter()
                .map(|f| Failure {
                    entry: f.entry,
                    round: f.round,
                    fault: fault_kind(f.fault),
                    blame: f.blame.into(),
                })
                .collect(),
            notes: v.notes.iter().map(note).collect(),
            final_model: v.final_model.as_ref().map(|m| Model {
                digest: hex(&model_digest(m)),
                weights: m.clone(),
            }),
            contributions,
            audit_ms: ms(a.total),
        }
    }
}

// ------------------------------------------------------------ for people

fn human(d: &Document) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    let w = &mut o;
    let _ = writeln!(
        w,
        "consortium \"{}\", config id {}",
        d.consortium, d.config_id
    );
    let _ = writeln!(
        w,
        "{} entries, {} round{} closed{}, validity: {}",
        d.entries,
        d.rounds.len(),
        if d.rounds.len() == 1 { "" } else { "s" },
        d.open_round
            .map(|t| format!(", round {t} still open"))
            .unwrap_or_default(),
        match d.validity {
            "public-proofs" => "public (every accepted pi_zk verified)",
            _ => "attested by the aggregators (MPC mode: not publicly verifiable)",
        }
    );
    let _ = writeln!(w, "\nrounds:");
    for r in &d.rounds {
        let outcome = match &r.abort_reason {
            None => format!("released, {} accepted {:?}", r.accepted.len(), r.accepted),
            Some(k) => format!("aborted: {}", k.detail),
        };
        let _ = writeln!(
            w,
            "  round {}: {} [{}] (audit {:.1} ms)",
            r.round,
            outcome,
            if r.ok { "ok" } else { "FAILED" },
            r.audit_ms.unwrap_or(0.0),
        );
        let list = |x: &[SeqOf]| {
            x.iter()
                .map(|q| format!("{} (aggregator {})", q.entry, q.aggregator))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            w,
            "    entries: header {}; accepted sets {}; partial sums {}; close {}",
            r.entries.header,
            list(&r.entries.accepted_sets),
            if r.entries.partial_sums.is_empty() {
                "none".to_owned()
            } else {
                list(&r.entries.partial_sums)
            },
            r.entries.close.map_or("-".into(), |c| c.to_string()),
        );
    }
    if !d.failures.is_empty() {
        let _ = writeln!(w, "\nfailures:");
        for f in &d.failures {
            let at = match (f.entry, f.round) {
                (Some(e), Some(t)) => format!("entry {e}, round {t}"),
                (Some(e), None) => format!("entry {e}"),
                (None, Some(t)) => format!("round {t}"),
                (None, None) => "file".into(),
            };
            let _ = writeln!(w, "  {at}: {} to blame: {}", f.blame.name, f.fault.detail);
        }
    }
    if !d.notes.is_empty() {
        let _ = writeln!(w, "\nnotes (provider noise, skipped):");
        for n in &d.notes {
            let _ = writeln!(
                w,
                "  entry {}: {}: {}",
                n.entry, n.party.name, n.fault.detail
            );
        }
    }
    match &d.final_model {
        Some(m) => {
            let _ = writeln!(
                w,
                "\nfinal model (fixed-point weights): digest {}",
                m.digest
            );
            if m.weights.len() <= PRINT_WEIGHTS {
                let _ = writeln!(w, "  weights {:?}", m.weights);
            } else {
                let _ = writeln!(
                    w,
                    "  weights {:?} ... ({} in all)",
                    &m.weights[..PRINT_WEIGHTS],
                    m.weights.len()
                );
            }
        }
        None => {
            let _ = writeln!(w, "\nfinal model: none released");
        }
    }
    let _ = writeln!(w, "\nproof of contribution:");
    for p in &d.contributions {
        let reg = match &p.registration {
            Some(r) => format!("data commitment {} (entry {})", r.data_commitment, r.entry),
            None => "no registration".into(),
        };
        let _ = writeln!(
            w,
            "  provider {}: {reg}; counted in rounds {:?}",
            p.provider, p.counted_rounds
        );
        for l in &p.rounds {
            let mut line = format!("    round {}: {}", l.round, l.status);
            if let Some(k) = &l.detail {
                let _ = write!(line, " ({})", k.detail);
            }
            if let Some(c) = l.contribution {
                let _ = write!(line, "; contribution entry {c}");
            }
            for dd in &l.decisions {
                let _ = write!(line, "; aggregator {} ", dd.aggregator);
                match &dd.reason {
                    Some(k) => {
                        let _ = write!(line, "rejected: {}", k.detail);
                        match dd.confirmed {
                            Some(true) => line.push_str(", confirmed by the record"),
                            Some(false) => line.push_str(", CONTRADICTED by the record"),
                            None => {}
                        }
                    }
                    None => line.push_str(dd.decision),
                }
                let _ = write!(line, " (entry {})", dd.entry);
            }
            let _ = writeln!(w, "{line}");
        }
        for n in &p.ignored {
            let _ = writeln!(w, "    ignored entry {}: {}", n.entry, n.fault.detail);
        }
    }
    let _ = writeln!(w, "\naudit time: {:.1} ms", d.audit_ms);
    match d.failures.first() {
        None => {
            let _ = writeln!(w, "verdict: PASS");
        }
        Some(f) => {
            let _ = writeln!(
                w,
                "verdict: FAIL ({} failure{}; first: {} at entry {})",
                d.failures.len(),
                if d.failures.len() == 1 { "" } else { "s" },
                f.blame.name,
                f.entry.map_or("-".into(), |e| e.to_string())
            );
        }
    }
    o
}
