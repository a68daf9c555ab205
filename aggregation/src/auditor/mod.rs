//! The auditor: checks a bulletin end to end from public data alone, one
//! entry at a time ([`Auditor::entry`]), so a node or the command line can
//! drive it incrementally.
//!
//! Per entry: the chain, the strict signature and the sender's role (a
//! failure here blames the coordinator, which presents the bulletin, and
//! stops the audit: nothing after it can be trusted), then the ledger's
//! sequence rules. Provider noise the coordinator let through (a second
//! registration or contribution, one outside or for another round) cannot
//! change an outcome: it is recorded as an [`AuditNote`] and skipped. Any
//! other stray entry is a failure of its poster.
//!
//! Per closed round: every accepted contribution verifies (registration,
//! one commitment per aggregator, a consistent sharing, pi_zk in the ZK
//! mode, pi_link), else the
//! aggregators that accepted it are blamed; the posted close must equal the
//! one that follows from the round's entries
//! ([`crate::coordinator::expected_close`]), else the coordinator is
//! blamed; a round aborted because an aggregator withheld or corrupted its
//! message is a failure of that aggregator. A round released without an
//! aggregator (threshold sharing, at least t partial sums) records that
//! aggregator in a note ([`Fault::AbsentFromRound`]), not a failure. Later
//! rounds are still checked.
//!
//! A rejection whose reason is public (no registration, wrong commitment
//! count, pi_zk in the ZK mode, pi_link) is re-checked: an aggregator
//! rejecting a contribution the record shows to pass that check is blamed.
//! The verdict carries the proof-of-contribution report ([`report`]).
//!
//! In the MPC validity mode the bound check is not publicly verifiable:
//! the verdict says [`ValidityCheck::AttestedByAggregators`].

pub mod report;

use crate::bulletin::{Bulletin, Entry};
use crate::config::ValidityMode;
use crate::coordinator::expected_close;
use crate::equivocation::{Equivocation, EvidenceError};
use crate::error::{AggError, Fault};
use crate::ledger::OpenRound;
use crate::ledger::{Applied, ClosedRound, Ledger};
use crate::msgs::{AbortReason, Contribution, PublicMessage, RejectReason, RoundOutcome};
use crate::party::{AggregatorId, PartyId, ProviderId};
use crate::relation::{ProofContext, UpdateRelation, UpdateStatement};
use crate::setup::{Setup, SharingScheme};
use report::{
    AggregatorDecision, ContributionReport, ContributionStatus, Decision, ProviderReport,
    ProviderRound, Registered, RoundEntries,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use zkagg_zk::link::{self, LinkStatement};

/// What failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuditFault {
    /// An entry broke a bulletin or sequence rule.
    Entry(Fault),
    /// The bulletin file does not decode, or is for another config.
    BadFile,
    /// The bulletin is for another config.
    ConfigMismatch,
    /// An accepted contribution has no registered data commitment.
    AcceptedUnregistered(ProviderId),
    /// An accepted contribution lacks one commitment per aggregator.
    AcceptedWrongCommitmentCount(ProviderId),
    /// An accepted contribution's share commitments are not a consistent
    /// sharing (threshold schemes).
    AcceptedInconsistentShares(ProviderId),
    /// An accepted contribution's pi_zk fails.
    AcceptedProofFails(ProviderId),
    /// An accepted contribution's pi_link fails.
    AcceptedLinkFails(ProviderId),
    /// The posted close is not the one that follows from the round.
    WrongClose,
    /// The round aborted because this aggregator posted no accepted set.
    AcceptedSetWithheld,
    /// The round aborted because this aggregator posted no partial sum.
    PartialSumWithheld,
    /// The round aborted because this aggregator's partial sum does not open.
    PartialSumInvalid,
    /// This aggregator rejected the provider's contribution for a public
    /// reason the record contradicts (the check passes).
    RejectionContradicted(ProviderId),
    /// The coordinator signed two different entries at one sequence number
    /// (evidence of [`crate::equivocation::Equivocation`]; the failure's
    /// entry is that sequence number).
    CoordinatorEquivocated,
}

/// A failure and the party to blame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuditFailure {
    /// The bulletin entry (sequence number), if the failure is tied to one.
    pub entry: Option<u64>,
    /// The round, if the failure is tied to one.
    pub round: Option<u64>,
    /// What failed.
    pub fault: AuditFault,
    /// The party to blame.
    pub blame: PartyId,
}

/// A skipped entry: provider noise that cannot change an outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuditNote {
    /// The entry.
    pub entry: u64,
    /// Its poster.
    pub party: PartyId,
    /// The rule it broke.
    pub fault: Fault,
}

/// What validity the audit could check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValidityCheck {
    /// Every accepted contribution's pi_zk verified: validity is public.
    PublicProofs,
    /// The MPC mode: validity rests on the two aggregators' bound check,
    /// which the public record cannot verify.
    AttestedByAggregators,
}

/// One closed round.
#[derive(Clone, Debug, PartialEq)]
pub struct RoundVerdict {
    /// Round t.
    pub round: u64,
    /// The round's accepted set.
    pub accepted: Vec<ProviderId>,
    /// What the round produced (as posted).
    pub outcome: RoundOutcome,
    /// Whether the round passed every check.
    pub ok: bool,
    /// The round's entries.
    pub entries: RoundEntries,
}

/// The auditor's verdict.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// Every closed round, in order.
    pub rounds: Vec<RoundVerdict>,
    /// Every failure found.
    pub failures: Vec<AuditFailure>,
    /// Skipped provider noise.
    pub notes: Vec<AuditNote>,
    /// What validity could be checked.
    pub validity: ValidityCheck,
    /// The last released model.
    pub final_model: Option<Vec<i64>>,
    /// A round still open at the end of the bulletin.
    pub open_round: Option<u64>,
    /// The proof-of-contribution report.
    pub contributions: ContributionReport,
}

impl Verdict {
    /// Whether the bulletin passed.
    pub fn ok(&self) -> bool {
        self.failures.is_empty()
    }

    /// Closed rounds checked.
    pub fn rounds_checked(&self) -> usize {
        self.rounds.len()
    }

    /// Rounds that released a model.
    pub fn rounds_released(&self) -> usize {
        self.rounds
            .iter()
            .filter(|r| matches!(r.outcome, RoundOutcome::Released(_)))
            .count()
    }

    /// The first failure, if any.
    pub fn first_failure(&self) -> Option<&AuditFailure> {
        self.failures.first()
    }

    fn empty(validity: ValidityMode, providers: usize) -> Self {
        Verdict {
            contributions: ContributionReport {
                providers: (0..providers as u32)
                    .map(|i| ProviderReport {
                        provider: ProviderId(i),
                        registration: None,
                        rounds: Vec::new(),
                        ignored: Vec::new(),
                    })
                    .collect(),
            },
            rounds: Vec::new(),
            failures: Vec::new(),
            notes: Vec::new(),
            validity: match validity {
                ValidityMode::ZkProof => ValidityCheck::PublicProofs,
                ValidityMode::Mpc2pc => ValidityCheck::AttestedByAggregators,
            },
            final_model: None,
            open_round: None,
        }
    }
}

/// The auditor's state: its own copy of the bulletin and its ledger.
pub struct Auditor<Rel, S> {
    setup: Arc<Setup<Rel, S>>,
    bulletin: Bulletin,
    ledger: Ledger<Rel, S>,
    verdict: Verdict,
    broken: Option<AuditFailure>,
}

impl<Rel: UpdateRelation, S: SharingScheme> Auditor<Rel, S> {
    /// An auditor for a consortium's public parameters.
    pub fn new(setup: Arc<Setup<Rel, S>>) -> Result<Self, AggError> {
        Ok(Auditor {
            bulletin: Bulletin::new(setup.config().clone())?,
            ledger: Ledger::new(setup.clone()),
            verdict: Verdict::empty(setup.config().validity, setup.config().num_providers()),
            setup,
            broken: None,
        })
    }

    /// The verdict so far.
    pub fn verdict(&self) -> &Verdict {
        &self.verdict
    }

    /// The auditor's copy of the bulletin.
    pub fn bulletin(&self) -> &Bulletin {
        &self.bulletin
    }

    fn fail(&mut self, f: AuditFailure) -> Result<(), AuditFailure> {
        self.verdict.failures.push(f);
        Err(f)
    }

    /// Checks the next entry. `Err` is a failure found at this entry (or,
    /// once the chain is broken, the failure that broke it).
    pub fn entry(&mut self, entry: Entry) -> Result<(), AuditFailure> {
        if let Some(f) = self.broken {
            return Err(f);
        }
        let seq = entry.seq;
        let round = self.ledger.open_round().map(|o| o.round());
        let msg = match self.bulletin.check(&entry) {
            Ok(m) => m,
            Err(e) => {
                let fault = e.blame().map(|(_, f)| f).unwrap_or(Fault::MalformedPayload);
                let f = AuditFailure {
                    entry: Some(seq),
                    round,
                    fault: AuditFault::Entry(fault),
                    blame: PartyId::Coordinator,
                };
                self.broken = Some(f);
                return self.fail(f);
            }
        };
        let applied = self.ledger.apply(seq, entry.sender, &msg);
        if let (Ok(Applied::Registration), PublicMessage::Registration(r)) = (&applied, &msg) {
            if let Some(p) = self
                .verdict
                .contributions
                .providers
                .get_mut(r.provider.index())
            {
                p.registration = Some(Registered {
                    entry: seq,
                    data_commitment: r.data_commitment,
                });
            }
        }
        self.bulletin.append_checked(entry, msg);
        match applied {
            Ok(Applied::Closed(cr)) => self.close(&cr),
            Ok(_) => Ok(()),
            Err(stray) if stray.is_provider_noise() => {
                self.verdict.notes.push(AuditNote {
                    entry: seq,
                    party: stray.party,
                    fault: stray.fault,
                });
                Ok(())
            }
            Err(stray) => self.fail(AuditFailure {
                entry: Some(seq),
                round,
                fault: AuditFault::Entry(stray.fault),
                blame: stray.party,
            }),
        }
    }

    /// Checks a closed round.
    fn close(&mut self, cr: &ClosedRound) -> Result<(), AuditFailure> {
        let setup = self.setup.clone();
        let open = &cr.round;
        let round = open.round();
        let nagg = setup.config().num_aggregators();
        let expected = expected_close(&setup, open);
        let mut failures = Vec::new();
        let mut invalid = BTreeMap::new();
        for i in &expected.accepted {
            let Some((cseq, c)) = open.contributions().get(i) else {
                continue;
            };
            let ctx = open.context(&setup, self.ledger.registrations(), c);
            let fault = PUBLIC_CHECKS
                .iter()
                .find(|(check, _)| passes(&setup, &ctx, c, *check) == Some(false))
                .map(|(_, fault)| fault(*i));
            if let Some(fault) = fault {
                invalid.insert(*i, fault);
                // Every aggregator accepted it (it is in the intersection).
                for s in open.accepted_sets().keys() {
                    failures.push(AuditFailure {
                        entry: Some(*cseq),
                        round: Some(round),
                        fault,
                        blame: PartyId::Aggregator(*s),
                    });
                }
            }
        }
        let ok_close = cr.close == expected;
        if !ok_close {
            failures.push(AuditFailure {
                entry: Some(cr.close_seq),
                round: Some(round),
                fault: AuditFault::WrongClose,
                blame: PartyId::Coordinator,
            });
        } else if let RoundOutcome::Aborted(reason) = &expected.outcome {
            let fault = match reason {
                AbortReason::AcceptedSetWithheld(_) => Some(AuditFault::AcceptedSetWithheld),
                AbortReason::PartialSumWithheld(_) => Some(AuditFault::PartialSumWithheld),
                AbortReason::PartialSumInvalid(_) => Some(AuditFault::PartialSumInvalid),
                _ => None,
            };
            if let (Some(fault), Some(blame)) = (fault, reason.blame()) {
                failures.push(AuditFailure {
                    entry: Some(cr.close_seq),
                    round: Some(round),
                    fault,
                    blame,
                });
            }
        }
        let lines = self.provider_rounds(open, Some(cr), &invalid, &mut failures);
        self.push_lines(lines);
        if let RoundOutcome::Released(m) = &cr.close.outcome {
            self.verdict.final_model = Some(m.clone());
            if ok_close {
                // Released without some aggregators (threshold sharing, at
                // least t present): a note, not a failure.
                for s in (0..nagg as u32).map(AggregatorId) {
                    if !open.partial_sums().contains_key(&s) {
                        self.verdict.notes.push(AuditNote {
                            entry: cr.close_seq,
                            party: PartyId::Aggregator(s),
                            fault: Fault::AbsentFromRound,
                        });
                    }
                }
            }
        }
        self.verdict.rounds.push(RoundVerdict {
            round,
            accepted: cr.close.accepted.clone(),
            outcome: cr.close.outcome.clone(),
            ok: failures.is_empty(),
            entries: round_entries(open, Some(cr.close_seq)),
        });
        let first = failures.first().copied();
        self.verdict.failures.extend(failures);
        match first {
            Some(f) => Err(f),
            None => Ok(()),
        }
    }

    /// Every provider's line for a round (closed by `cr`, or open), and
    /// the failures of aggregators whose public rejection reason the record
    /// contradicts.
    fn provider_rounds(
        &self,
        open: &OpenRound,
        cr: Option<&ClosedRound>,
        invalid: &BTreeMap<ProviderId, AuditFault>,
        failures: &mut Vec<AuditFailure>,
    ) -> Vec<ProviderRound> {
        let setup = &self.setup;
        let round = open.round();
        (0..setup.config().num_providers() as u32)
            .map(ProviderId)
            .map(|i| {
                let contribution = open.contributions().get(&i);
                let ctx = contribution
                    .map(|(_, c)| (open.context(setup, self.ledger.registrations(), c), c));
                let mut checked: BTreeMap<RejectReason, Option<bool>> = BTreeMap::new();
                let mut decisions = Vec::new();
                for (s, (seq, set)) in open.accepted_sets() {
                    let decision = if set.accepted.binary_search(&i).is_ok() {
                        Decision::Accepted
                    } else if let Some((_, r)) = set.rejected.iter().find(|(p, _)| *p == i) {
                        Decision::Rejected(*r)
                    } else if contribution.is_some() {
                        Decision::Omitted
                    } else {
                        continue;
                    };
                    let confirmed = match (decision, &ctx) {
                        (Decision::Rejected(r), Some((ctx, c))) => *checked
                            .entry(r)
                            .or_insert_with(|| passes(setup, ctx, c, r).map(|ok| !ok)),
                        _ => None,
                    };
                    if confirmed == Some(false) {
                        failures.push(AuditFailure {
                            entry: Some(*seq),
                            round: Some(round),
                            fault: AuditFault::RejectionContradicted(i),
                            blame: PartyId::Aggregator(*s),
                        });
                    }
                    decisions.push(AggregatorDecision {
                        aggregator: *s,
                        entry: *seq,
                        decision,
                        confirmed,
                    });
                }
                let status = match cr {
                    None => ContributionStatus::RoundOpen,
                    Some(_) if contribution.is_none() => ContributionStatus::NotSubmitted,
                    Some(_) if invalid.contains_key(&i) => {
                        ContributionStatus::AcceptedInvalid(invalid[&i])
                    }
                    Some(cr) => {
                        let in_set = cr.close.accepted.binary_search(&i).is_ok();
                        let refused = decisions.iter().any(|d| d.decision != Decision::Accepted);
                        match &cr.close.outcome {
                            RoundOutcome::Released(_) if in_set => ContributionStatus::Counted,
                            RoundOutcome::Aborted(r) if in_set || !refused => {
                                ContributionStatus::RoundAborted(*r)
                            }
                            _ => ContributionStatus::Rejected,
                        }
                    }
                };
                ProviderRound {
                    round,
                    contribution: contribution.map(|(seq, _)| *seq),
                    decisions,
                    status,
                }
            })
            .collect()
    }

    fn push_lines(&mut self, lines: Vec<ProviderRound>) {
        for (p, line) in self.verdict.contributions.providers.iter_mut().zip(lines) {
            p.rounds.push(line);
        }
    }

    /// Checks evidence of coordinator equivocation (from any party, e.g.
    /// an aggregator whose head another contradicted): conclusive evidence
    /// is a failure of the coordinator at that sequence number, whichever
    /// branch this auditor follows; inconclusive evidence blames no one and
    /// is returned as the error.
    pub fn evidence(&mut self, e: &Equivocation) -> Result<AuditFailure, EvidenceError> {
        let seq = e.check(self.setup.config())?;
        let f = AuditFailure {
            entry: Some(seq),
            round: None,
            fault: AuditFault::CoordinatorEquivocated,
            blame: PartyId::Coordinator,
        };
        if !self.verdict.failures.contains(&f) {
            self.verdict.failures.push(f);
        }
        Ok(f)
    }

    /// The verdict after the last entry.
    pub fn finish(mut self) -> Verdict {
        if let Some(open) = self.ledger.open_round() {
            self.verdict.open_round = Some(open.round());
            // Rejections of an open round are only reported, not judged.
            let lines = self.provider_rounds(open, None, &BTreeMap::new(), &mut Vec::new());
            self.push_lines(lines);
        }
        for note in &self.verdict.notes {
            if let PartyId::Provider(i) = note.party {
                if let Some(p) = self.verdict.contributions.providers.get_mut(i.index()) {
                    p.ignored.push(*note);
                }
            }
        }
        self.verdict
    }
}

/// The fault of accepting provider i's contribution that fails a check.
type AcceptedFault = fn(ProviderId) -> AuditFault;

/// The public checks of an accepted contribution, in order, each with the
/// fault of accepting a contribution that fails it.
const PUBLIC_CHECKS: [(RejectReason, AcceptedFault); 5] = [
    (
        RejectReason::NoRegistration,
        AuditFault::AcceptedUnregistered,
    ),
    (
        RejectReason::WrongCommitmentCount,
        AuditFault::AcceptedWrongCommitmentCount,
    ),
    (
        RejectReason::InconsistentShares,
        AuditFault::AcceptedInconsistentShares,
    ),
    (RejectReason::ProofRejected, AuditFault::AcceptedProofFails),
    (RejectReason::LinkRejected, AuditFault::AcceptedLinkFails),
];

/// Whether contribution `c` (with its proof context) passes the public
/// check a rejection reason names; `None` for a reason the public record
/// cannot check (the share, the two-party check, pi_zk in the MPC mode).
fn passes<Rel: UpdateRelation, S: SharingScheme>(
    setup: &Setup<Rel, S>,
    ctx: &ProofContext<'_>,
    c: &Contribution,
    check: RejectReason,
) -> Option<bool> {
    let nagg = setup.config().num_aggregators();
    match check {
        RejectReason::NoRegistration => {
            Some(!setup.relation().needs_registration() || ctx.data_commitment.is_some())
        }
        RejectReason::WrongCommitmentCount => Some(c.share_commitments.len() == nagg),
        RejectReason::InconsistentShares => {
            Some(c.share_commitments.len() == nagg && setup.shares_consistent(&c.share_commitments))
        }
        RejectReason::ProofRejected => {
            (setup.config().validity == ValidityMode::ZkProof).then(|| {
                setup
                    .relation()
                    .verify(&UpdateStatement::new(ctx, c.y), &c.proof)
                    .is_ok()
            })
        }
        RejectReason::LinkRejected => {
            let csum = setup.combine_commitments(&c.share_commitments);
            let rho = ctx.rho();
            Some(csum.is_some_and(|csum| {
                let st = LinkStatement {
                    C: &csum.0,
                    rho: &rho,
                    y: &c.y,
                    len: setup.vec_len(),
                };
                link::verify(setup.gens(), &mut ctx.link_transcript(), &st, &c.link).is_ok()
            }))
        }
        _ => None,
    }
}

/// The entries of a round.
fn round_entries(open: &OpenRound, close: Option<u64>) -> RoundEntries {
    fn seqs<T>(m: &BTreeMap<AggregatorId, (u64, T)>) -> Vec<(AggregatorId, u64)> {
        m.iter().map(|(s, (seq, _))| (*s, *seq)).collect()
    }
    RoundEntries {
        header: open.header_seq(),
        accepted_sets: seqs(open.accepted_sets()),
        partial_sums: seqs(open.partial_sums()),
        close,
    }
}

/// Audits entries in order.
pub fn audit_entries<Rel: UpdateRelation, S: SharingScheme>(
    setup: &Arc<Setup<Rel, S>>,
    entries: impl IntoIterator<Item = Entry>,
) -> Verdict {
    let mut a = match Auditor::new(setup.clone()) {
        Ok(a) => a,
        Err(_) => return bad_file(setup, AuditFault::ConfigMismatch),
    };
    for e in entries {
        // Failures are collected in the verdict; a broken chain stops.
        if a.entry(e).is_err() && a.broken.is_some() {
            break;
        }
    }
    a.finish()
}

fn bad_file<Rel, S>(setup: &Setup<Rel, S>, fault: AuditFault) -> Verdict {
    let cfg = setup.config();
    let mut v = Verdict::empty(cfg.validity, cfg.num_providers());
    v.failures.push(AuditFailure {
        entry: None,
        round: None,
        fault,
        blame: PartyId::Coordinator,
    });
    v
}

/// Audits a loaded bulletin against the public parameters.
pub fn audit<Rel: UpdateRelation, S: SharingScheme>(
    setup: &Arc<Setup<Rel, S>>,
    bulletin: &Bulletin,
) -> Verdict {
    if bulletin.config_id() != setup.config_id() {
        return bad_file(setup, AuditFault::ConfigMismatch);
    }
    audit_entries(setup, bulletin.entries().iter().cloned())
}

/// Audits a saved bulletin's bytes: a file that does not decode, or is for
/// another config, blames the coordinator, which keeps the bulletin.
pub fn audit_bytes<Rel: UpdateRelation, S: SharingScheme>(
    setup: &Arc<Setup<Rel, S>>,
    bytes: &[u8],
) -> Verdict {
    match Bulletin::decode_file(bytes) {
        Ok((config, entries)) if config.id() == setup.config_id() => audit_entries(setup, entries),
        Ok(_) => bad_file(setup, AuditFault::ConfigMismatch),
        Err(_) => bad_file(setup, AuditFault::BadFile),
    }
}
