//! What the demo sees of a run: the verified bulletin entries as they
//! arrive, turned into progress events, the time of each phase of each
//! round (as an observer of the bulletin sees it) and the public bytes each
//! party posted.
//!
//! The phases of round t, as seen on the bulletin:
//! - **collect**: from the round header to the last contribution;
//! - **verify + decide**: from there to the last accepted set (the
//!   aggregators check every proof and opening, then decide);
//! - **sum**: from there to the last partial sum;
//! - **close**: from there to the coordinator's round close.
//!
//! A phase with no entry (say, no partial sum of an aborted round) has
//! length zero and the next phase starts where the last one seen ended.

use crate::aggregation::msgs::{PublicMessage, RoundOutcome};
use crate::aggregation::{AggregatorId, PartyId, ProviderId};
use crate::demo::plot::PhaseTimes;
use std::collections::BTreeMap;
use std::time::Duration;

/// The phase names, in order.
pub const PHASES: [&str; 4] = ["collect", "verify + decide", "sum", "close"];

/// Something the progress display shows.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A provider registered its data commitment.
    Registered {
        /// The provider.
        provider: ProviderId,
        /// How many have registered so far.
        count: usize,
    },
    /// The coordinator opened a round.
    Opened {
        /// The round.
        round: u64,
    },
    /// A provider posted its contribution.
    Contribution {
        /// The round.
        round: u64,
        /// The provider.
        provider: ProviderId,
        /// How many contributions the round has so far.
        count: usize,
    },
    /// An aggregator posted its accepted set.
    AcceptedSet {
        /// The round.
        round: u64,
        /// The aggregator.
        aggregator: AggregatorId,
        /// How many providers it accepted.
        accepted: usize,
        /// How many it rejected.
        rejected: usize,
        /// How many accepted sets the round has so far.
        count: usize,
    },
    /// An aggregator posted its partial sum.
    PartialSum {
        /// The round.
        round: u64,
        /// The aggregator.
        aggregator: AggregatorId,
        /// How many partial sums the round has so far.
        count: usize,
    },
    /// The coordinator closed a round.
    Closed {
        /// The round.
        round: u64,
        /// The providers in the released sum.
        accepted: Vec<ProviderId>,
        /// The released model, or `None` if the round was aborted.
        released: Option<Vec<i64>>,
        /// Why the round was aborted (empty when released).
        reason: String,
    },
}

/// The marks of one round on the observer's clock.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RoundRecord {
    /// The round.
    pub round: u64,
    opened: Duration,
    contributions: usize,
    last_contribution: Option<Duration>,
    accepted_sets: usize,
    last_accepted_set: Option<Duration>,
    partial_sums: usize,
    last_partial_sum: Option<Duration>,
    closed: Option<Duration>,
    /// The providers in the released sum.
    pub accepted: Vec<ProviderId>,
    /// Whether the round released a model.
    pub released: bool,
}

impl RoundRecord {
    /// The time of each phase (see the module documentation).
    pub fn phases(&self) -> PhaseTimes {
        let marks = [
            self.last_contribution,
            self.last_accepted_set,
            self.last_partial_sum,
            self.closed,
        ];
        let mut from = self.opened;
        let phases = PHASES
            .iter()
            .zip(marks)
            .map(|(name, mark)| {
                let to = mark.unwrap_or(from).max(from);
                let secs = (to - from).as_secs_f64();
                from = to;
                (name.to_string(), secs)
            })
            .collect();
        PhaseTimes {
            round: self.round,
            phases,
        }
    }
}

/// Public bytes one party put on the bulletin.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Posted {
    /// Entries.
    pub entries: u64,
    /// Encoded entry bytes (payload, signature, header).
    pub bytes: u64,
}

/// Folds verified bulletin entries into events, round records and bytes.
#[derive(Debug, Default)]
pub struct Tracker {
    registered: usize,
    rounds: Vec<RoundRecord>,
    posted: BTreeMap<PartyId, Posted>,
}

impl Tracker {
    /// A tracker that has seen nothing.
    pub fn new() -> Self {
        Tracker::default()
    }

    /// Takes the next entry, already checked by the caller's bulletin
    /// view; `at` is the observer's clock, `len` the entry's encoded size.
    pub fn observe(
        &mut self,
        at: Duration,
        sender: PartyId,
        len: usize,
        msg: &PublicMessage,
    ) -> Option<Event> {
        let p = self.posted.entry(sender).or_default();
        p.entries += 1;
        p.bytes += len as u64;
        match msg {
            PublicMessage::Registration(r) => {
                self.registered += 1;
                Some(Event::Registered {
                    provider: r.provider,
                    count: self.registered,
                })
            }
            PublicMessage::RoundHeader(h) => {
                self.rounds.push(RoundRecord {
                    round: h.round,
                    opened: at,
                    ..RoundRecord::default()
                });
                Some(Event::Opened { round: h.round })
            }
            PublicMessage::Contribution(c) => {
                let r = self.open(c.round)?;
                r.contributions += 1;
                r.last_contribution = Some(at);
                Some(Event::Contribution {
                    round: c.round,
                    provider: c.provider,
                    count: r.contributions,
                })
            }
            PublicMessage::AcceptedSet(a) => {
                let r = self.open(a.round)?;
                r.accepted_sets += 1;
                r.last_accepted_set = Some(at);
                Some(Event::AcceptedSet {
                    round: a.round,
                    aggregator: a.aggregator,
                    accepted: a.accepted.len(),
                    rejected: a.rejected.len(),
                    count: r.accepted_sets,
                })
            }
            PublicMessage::PartialSum(s) => {
                let r = self.open(s.round)?;
                r.partial_sums += 1;
                r.last_partial_sum = Some(at);
                Some(Event::PartialSum {
                    round: s.round,
                    aggregator: s.aggregator,
                    count: r.partial_sums,
                })
            }
            // The coordinator closed the set phase without some aggregator:
            // counted in the bytes, not a step of the display.
            PublicMessage::AcceptedSetsClosed(_) => None,
            PublicMessage::RoundClose(c) => {
                let r = self.open(c.round)?;
                r.closed = Some(at);
                r.accepted = c.accepted.clone();
                let (released, reason) = match &c.outcome {
                    RoundOutcome::Released(model) => (Some(model.clone()), String::new()),
                    RoundOutcome::Aborted(reason) => (None, format!("{reason:?}")),
                };
                r.released = released.is_some();
                Some(Event::Closed {
                    round: c.round,
                    accepted: c.accepted.clone(),
                    released,
                    reason,
                })
            }
        }
    }

    /// The record of round `round` if it is the one still open.
    fn open(&mut self, round: u64) -> Option<&mut RoundRecord> {
        self.rounds
            .last_mut()
            .filter(|r| r.round == round && r.closed.is_none())
    }

    /// Every round seen, in order.
    pub fn rounds(&self) -> &[RoundRecord] {
        &self.rounds
    }

    /// Public bytes per party.
    pub fn posted(&self) -> &BTreeMap<PartyId, Posted> {
        &self.posted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregation::relation::BoundedVectorRelation;
    use crate::aggregation::sim::{ConsortiumBuilder, Honest};
    use crate::mpc::sharing::additive::Additive;

    /// Two rounds of a small consortium, one provider silent in round 1.
    fn bulletin_events() -> (Tracker, Vec<Event>, Vec<Vec<i64>>) {
        let rel = BoundedVectorRelation::new(3, 8).unwrap();
        let mut sim = ConsortiumBuilder::new(rel, Additive::new(2).unwrap())
            .providers(3)
            .min_batch(2)
            .build()
            .unwrap();
        let mut rng = rand::thread_rng();
        let u = vec![1i64, -2, 3];
        let mut models = Vec::new();
        for t in 0..2 {
            let inputs = [Some(&u), Some(&u), (t == 0).then_some(&u)];
            let r = sim.run_round(&inputs, &mut Honest, &mut rng).unwrap();
            models.push(r.new_model().unwrap().to_vec());
        }
        let mut tracker = Tracker::new();
        let mut events = Vec::new();
        for (k, e) in sim.bulletin().entries().iter().enumerate() {
            let msg = e.message().unwrap();
            let at = Duration::from_millis(10 * k as u64);
            events.extend(tracker.observe(at, e.sender, e.payload.len() + 64, &msg));
        }
        (tracker, events, models)
    }

    #[test]
    fn events_follow_the_bulletin_and_carry_the_released_models() {
        let (tracker, events, models) = bulletin_events();
        let closed: Vec<&Event> = events
            .iter()
            .filter(|e| matches!(e, Event::Closed { .. }))
            .collect();
        assert_eq!(closed.len(), 2);
        for (e, m) in closed.iter().zip(&models) {
            let Event::Closed { released, .. } = e else {
                unreachable!()
            };
            assert_eq!(released.as_ref(), Some(m));
        }
        let contributions = |round| {
            events
                .iter()
                .filter(|e| matches!(e, Event::Contribution { round: r, .. } if *r == round))
                .count()
        };
        assert_eq!((contributions(0), contributions(1)), (3, 2));
        assert_eq!(tracker.rounds().len(), 2);
        assert!(tracker.rounds().iter().all(|r| r.released));
        assert_eq!(tracker.rounds()[1].accepted.len(), 2);
    }

    #[test]
    fn phases_partition_the_round() {
        let (tracker, _, _) = bulletin_events();
        for r in tracker.rounds() {
            let p = r.phases();
            let names: Vec<&str> = p.phases.iter().map(|x| x.0.as_str()).collect();
            assert_eq!(names, PHASES);
            let sum: f64 = p.phases.iter().map(|x| x.1).sum();
            let wall = (r.closed.unwrap() - r.opened).as_secs_f64();
            assert!((sum - wall).abs() < 1e-9, "{sum} vs {wall}");
            assert!(p.phases.iter().all(|x| x.1 > 0.0), "{p:?}");
        }
    }

    #[test]
    fn bytes_are_counted_per_sender() {
        let (tracker, _, _) = bulletin_events();
        let posted = tracker.posted();
        let coord = posted[&PartyId::Coordinator];
        // Two headers and two closes.
        assert_eq!(coord.entries, 4);
        assert_eq!(posted[&PartyId::Provider(ProviderId(2))].entries, 1);
        assert_eq!(posted[&PartyId::Aggregator(AggregatorId(0))].entries, 4);
        assert!(posted.values().all(|p| p.bytes > 64 * p.entries));
    }

    #[test]
    fn entries_of_no_open_round_are_ignored() {
        let mut t = Tracker::new();
        let close = PublicMessage::RoundClose(crate::aggregation::msgs::RoundClose {
            round: 4,
            accepted: vec![],
            outcome: RoundOutcome::Released(vec![]),
        });
        assert_eq!(
            t.observe(Duration::ZERO, PartyId::Coordinator, 10, &close),
            None
        );
        assert!(t.rounds().is_empty());
    }
}
