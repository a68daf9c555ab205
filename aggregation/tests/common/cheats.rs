//! The cheating parties of the aggregation tests: each [`Tamper`] changes
//! what one honest party would send, and the cheating relation and sharing
//! let a provider produce what an honest one cannot.
#![allow(dead_code)]

use super::{consortium, run, updates, BITS, C, D, P, S};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::sync::Arc;
use zkagg_aggregation::config::{SharingConfig, ValidityMode};
use zkagg_aggregation::msgs::{
    Contribution, PartialSum, PublicMessage, Registration, RoundHeader, ShareDelivery,
};
use zkagg_aggregation::provider::Provider;
use zkagg_aggregation::relation::{
    BoundedVectorRelation, UpdateBound, UpdateRelation, UpdateStatement, UpdateWitness,
};
use zkagg_aggregation::setup::{Setup, SharingScheme};
use zkagg_aggregation::sim::{Consortium, Injection, Phase, RoundReport, Tamper};
use zkagg_aggregation::{AggError, AggregatorId, PartyId, ProviderId};
use zkagg_mpc::sharing::additive::Additive;
use zkagg_mpc::sharing::msgs::ShamirShare;
use zkagg_mpc::sharing::shamir::Shamir;
use zkagg_mpc::sharing::{SecretSharing, SharingError};
use zkagg_zk::pedersen::PedersenGens;
use zkagg_zk::Fr;

// ------------------------------------------------------- provider cheats

/// Re-shares a changed vector consistently (shares open their commitments)
/// so that the shares sum to something other than the proven update.
pub struct WrongSum {
    pub gens: PedersenGens,
}
impl Tamper for WrongSum {
    fn contribution(&mut self, _round: u64, c: &mut Contribution, d: &mut Vec<ShareDelivery>) {
        if c.provider != ProviderId(1) {
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

/// Provider 2 sends aggregator 0 a share whose blinding does not open its commitment.
pub struct BadOpening;
impl Tamper for BadOpening {
    fn contribution(&mut self, _round: u64, c: &mut Contribution, d: &mut Vec<ShareDelivery>) {
        if c.provider == ProviderId(2) {
            d[0].blind += Fr::ONE;
        }
    }
}

/// Provider 4 posts (signed by itself) provider 3's contribution with its own id.
pub struct CopyProof {
    pub seen: Option<Contribution>,
}
impl Tamper for CopyProof {
    fn contribution(&mut self, _round: u64, c: &mut Contribution, _d: &mut Vec<ShareDelivery>) {
        if c.provider == ProviderId(3) {
            self.seen = Some(c.clone());
        }
    }
    fn inject(&mut self, _round: u64, phase: Phase) -> Vec<Injection> {
        if phase != Phase::AfterContributions {
            return Vec::new();
        }
        let mut c = self.seen.clone().unwrap();
        c.provider = ProviderId(4);
        vec![Injection::Post {
            signer: PartyId::Provider(ProviderId(4)),
            msg: PublicMessage::Contribution(c),
        }]
    }
}

/// Provider 0 posts its contribution a second time (validly signed).
pub struct ReplaySame {
    pub seen: Option<Contribution>,
}
impl Tamper for ReplaySame {
    fn contribution(&mut self, _round: u64, c: &mut Contribution, _d: &mut Vec<ShareDelivery>) {
        if c.provider == ProviderId(0) {
            self.seen = Some(c.clone());
        }
    }
    fn inject(&mut self, _round: u64, phase: Phase) -> Vec<Injection> {
        if phase != Phase::AfterContributions {
            return Vec::new();
        }
        vec![Injection::Post {
            signer: PartyId::Provider(ProviderId(0)),
            msg: PublicMessage::Contribution(self.seen.clone().unwrap()),
        }]
    }
}

/// Round 0: remember provider 2's contribution. Round 1: provider 2 replays
/// it (verbatim, or with the round number changed) instead of contributing.
pub struct ReplayNext {
    pub seen: Option<Contribution>,
    pub relabel: bool,
}
impl Tamper for ReplayNext {
    fn contribution(&mut self, round: u64, c: &mut Contribution, _d: &mut Vec<ShareDelivery>) {
        if round == 0 && c.provider == ProviderId(2) {
            self.seen = Some(c.clone());
        }
    }
    fn inject(&mut self, round: u64, phase: Phase) -> Vec<Injection> {
        if round != 1 || phase != Phase::AfterContributions {
            return Vec::new();
        }
        let mut c = self.seen.clone().unwrap();
        if self.relabel {
            c.round = 1;
        }
        vec![Injection::Post {
            signer: PartyId::Provider(ProviderId(2)),
            msg: PublicMessage::Contribution(c),
        }]
    }
}

/// Round 0 honest, round 1 with provider 2 replaying (see [`ReplayNext`])
/// instead of contributing: the consortium, the model before round 1 and
/// round 1's report.
pub fn replayed_next_round(relabel: bool) -> (C, Vec<i64>, RoundReport) {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let ups = updates();
    let mut t = ReplayNext {
        seen: None,
        relabel,
    };
    run(&mut c, &ups, &[true; P], &mut t);
    let before = c.model().to_vec();
    let r = run(&mut c, &ups, &[true, true, false, true, true], &mut t);
    (c, before, r)
}

/// The second registration of provider 1 (bounded vectors need none).
pub fn second_registration() -> PublicMessage {
    PublicMessage::Registration(Registration {
        provider: ProviderId(1),
        data_commitment: Fr::ONE,
    })
}

/// Provider 1 posts the same message (a registration) twice.
pub struct Noise(pub PublicMessage);
impl Tamper for Noise {
    fn inject(&mut self, _r: u64, phase: Phase) -> Vec<Injection> {
        if phase != Phase::AfterContributions {
            return Vec::new();
        }
        let post = Injection::Post {
            signer: PartyId::Provider(ProviderId(1)),
            msg: self.0.clone(),
        };
        vec![post.clone(), post]
    }
}

/// Provider 1 sends garbage in provider 0's name to every aggregator.
pub struct Framer;
impl Tamper for Framer {
    fn inject(&mut self, round: u64, phase: Phase) -> Vec<Injection> {
        if phase != Phase::AfterContributions {
            return Vec::new();
        }
        (0..S as u32)
            .map(|s| Injection::Deliver {
                sender: ProviderId(1),
                delivery: ShareDelivery {
                    round,
                    provider: ProviderId(0),
                    aggregator: AggregatorId(s),
                    share: vec![0xff; 40],
                    blind: Fr::ONE,
                },
            })
            .collect()
    }
}

/// Provider 4 sends aggregator 1 a bad delivery before the good one.
pub struct Twice;
impl Tamper for Twice {
    fn contribution(&mut self, _r: u64, c: &mut Contribution, d: &mut Vec<ShareDelivery>) {
        if c.provider == ProviderId(4) {
            let mut bad = d[1].clone();
            bad.blind += Fr::ONE;
            d.insert(1, bad); // the bad one arrives first
        }
    }
}

/// Provider 3 signs and posts provider 0's contribution.
pub struct Relay(pub Option<Contribution>);
impl Tamper for Relay {
    fn contribution(&mut self, _r: u64, c: &mut Contribution, _d: &mut Vec<ShareDelivery>) {
        if c.provider == ProviderId(0) {
            self.0 = Some(c.clone());
        }
    }
    fn inject(&mut self, _r: u64, phase: Phase) -> Vec<Injection> {
        if phase != Phase::AfterContributions {
            return Vec::new();
        }
        vec![Injection::Post {
            signer: PartyId::Provider(ProviderId(3)),
            msg: PublicMessage::Contribution(self.0.clone().unwrap()),
        }]
    }
}

/// Providers 1 and 3 post a changed pi_link.
pub struct TwoBadLinks;
impl Tamper for TwoBadLinks {
    fn contribution(&mut self, _r: u64, c: &mut Contribution, _d: &mut Vec<ShareDelivery>) {
        if c.provider == ProviderId(1) || c.provider == ProviderId(3) {
            c.link.t += Fr::ONE;
        }
    }
}

// ----------------------------------------------------- aggregator cheats

/// Aggregator 1 adds one to the first coordinate of its partial sum.
pub struct WrongPartialSum;
impl Tamper for WrongPartialSum {
    fn partial_sum(&mut self, p: &mut PartialSum) {
        if p.aggregator == AggregatorId(1) {
            p.sum[0] += Fr::ONE;
        }
    }
}

/// Aggregator 2 withholds its partial sum.
pub struct Withhold;
impl Tamper for Withhold {
    fn withhold_partial_sum(&mut self, s: AggregatorId) -> bool {
        s == AggregatorId(2)
    }
}

// ------------------------------- a provider with its own relation or sharing

/// A provider that proves with an unchecked witness: the same circuit and
/// parameters as the honest relation, but the prover skips the constraint
/// check, so an out-of-bound update yields a proof (which must not verify).
pub struct LyingRelation {
    pub honest: BoundedVectorRelation,
    pub params: zkagg_zk::spartan::NizkParams,
}

impl LyingRelation {
    /// The honest relation of the test consortium and its proof parameters.
    pub fn new() -> Self {
        LyingRelation {
            honest: BoundedVectorRelation::new(D, BITS).unwrap(),
            params: zkagg_zk::spartan::NizkParams::setup(
                &zkagg_zk::update::BoundedUpdateCircuit::shape(D, BITS),
            )
            .unwrap(),
        }
    }
}

impl Default for LyingRelation {
    fn default() -> Self {
        Self::new()
    }
}

impl UpdateRelation for LyingRelation {
    type ProverInput = Vec<i64>;
    fn config(&self) -> zkagg_aggregation::config::RelationConfig {
        self.honest.config()
    }
    fn proof_system(&self) -> zkagg_aggregation::config::ProofSystemConfig {
        self.honest.proof_system()
    }
    fn dim(&self) -> usize {
        D
    }
    fn bound(&self) -> UpdateBound {
        self.honest.bound()
    }
    fn model_in_range(&self, m: &[i64]) -> bool {
        self.honest.model_in_range(m)
    }
    fn compute_update(&self, m: &[i64], x: &Vec<i64>) -> Result<Vec<i64>, AggError> {
        self.honest.compute_update(m, x)
    }
    fn data_commitment(&self, _x: &Vec<i64>) -> Option<Fr> {
        None
    }
    fn needs_registration(&self) -> bool {
        false
    }
    fn update_hash(&self, d: &[i64], b: &Fr, s: &Fr) -> Result<Fr, AggError> {
        self.honest.update_hash(d, b, s)
    }
    fn prove(
        &self,
        st: &UpdateStatement<'_>,
        w: &UpdateWitness<'_, Vec<i64>>,
    ) -> Result<Vec<u8>, AggError> {
        use zkagg_zk::r1cs::{Circuit, WitnessGenerator};
        use zkagg_zk::update::*;
        let circuit = BoundedUpdateCircuit {
            d: D,
            bits: BITS,
            assignment: Some((
                BoundedUpdatePublic {
                    h: st.context().h(),
                    rho: st.rho(),
                    y: st.y(),
                },
                BoundedUpdateWitness {
                    delta: w.delta.to_vec(),
                    beta: w.beta,
                    salt: w.salt,
                },
            )),
        };
        let mut wg = WitnessGenerator::unchecked();
        circuit.synthesize(&mut wg).unwrap();
        let (wit, x) = wg.into_assignment();
        Ok(self
            .params
            .prove_assignment(&wit, &x, &mut st.context().proof_transcript())
            .unwrap()
            .to_bytes())
    }
    fn verify(&self, st: &UpdateStatement<'_>, p: &[u8]) -> Result<(), AggError> {
        self.honest.verify(st, p)
    }
}

/// How a rigged Shamir dealer deals a vector; `None` deals honestly.
pub trait Deal {
    /// The shares of `v`, or `None` for an honest sharing.
    fn deal(&self, v: &[Fr]) -> Option<Vec<ShamirShare>>;
}

/// Shamir with a rigged dealer: parties, validation, expansion,
/// reconstruction and parity checks are Shamir's; only dealing differs.
pub struct RiggedDealer<D> {
    pub inner: Shamir,
    pub dealer: D,
}

impl<D: Deal> SecretSharing for RiggedDealer<D> {
    type Share = ShamirShare;
    fn num_parties(&self) -> usize {
        self.inner.num_parties()
    }
    fn threshold(&self) -> usize {
        self.inner.threshold()
    }
    fn share<R: rand_core::RngCore + rand_core::CryptoRng + ?Sized>(
        &self,
        v: &[Fr],
        rng: &mut R,
    ) -> Result<Vec<ShamirShare>, SharingError> {
        match self.dealer.deal(v) {
            Some(s) => Ok(s),
            None => self.inner.share(v, rng),
        }
    }
    fn validate_share(&self, p: usize, s: &ShamirShare, len: usize) -> Result<(), SharingError> {
        self.inner.validate_share(p, s, len)
    }
    fn expand(&self, p: usize, s: &ShamirShare, len: usize) -> Result<Vec<Fr>, SharingError> {
        self.inner.expand(p, s, len)
    }
    fn reconstruction_coefficients(&self, parties: &[usize]) -> Result<Vec<Fr>, SharingError> {
        self.inner.reconstruction_coefficients(parties)
    }
}

impl<D: Deal> SharingScheme for RiggedDealer<D> {
    fn config(&self) -> SharingConfig {
        self.inner.config()
    }
    fn consistency_rows(&self) -> Vec<Vec<Fr>> {
        self.inner.consistency_rows()
    }
}

/// Shamir 2-of-2 (points 1 and 2, lambda = (2, -1)) whose dealer picks the
/// line so that the plain sum of the shares is 5 for every coordinate:
/// x_1 = v + a, x_2 = v + 2a with 2v + 3a = 5. The reconstruction is v.
pub struct SumFive;

impl Deal for SumFive {
    fn deal(&self, v: &[Fr]) -> Option<Vec<ShamirShare>> {
        let three_inv = Fr::from(3u8).invert();
        let (mut x1, mut x2) = (Vec::new(), Vec::new());
        for vj in v {
            let a = (Fr::from(5u8) - vj - vj) * three_inv;
            x1.push(vj + a);
            x2.push(vj + a + a);
        }
        Some(vec![ShamirShare(x1), ShamirShare(x2)])
    }
}

/// The 2-of-2 rigged dealer of the MPC tests.
pub type RiggedShamir = RiggedDealer<SumFive>;

/// A provider with its own (cheating) relation or sharing: it contributes
/// `update` on `model` through injections, with its own coins.
pub struct OutsideProvider<Rel: UpdateRelation<ProverInput = Vec<i64>>, Sh: SharingScheme> {
    pub cheater: Provider<Rel, Sh>,
    pub update: Vec<i64>,
    pub model: Vec<i64>,
}

impl<Rel: UpdateRelation<ProverInput = Vec<i64>>, Sh: SharingScheme> OutsideProvider<Rel, Sh> {
    /// Provider `id` of `c` (its key, `c`'s config and current model) running
    /// `relation` and `sharing` instead of the consortium's, to contribute `update`.
    pub fn new<CRel: UpdateRelation, CSh: SharingScheme>(
        c: &Consortium<CRel, CSh>,
        id: u32,
        relation: Rel,
        sharing: Sh,
        update: Vec<i64>,
    ) -> Self {
        let setup = Arc::new(Setup::new(c.setup().config().clone(), relation, sharing).unwrap());
        let key = c.providers()[id as usize].signing_key().clone();
        OutsideProvider {
            cheater: Provider::new(ProviderId(id), key, setup),
            update,
            model: c.model().to_vec(),
        }
    }
}

impl<Rel: UpdateRelation<ProverInput = Vec<i64>>, Sh: SharingScheme> Tamper
    for OutsideProvider<Rel, Sh>
{
    fn inject(&mut self, round: u64, phase: Phase) -> Vec<Injection> {
        if phase != Phase::AfterContributions {
            return Vec::new();
        }
        let header = RoundHeader {
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
        let id = self.cheater.id();
        let mut out = vec![Injection::Post {
            signer: PartyId::Provider(id),
            msg: PublicMessage::Contribution(c),
        }];
        out.extend(d.into_iter().map(|delivery| Injection::Deliver {
            sender: id,
            delivery,
        }));
        out
    }
}

/// Provider 3 of `c` proves, with [`LyingRelation`], its update of `ups`
/// with coordinate 2 set to 40000 (beyond 16 signed bits).
pub fn forged_out_of_bound(c: &C, ups: &[Vec<i64>]) -> OutsideProvider<LyingRelation, Additive> {
    let mut oob = ups[3].clone();
    oob[2] = 40_000; // beyond 16 signed bits
    OutsideProvider::new(c, 3, LyingRelation::new(), Additive::new(S).unwrap(), oob)
}

/// Provider 2 of `c` (Shamir 2-of-2, MPC mode) deals, with [`RiggedShamir`],
/// its update of `ups` with coordinate 0 set to 10^9 (plain share sum 5).
pub fn rigged_dealer(
    c: &Consortium<BoundedVectorRelation, Shamir>,
    ups: &[Vec<i64>],
) -> OutsideProvider<BoundedVectorRelation, RiggedShamir> {
    let mut huge = ups[2].clone();
    huge[0] = 1_000_000_000; // reconstruction 10^9, plain share sum 5
    OutsideProvider::new(
        c,
        2,
        BoundedVectorRelation::new(D, BITS).unwrap(),
        RiggedDealer {
            inner: Shamir::new(2, 2).unwrap(),
            dealer: SumFive,
        },
        huge,
    )
}
