//! Adversarial protocol tests: one per cheat. Each checks that the cheater
//! is named and that the honest contributions still aggregate to exactly the
//! plaintext sum (or, for aggregator cheats, that the auditor rejects).

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::collections::BTreeMap;
use zkagg_aggregation::auditor::{audit, audit_bytes};
use zkagg_aggregation::config::{PartyId, RelationConfig, ValidityMode};
use zkagg_aggregation::driver::{Consortium, Honest, RoundReport, Tamper};
use zkagg_aggregation::msgs::{Contribution, PartialSum, ShareDelivery};
use zkagg_aggregation::relation::BoundedVectorRelation;
use zkagg_mpc::sharing::additive::Additive;
use zkagg_mpc::sharing::SecretSharing;
use zkagg_zk::pedersen::PedersenGens;
use zkagg_zk::Fr;

const D: usize = 6;
const BITS: usize = 16;
const P: usize = 5;
const S: usize = 3;

type C = Consortium<BoundedVectorRelation, Additive>;

fn consortium(validity: ValidityMode, aggregators: usize, min_batch: u32) -> C {
    Consortium::new(
        "test",
        BoundedVectorRelation::new(D, BITS).unwrap(),
        Additive::new(aggregators).unwrap(),
        P,
        validity,
        RelationConfig::BoundedVector { bits: BITS as u32 },
        min_batch,
        vec![100; D],
        7,
    )
    .unwrap()
}

fn updates() -> Vec<Vec<i64>> {
    (0..P as i64)
        .map(|i| {
            (0..D as i64)
                .map(|j| (i + 1) * 100 - j * 37 - 250)
                .collect()
        })
        .collect()
}

/// w + floor(sum of the given providers' updates / count).
fn expected_model(model: &[i64], ups: &[Vec<i64>], who: &[u32]) -> Vec<i64> {
    (0..D)
        .map(|j| {
            let s: i64 = who.iter().map(|&i| ups[i as usize][j]).sum();
            model[j] + s.div_euclid(who.len() as i64)
        })
        .collect()
}

fn run(c: &mut C, ups: &[Vec<i64>], present: &[bool], tamper: &mut dyn Tamper) -> RoundReport {
    let inputs: Vec<Option<&Vec<i64>>> = ups
        .iter()
        .zip(present)
        .map(|(u, &p)| p.then_some(u))
        .collect();
    let mut rng = ChaCha20Rng::seed_from_u64(c.round + 99);
    c.run_round(&inputs, tamper, &mut rng).unwrap()
}

fn assert_named(r: &RoundReport, provider: u32, needle: &str) {
    let reasons = r
        .rejected
        .get(&provider)
        .unwrap_or_else(|| panic!("provider {provider} not named: {r:?}"));
    assert!(
        reasons.iter().any(|(_, why)| why.contains(needle)),
        "provider {provider}: {reasons:?} lacks `{needle}`"
    );
    assert!(!r.accepted.contains(&provider));
}

fn honest_rest_aggregate(c: &C, before: &[i64], r: &RoundReport, ups: &[Vec<i64>], cheater: u32) {
    let honest: Vec<u32> = (0..P as u32).filter(|&i| i != cheater).collect();
    assert_eq!(r.accepted, honest);
    assert_eq!(
        r.new_model.as_deref(),
        Some(&expected_model(before, ups, &honest)[..])
    );
    let v = audit(&c.setup, &c.bulletin);
    assert!(v.ok(), "{:?}", v.failure);
}

#[test]
fn honest_round_aggregates_exactly_and_audits() {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let ups = updates();
    let before = c.model.clone();
    let r = run(&mut c, &ups, &[true; P], &mut Honest);
    assert_eq!(r.accepted, vec![0, 1, 2, 3, 4]);
    assert_eq!(
        r.new_model.unwrap(),
        expected_model(&before, &ups, &[0, 1, 2, 3, 4])
    );
    let r2 = run(&mut c, &ups, &[true; P], &mut Honest);
    assert_eq!(r2.accepted.len(), P);
    // Saved and reloaded, the bulletin audits.
    let v = audit_bytes(&c.setup, &c.bulletin.to_bytes());
    assert!(v.ok(), "{:?}", v.failure);
    assert_eq!(v.rounds_released, 2);
    assert_eq!(v.final_model.as_ref(), Some(&c.model));
}

/// Re-shares a changed vector consistently (shares open their commitments)
/// so that the shares sum to something other than the proven update.
struct WrongSum {
    gens: PedersenGens,
}
impl Tamper for WrongSum {
    fn contribution(&mut self, _round: u64, c: &mut Contribution, d: &mut Vec<ShareDelivery>) {
        if c.provider != 1 {
            return;
        }
        let add = Additive::new(S).unwrap();
        let last = S - 1;
        let share = add.decode_share(last, &d[last].share, D + 1).unwrap();
        let mut x = add.expand(last, &share, D + 1).unwrap();
        x[0] += Fr::from(5u8);
        let new = zkagg_mpc::sharing::msgs::AdditiveShare::Explicit(x.clone());
        d[last].share = add.encode_share(&new).unwrap();
        c.share_commitments[last] = self.gens.commit(&x, &d[last].blind).unwrap();
    }
}

#[test]
fn shares_summing_to_another_vector_are_caught_by_the_link() {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let ups = updates();
    let before = c.model.clone();
    let gens = c.setup.gens.pedersen.clone();
    let r = run(&mut c, &ups, &[true; P], &mut WrongSum { gens });
    // Changing the commitments changes rho, so pi_zk fails first; pi_link too.
    assert!(
        r.rejected[&1]
            .iter()
            .all(|(_, why)| why.contains("pi_zk") || why.contains("pi_link")),
        "{:?}",
        r.rejected
    );
    assert_named(&r, 1, "rejected");
    honest_rest_aggregate(&c, &before, &r, &ups, 1);
}

struct BadOpening;
impl Tamper for BadOpening {
    fn contribution(&mut self, _round: u64, c: &mut Contribution, d: &mut Vec<ShareDelivery>) {
        if c.provider == 2 {
            d[0].blind += Fr::ONE;
        }
    }
}

#[test]
fn a_share_that_does_not_open_its_commitment_is_named() {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let ups = updates();
    let before = c.model.clone();
    let r = run(&mut c, &ups, &[true; P], &mut BadOpening);
    assert_named(&r, 2, "does not open");
    assert_eq!(r.rejected[&2][0].0, 0, "aggregator 0 holds the bad share");
    honest_rest_aggregate(&c, &before, &r, &ups, 2);
}

/// Provider 4 posts (signed by itself) provider 3's contribution with its own id.
struct CopyProof {
    seen: Option<Contribution>,
}
impl Tamper for CopyProof {
    fn contribution(&mut self, _round: u64, c: &mut Contribution, _d: &mut Vec<ShareDelivery>) {
        if c.provider == 3 {
            self.seen = Some(c.clone());
        }
    }
    fn extra(&mut self, _round: u64) -> Vec<(u32, Contribution, Vec<ShareDelivery>)> {
        let mut c = self.seen.clone().unwrap();
        c.provider = 4;
        vec![(4, c, Vec::new())]
    }
}

#[test]
fn a_proof_copied_under_another_id_is_rejected() {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let ups = updates();
    let before = c.model.clone();
    let r = run(
        &mut c,
        &ups,
        &[true, true, true, true, false],
        &mut CopyProof { seen: None },
    );
    // Provider 4 sent no shares, and its copied proofs are bound to provider 3.
    assert_named(&r, 4, "");
    let honest = vec![0, 1, 2, 3];
    assert_eq!(r.accepted, honest);
    assert_eq!(r.new_model.unwrap(), expected_model(&before, &ups, &honest));
    assert!(audit(&c.setup, &c.bulletin).ok());
}

struct ReplaySame {
    seen: Option<Contribution>,
}
impl Tamper for ReplaySame {
    fn contribution(&mut self, _round: u64, c: &mut Contribution, _d: &mut Vec<ShareDelivery>) {
        if c.provider == 0 {
            self.seen = Some(c.clone());
        }
    }
    fn extra(&mut self, _round: u64) -> Vec<(u32, Contribution, Vec<ShareDelivery>)> {
        vec![(0, self.seen.clone().unwrap(), Vec::new())]
    }
}

#[test]
fn a_contribution_replayed_in_the_same_round_is_named() {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let ups = updates();
    let before = c.model.clone();
    let r = run(&mut c, &ups, &[true; P], &mut ReplaySame { seen: None });
    assert_named(&r, 0, "replayed");
    honest_rest_aggregate(&c, &before, &r, &ups, 0);
}

/// Round 0: remember provider 2's contribution. Round 1: provider 2 replays
/// it (verbatim, and with the round number changed) instead of contributing.
struct ReplayNext {
    seen: Option<Contribution>,
    relabel: bool,
}
impl Tamper for ReplayNext {
    fn contribution(&mut self, round: u64, c: &mut Contribution, _d: &mut Vec<ShareDelivery>) {
        if round == 0 && c.provider == 2 {
            self.seen = Some(c.clone());
        }
    }
    fn extra(&mut self, round: u64) -> Vec<(u32, Contribution, Vec<ShareDelivery>)> {
        if round == 1 {
            let mut c = self.seen.clone().unwrap();
            if self.relabel {
                c.round = 1;
            }
            vec![(2, c, Vec::new())]
        } else {
            Vec::new()
        }
    }
}

#[test]
fn a_contribution_replayed_in_the_next_round_is_named() {
    for relabel in [false, true] {
        let mut c = consortium(ValidityMode::ZkProof, S, 3);
        let ups = updates();
        let mut t = ReplayNext {
            seen: None,
            relabel,
        };
        run(&mut c, &ups, &[true; P], &mut t);
        let before = c.model.clone();
        let r = run(&mut c, &ups, &[true, true, false, true, true], &mut t);
        assert_named(&r, 2, if relabel { "" } else { "replayed" });
        honest_rest_aggregate(&c, &before, &r, &ups, 2);
    }
}

#[test]
fn an_out_of_bound_update_cannot_be_proven_and_is_excluded() {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let mut ups = updates();
    ups[3][2] = 40_000; // beyond 16 signed bits
    let before = c.model.clone();
    let r = run(&mut c, &ups, &[true; P], &mut Honest);
    assert!(
        r.failed_providers[&3].contains("range"),
        "{:?}",
        r.failed_providers
    );
    let honest = vec![0, 1, 2, 4];
    assert_eq!(r.accepted, honest);
    assert_eq!(r.new_model.unwrap(), expected_model(&before, &ups, &honest));
}

/// A provider that proves with an unchecked witness: the same circuit and
/// parameters as the honest relation, but the prover skips the constraint
/// check, so an out-of-bound update yields a proof (which must not verify).
struct LyingRelation {
    honest: BoundedVectorRelation,
    params: zkagg_zk::spartan::NizkParams,
}

impl zkagg_aggregation::relation::UpdateRelation for LyingRelation {
    type ProverInput = Vec<i64>;
    fn dim(&self) -> usize {
        D
    }
    fn bound(&self) -> u64 {
        self.honest.bound()
    }
    fn compute_update(
        &self,
        m: &[i64],
        x: &Vec<i64>,
    ) -> Result<Vec<i64>, zkagg_aggregation::AggError> {
        self.honest.compute_update(m, x)
    }
    fn data_commitment(&self, _x: &Vec<i64>) -> Option<Fr> {
        None
    }
    fn update_hash(&self, d: &[i64], b: &Fr, s: &Fr) -> Result<Fr, zkagg_aggregation::AggError> {
        self.honest.update_hash(d, b, s)
    }
    fn prove(
        &self,
        ctx: &zkagg_aggregation::relation::ProofContext,
        _x: &Vec<i64>,
        delta: &[i64],
        beta: &Fr,
        salt: &Fr,
        rho: &Fr,
        y: &Fr,
    ) -> Result<Vec<u8>, zkagg_aggregation::AggError> {
        use zkagg_zk::r1cs::{Circuit, WitnessGenerator};
        use zkagg_zk::update::*;
        let circuit = BoundedUpdateCircuit {
            d: D,
            bits: BITS,
            assignment: Some((
                BoundedUpdatePublic {
                    h: ctx.h,
                    rho: *rho,
                    y: *y,
                },
                BoundedUpdateWitness {
                    delta: delta.to_vec(),
                    beta: *beta,
                    salt: *salt,
                },
            )),
        };
        let mut wg = WitnessGenerator::unchecked();
        circuit.synthesize(&mut wg).unwrap();
        let (w, x) = wg.into_assignment();
        Ok(self
            .params
            .prove_assignment(&w, &x, &mut ctx.proof_transcript())
            .unwrap()
            .to_bytes())
    }
    fn verify(
        &self,
        ctx: &zkagg_aggregation::relation::ProofContext,
        rho: &Fr,
        y: &Fr,
        p: &[u8],
    ) -> Result<(), zkagg_aggregation::AggError> {
        self.honest.verify(ctx, rho, y, p)
    }
}

struct ForgedOutOfBound {
    cheater: zkagg_aggregation::provider::Provider<LyingRelation, Additive>,
    update: Vec<i64>,
    model: Vec<i64>,
}

impl Tamper for ForgedOutOfBound {
    fn extra(&mut self, round: u64) -> Vec<(u32, Contribution, Vec<ShareDelivery>)> {
        let header = zkagg_aggregation::msgs::RoundHeader {
            round,
            model: self.model.clone(),
        };
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let (c, d) = self
            .cheater
            .start_round(&header)
            .commit(&self.update, &mut rng)
            .unwrap()
            .prove(&mut rng)
            .unwrap();
        vec![(self.cheater.id, c, d)]
    }
}

#[test]
fn an_out_of_bound_update_with_a_forged_proof_is_named() {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let ups = updates();
    let before = c.model.clone();
    let setup = std::sync::Arc::new(
        zkagg_aggregation::setup::Setup::new(
            c.setup.config.clone(),
            LyingRelation {
                honest: BoundedVectorRelation::new(D, BITS).unwrap(),
                params: zkagg_zk::spartan::NizkParams::setup(
                    &zkagg_zk::update::BoundedUpdateCircuit::shape(D, BITS),
                )
                .unwrap(),
            },
            Additive::new(S).unwrap(),
        )
        .unwrap(),
    );
    let key = c.providers[3].key.clone();
    let mut oob = ups[3].clone();
    oob[2] = 40_000; // beyond 16 signed bits
    let mut t = ForgedOutOfBound {
        cheater: zkagg_aggregation::provider::Provider::new(3, key, setup),
        update: oob,
        model: before.clone(),
    };
    let r = run(&mut c, &ups, &[true, true, true, false, true], &mut t);
    assert_named(&r, 3, "pi_zk rejected");
    honest_rest_aggregate(&c, &before, &r, &ups, 3);
}

#[test]
fn mpc_mode_rejects_an_out_of_bound_update_without_client_proofs() {
    // S = 2, no client proofs: the aggregators' garbled-circuit bound check
    // on their shares is the validity check.
    let mut c = consortium(ValidityMode::Mpc2pc, 2, 3);
    let mut ups = updates();
    ups[1][0] = 40_000; // beyond the bound 2^15 - 1
    let before = c.model.clone();
    let r = run(&mut c, &ups, &[true; P], &mut Honest);
    assert!(
        r.failed_providers.is_empty(),
        "no proof is needed in MPC mode"
    );
    assert_named(&r, 1, "2PC bound check");
    honest_rest_aggregate(&c, &before, &r, &ups, 1);
}

struct WrongPartialSum;
impl Tamper for WrongPartialSum {
    fn partial_sum(&mut self, p: &mut PartialSum) {
        if p.aggregator == 1 {
            p.sum[0] += Fr::ONE;
        }
    }
}

#[test]
fn a_wrong_partial_sum_is_rejected_by_the_auditor() {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let ups = updates();
    run(&mut c, &ups, &[true; P], &mut WrongPartialSum);
    let v = audit(&c.setup, &c.bulletin);
    let f = v.failure.expect("auditor must reject");
    assert_eq!(f.blame, PartyId::Aggregator(1), "{f:?}");
}

#[test]
fn below_the_minimum_batch_nothing_is_released() {
    let mut c = consortium(ValidityMode::ZkProof, S, 4);
    let ups = updates();
    let before = c.model.clone();
    let r = run(&mut c, &ups, &[true, true, true, false, false], &mut Honest);
    assert_eq!(r.accepted.len(), 3);
    assert!(r.new_model.is_none());
    assert_eq!(c.model, before);
    let partial_sums = c
        .bulletin
        .messages()
        .filter(|(_, m)| matches!(m, zkagg_aggregation::msgs::PublicMessage::PartialSum(_)))
        .count();
    assert_eq!(partial_sums, 0);
    assert!(audit(&c.setup, &c.bulletin).ok());
}

#[test]
fn one_changed_byte_anywhere_in_a_saved_bulletin_is_rejected() {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let ups = updates();
    run(&mut c, &ups, &[true; P], &mut Honest);
    let bytes = c.bulletin.to_bytes();
    assert!(audit_bytes(&c.setup, &bytes).ok());
    // Every byte of the config and entry headers, and a spread of payload bytes.
    let mut positions: Vec<usize> = (0..bytes.len().min(600)).collect();
    positions.extend((600..bytes.len()).step_by(41));
    positions.push(bytes.len() - 1);
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for i in positions {
        let mut m = bytes.clone();
        m[i] ^= 0x01;
        let v = audit_bytes(&c.setup, &m);
        let f = v
            .failure
            .unwrap_or_else(|| panic!("byte {i} changed and the auditor accepted"));
        *counts.entry(format!("{:?}", f.blame)).or_default() += 1;
    }
    assert!(!counts.is_empty());
    let mut short = bytes.clone();
    short.pop();
    assert!(!audit_bytes(&c.setup, &short).ok());
}

#[test]
fn shamir_sharing_plugs_in_without_driver_changes() {
    use zkagg_mpc::sharing::shamir::Shamir;
    let mut c: Consortium<BoundedVectorRelation, Shamir> = Consortium::new(
        "shamir",
        BoundedVectorRelation::new(D, BITS).unwrap(),
        Shamir::new(2, 3).unwrap(),
        P,
        ValidityMode::ZkProof,
        RelationConfig::BoundedVector { bits: BITS as u32 },
        3,
        vec![100; D],
        11,
    )
    .unwrap();
    let ups = updates();
    let before = c.model.clone();
    let inputs: Vec<Option<&Vec<i64>>> = ups.iter().map(Some).collect();
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let r = c.run_round(&inputs, &mut Honest, &mut rng).unwrap();
    assert_eq!(r.accepted, vec![0, 1, 2, 3, 4]);
    assert_eq!(
        r.new_model.unwrap(),
        expected_model(&before, &ups, &[0, 1, 2, 3, 4])
    );
    let v = audit_bytes(&c.setup, &c.bulletin.to_bytes());
    assert!(v.ok(), "{:?}", v.failure);
}
