//! The proof-of-contribution report: for each provider, what the public
//! record says about its participation, with the bulletin entries a third
//! party can check.
//!
//! A provider's report holds its registration (the data commitment c_D and
//! the entry that posted it; the first registration stands), one line per
//! round (its contribution's entry, each aggregator's decision on it with
//! the entry of that aggregator's accepted set, and a
//! [`ContributionStatus`]) and the provider noise the audit skipped. The
//! entries of each round themselves (header, accepted sets, partial sums,
//! close) are in [`RoundEntries`]. Everything is ordered: providers and
//! rounds ascending, decisions by aggregator.
//!
//! A rejection whose reason the public record can check (no registration,
//! wrong commitment count, pi_zk in the ZK mode, pi_link) is re-checked by
//! the auditor: [`AggregatorDecision::confirmed`] says whether the record
//! confirms it, and a contradicted one is an audit failure of that
//! aggregator ([`super::AuditFault::RejectionContradicted`]). The other
//! reasons (about the share the aggregator received, or the two-party
//! check) rest on what only that aggregator saw.

use crate::msgs::{AbortReason, RejectReason};
use crate::party::{AggregatorId, ProviderId};
use zkagg_zk::Fr;

use super::{AuditFault, AuditNote};

/// How one aggregator's accepted set treated a contribution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// In the aggregator's accepted set.
    Accepted,
    /// Rejected with this reason.
    Rejected(RejectReason),
    /// A contribution on the bulletin that the accepted set neither
    /// accepts nor rejects.
    Omitted,
}

/// One aggregator's decision on a contribution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AggregatorDecision {
    /// The aggregator.
    pub aggregator: AggregatorId,
    /// The entry of its accepted set.
    pub entry: u64,
    /// What it decided.
    pub decision: Decision,
    /// For a rejection whose reason is publicly checkable: whether the
    /// public record confirms it (`None`: the reason is not public).
    pub confirmed: Option<bool>,
}

/// What became of a provider's contribution in a round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContributionStatus {
    /// In the round's accepted set and the round released a model: the
    /// contribution is in the released sum.
    Counted,
    /// No contribution of this provider in the round.
    NotSubmitted,
    /// Not in the round's accepted set: an aggregator rejected it or left
    /// it out (the decisions say which and why).
    Rejected,
    /// Not counted because the round aborted, for this reason.
    RoundAborted(AbortReason),
    /// In the round's accepted set although a public check fails: the
    /// audit fails, blaming the aggregators that accepted it.
    AcceptedInvalid(AuditFault),
    /// The round is still open at the end of the bulletin.
    RoundOpen,
}

impl ContributionStatus {
    /// A stable lowercase name (the JSON encoding of the command line).
    pub fn name(self) -> &'static str {
        match self {
            ContributionStatus::Counted => "counted",
            ContributionStatus::NotSubmitted => "not-submitted",
            ContributionStatus::Rejected => "rejected",
            ContributionStatus::RoundAborted(_) => "round-aborted",
            ContributionStatus::AcceptedInvalid(_) => "accepted-invalid",
            ContributionStatus::RoundOpen => "round-open",
        }
    }
}

/// A provider in one round.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderRound {
    /// Round t.
    pub round: u64,
    /// The entry of its contribution (the first one stands).
    pub contribution: Option<u64>,
    /// The decisions of the aggregators that posted an accepted set and
    /// either had its contribution or named it, by aggregator.
    pub decisions: Vec<AggregatorDecision>,
    /// What became of it.
    pub status: ContributionStatus,
}

/// A registration on the bulletin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Registered {
    /// The entry.
    pub entry: u64,
    /// c_D, the registered data commitment.
    pub data_commitment: Fr,
}

/// One provider's proof of contribution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderReport {
    /// The provider.
    pub provider: ProviderId,
    /// Its (first) registration, if any.
    pub registration: Option<Registered>,
    /// One line per round, ascending (closed rounds, then an open one).
    pub rounds: Vec<ProviderRound>,
    /// Its entries the audit skipped as noise.
    pub ignored: Vec<AuditNote>,
}

impl ProviderReport {
    /// The rounds in which its contribution is in the released sum.
    pub fn counted_rounds(&self) -> Vec<u64> {
        self.rounds
            .iter()
            .filter(|r| r.status == ContributionStatus::Counted)
            .map(|r| r.round)
            .collect()
    }

    /// Its line for round `t`.
    pub fn round(&self, t: u64) -> Option<&ProviderRound> {
        self.rounds.iter().find(|r| r.round == t)
    }
}

/// The entries of one round.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundEntries {
    /// The round header.
    pub header: u64,
    /// Each aggregator's accepted set, by aggregator.
    pub accepted_sets: Vec<(AggregatorId, u64)>,
    /// Each aggregator's partial sum, by aggregator.
    pub partial_sums: Vec<(AggregatorId, u64)>,
    /// The close (`None` while the round is open).
    pub close: Option<u64>,
}

/// The proof-of-contribution report of a bulletin, one entry per provider
/// of the config, ascending.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ContributionReport {
    /// The providers.
    pub providers: Vec<ProviderReport>,
}

impl ContributionReport {
    /// Provider `i`'s report.
    pub fn provider(&self, i: ProviderId) -> Option<&ProviderReport> {
        self.providers.get(i.index()).filter(|p| p.provider == i)
    }
}
