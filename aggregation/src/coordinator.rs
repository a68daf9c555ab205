//! The coordinator: round headers, the round's accepted set, and the round
//! close with the new model. It sees only public data; the auditor re-checks
//! everything it posts.

use crate::error::AggError;
use crate::msgs::{AcceptedSet, PartialSum, RoundClose, RoundHeader};
use crate::relation::UpdateRelation;
use crate::setup::Setup;
use std::collections::BTreeSet;
use zkagg_mpc::sharing::SecretSharing;
use zkagg_zk::field::to_i128;
use zkagg_zk::Fr;

/// The intersection of the aggregators' accepted sets, ascending. Every
/// aggregator must have posted exactly one set for the round.
pub fn intersect(
    num_aggregators: usize,
    round: u64,
    sets: &[&AcceptedSet],
) -> Result<Vec<u32>, AggError> {
    let mut seen = BTreeSet::new();
    for s in sets {
        if s.round != round || !seen.insert(s.aggregator) {
            return Err(AggError::Misuse(
                "accepted sets for another round or duplicated".into(),
            ));
        }
    }
    if seen.len() != num_aggregators {
        return Err(AggError::Misuse(format!(
            "{} of {num_aggregators} accepted sets",
            seen.len()
        )));
    }
    let mut acc: BTreeSet<u32> = sets[0].accepted.iter().copied().collect();
    for s in &sets[1..] {
        let other: BTreeSet<u32> = s.accepted.iter().copied().collect();
        acc = acc.intersection(&other).copied().collect();
    }
    Ok(acc.into_iter().collect())
}

/// Reconstructs V from the partial sums, drops the mask coordinate, lifts
/// to integers, and applies the relation's public model update.
pub fn new_model<Rel: UpdateRelation, S: SecretSharing>(
    setup: &Setup<Rel, S>,
    header: &RoundHeader,
    accepted: &[u32],
    sums: &[&PartialSum],
) -> Result<Vec<i64>, AggError> {
    let nagg = setup.config.num_aggregators();
    let mut by_s: Vec<Option<&PartialSum>> = vec![None; nagg];
    for p in sums {
        let slot = by_s
            .get_mut(p.aggregator as usize)
            .ok_or(AggError::Misuse("unknown aggregator".into()))?;
        *slot = Some(p);
    }
    let parties: Vec<usize> = (0..nagg).collect();
    let coeffs = setup
        .sharing
        .reconstruction_coefficients(&parties)
        .map_err(|e| AggError::Misuse(e.to_string()))?;
    let len = setup.vec_len();
    let mut v = vec![Fr::ZERO; len];
    for (s, p) in by_s.iter().enumerate() {
        let p =
            p.ok_or_else(|| AggError::Misuse(format!("missing partial sum of aggregator {s}")))?;
        if p.sum.len() != len {
            return Err(AggError::Misbehaved {
                party: crate::config::PartyId::Aggregator(s as u32),
                reason: "partial sum has the wrong length".into(),
            });
        }
        for (a, b) in v.iter_mut().zip(&p.sum) {
            *a += coeffs[s] * b;
        }
    }
    let lifted: Vec<i128> = v[..len - 1]
        .iter()
        .map(|x| to_i128(x).ok_or(AggError::Misuse("aggregate out of integer range".into())))
        .collect::<Result<_, _>>()?;
    setup
        .relation
        .update_model(&header.model, &lifted, accepted.len())
}

/// The round close: below the minimum batch nothing is released.
pub fn close<Rel: UpdateRelation, S: SecretSharing>(
    setup: &Setup<Rel, S>,
    header: &RoundHeader,
    accepted: Vec<u32>,
    sums: &[&PartialSum],
) -> Result<RoundClose, AggError> {
    if accepted.len() < setup.config.min_batch as usize {
        return Ok(RoundClose {
            round: header.round,
            accepted,
            new_model: None,
        });
    }
    let m = new_model(setup, header, &accepted, sums)?;
    Ok(RoundClose {
        round: header.round,
        accepted,
        new_model: Some(m),
    })
}
