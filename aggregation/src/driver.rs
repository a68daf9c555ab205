//! The in-process protocol driver: every role in one process, messages
//! moved by hand, every public message posted to a real signed bulletin.
//! Used by the consortium example, the adversarial tests and the benches.
//! A [`Tamper`] hook lets tests make a party cheat in one chosen way.

use crate::aggregator::AggregatorRound;
use crate::bulletin::Bulletin;
use crate::config::{ConsortiumConfig, PartyId, ValidityMode};
use crate::coordinator;
use crate::error::AggError;
use crate::msgs::{
    AcceptedSet, Contribution, PartialSum, PublicMessage, RoundHeader, ShareDelivery,
};
use crate::provider::Provider;
use crate::relation::UpdateRelation;
use crate::setup::Setup;
use ed25519_dalek::SigningKey;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, RngCore};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use zkagg_mpc::sharing::SecretSharing;
use zkagg_zk::Fr;

/// Deterministic signing keys for party `label` indices 0..n (tests and demos).
pub fn demo_keys(seed: u64, label: u8, n: usize) -> Vec<SigningKey> {
    (0..n)
        .map(|i| {
            let mut rng =
                ChaCha20Rng::seed_from_u64(seed ^ ((label as u64) << 56) ^ (i as u64) << 8);
            SigningKey::generate(&mut rng)
        })
        .collect()
}

/// Hooks through which a test makes one party cheat. Every method defaults
/// to honest behaviour.
pub trait Tamper {
    /// Alters a provider's contribution and share deliveries before they are sent.
    fn contribution(&mut self, _round: u64, _c: &mut Contribution, _d: &mut Vec<ShareDelivery>) {}
    /// Extra contributions to post this round (replays, copies, forgeries),
    /// each with the provider index whose key signs it and the share
    /// deliveries that go with it.
    fn extra(&mut self, _round: u64) -> Vec<(u32, Contribution, Vec<ShareDelivery>)> {
        Vec::new()
    }
    /// Alters an aggregator's partial sum before it is posted.
    fn partial_sum(&mut self, _p: &mut PartialSum) {}
}

/// No cheating.
pub struct Honest;
impl Tamper for Honest {}

/// What a round did.
#[derive(Clone, Debug, Default)]
pub struct RoundReport {
    /// Round t.
    pub round: u64,
    /// The round's accepted set.
    pub accepted: Vec<u32>,
    /// Rejected providers with (aggregator, reason).
    pub rejected: BTreeMap<u32, Vec<(u32, String)>>,
    /// The new model, if released.
    pub new_model: Option<Vec<i64>>,
    /// Total provider time (commit, share, prove), summed over providers.
    pub prove_time: Duration,
    /// Total aggregator time (receive, verify, decide), summed over aggregators.
    pub verify_time: Duration,
    /// Time to form partial sums and close the round.
    pub aggregate_time: Duration,
    /// Providers that could not produce a contribution (e.g. an update
    /// outside the bound cannot be proven), with the error.
    pub failed_providers: BTreeMap<u32, String>,
    /// Bytes each provider sent (public contribution + private shares), by provider.
    pub provider_bytes: BTreeMap<u32, usize>,
    /// Bytes each aggregator posted (accepted set + partial sum).
    pub aggregator_bytes: BTreeMap<u32, usize>,
}

/// A whole consortium in one process.
pub struct Consortium<Rel, S> {
    /// Public parameters.
    pub setup: Arc<Setup<Rel, S>>,
    /// The coordinator's key.
    pub coordinator_key: SigningKey,
    /// Aggregator keys.
    pub aggregator_keys: Vec<SigningKey>,
    /// Providers.
    pub providers: Vec<Provider<Rel, S>>,
    /// The bulletin.
    pub bulletin: Bulletin,
    /// Registered data commitments.
    pub registrations: BTreeMap<u32, Fr>,
    /// The current global model.
    pub model: Vec<i64>,
    /// The next round number.
    pub round: u64,
}

impl<Rel: UpdateRelation, S: SecretSharing> Consortium<Rel, S> {
    /// Builds a consortium with deterministic demo keys from `seed`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        name: &str,
        relation: Rel,
        sharing: S,
        num_providers: usize,
        validity: ValidityMode,
        relation_config: crate::config::RelationConfig,
        min_batch: u32,
        initial_model: Vec<i64>,
        seed: u64,
    ) -> Result<Self, AggError> {
        let coordinator_key = demo_keys(seed, 0, 1).remove(0);
        let aggregator_keys = demo_keys(seed, 1, sharing.num_parties());
        let provider_keys = demo_keys(seed, 2, num_providers);
        let config = ConsortiumConfig {
            version: crate::config::CONFIG_VERSION,
            name: name.to_string(),
            dim: relation.dim() as u32,
            relation: relation_config,
            validity,
            min_batch,
            coordinator_key: coordinator_key.verifying_key().to_bytes(),
            aggregator_keys: aggregator_keys
                .iter()
                .map(|k| k.verifying_key().to_bytes())
                .collect(),
            provider_keys: provider_keys
                .iter()
                .map(|k| k.verifying_key().to_bytes())
                .collect(),
        };
        if initial_model.len() != relation.dim() {
            return Err(AggError::Config(
                "initial model has the wrong dimension".into(),
            ));
        }
        let bulletin = Bulletin::new(config.clone())?;
        let setup = Arc::new(Setup::new(config, relation, sharing)?);
        let providers = provider_keys
            .into_iter()
            .enumerate()
            .map(|(i, k)| Provider::new(i as u32, k, setup.clone()))
            .collect();
        Ok(Consortium {
            setup,
            coordinator_key,
            aggregator_keys,
            providers,
            bulletin,
            registrations: BTreeMap::new(),
            model: initial_model,
            round: 0,
        })
    }

    /// Posts every provider's registration (if the relation commits to data).
    pub fn register(&mut self, inputs: &[Rel::ProverInput]) -> Result<(), AggError> {
        for (p, input) in self.providers.iter().zip(inputs) {
            if let Some(msg) = p.registration(input) {
                if let PublicMessage::Registration(r) = &msg {
                    self.registrations.insert(r.provider, r.data_commitment);
                }
                self.bulletin.post(p.party(), &p.key, &msg)?;
            }
        }
        Ok(())
    }

    /// Runs one round with every provider whose input is given.
    pub fn run_round<R: RngCore + CryptoRng>(
        &mut self,
        inputs: &[Option<&Rel::ProverInput>],
        tamper: &mut dyn Tamper,
        rng: &mut R,
    ) -> Result<RoundReport, AggError> {
        let setup = self.setup.clone();
        let round = self.round;
        let header = RoundHeader {
            round,
            model: self.model.clone(),
        };
        self.bulletin.post(
            PartyId::Coordinator,
            &self.coordinator_key,
            &PublicMessage::RoundHeader(header.clone()),
        )?;
        let mut report = RoundReport {
            round,
            ..Default::default()
        };

        // Providers.
        let mut posted: Vec<Contribution> = Vec::new();
        let mut deliveries: Vec<ShareDelivery> = Vec::new();
        for (p, input) in self.providers.iter().zip(inputs) {
            let Some(input) = input else { continue };
            let start = Instant::now();
            let result = p
                .start_round(&header)
                .commit(input, rng)
                .and_then(|committed| committed.prove(rng));
            report.prove_time += start.elapsed();
            let (mut c, mut d) = match result {
                Ok(x) => x,
                Err(e) => {
                    report.failed_providers.insert(p.id, e.to_string());
                    continue;
                }
            };
            tamper.contribution(round, &mut c, &mut d);
            let bytes = zkagg_zk::encoding::to_bytes(&c)?.len()
                + d.iter().map(|x| x.share.len() + 32 + 16).sum::<usize>();
            report.provider_bytes.insert(p.id, bytes);
            self.bulletin
                .post(p.party(), &p.key, &PublicMessage::Contribution(c.clone()))?;
            posted.push(c);
            deliveries.extend(d);
        }
        for (signer, c, d) in tamper.extra(round) {
            let Some(p) = self.providers.get(signer as usize) else {
                continue;
            };
            // The bulletin only accepts a contribution signed by the provider it names.
            if self
                .bulletin
                .post(p.party(), &p.key, &PublicMessage::Contribution(c.clone()))
                .is_ok()
            {
                posted.push(c);
            }
            deliveries.extend(d);
        }

        // Aggregators receive and decide.
        let start = Instant::now();
        let mut rounds: Vec<AggregatorRound<Rel, S>> = (0..setup.config.num_aggregators())
            .map(|s| {
                AggregatorRound::new(
                    s as u32,
                    setup.clone(),
                    header.clone(),
                    self.registrations.clone(),
                )
            })
            .collect();
        for agg in rounds.iter_mut() {
            for c in &posted {
                let _ = agg.receive_contribution(c.clone());
            }
        }
        for d in deliveries {
            if let Some(agg) = rounds.get_mut(d.aggregator as usize) {
                let _ = agg.receive_share(d);
            }
        }
        if setup.config.validity == ValidityMode::Mpc2pc {
            self.run_mpc_checks(&mut rounds, &posted, rng)?;
        }
        let mut decided = Vec::new();
        let mut sets: Vec<AcceptedSet> = Vec::new();
        for agg in rounds {
            let (d, set) = agg.decide(rng);
            decided.push(d);
            sets.push(set);
        }
        report.verify_time = start.elapsed();
        for (s, set) in sets.iter().enumerate() {
            let e = self.bulletin.post(
                PartyId::Aggregator(s as u32),
                &self.aggregator_keys[s],
                &PublicMessage::AcceptedSet(set.clone()),
            )?;
            report.aggregator_bytes.insert(s as u32, e.payload.len());
            for (i, reason) in &set.rejected {
                report
                    .rejected
                    .entry(*i)
                    .or_default()
                    .push((s as u32, reason.clone()));
            }
        }

        // Accepted set, partial sums, close.
        let start = Instant::now();
        let set_refs: Vec<&AcceptedSet> = sets.iter().collect();
        let accepted = coordinator::intersect(setup.config.num_aggregators(), round, &set_refs)?;
        let mut sums = Vec::new();
        if accepted.len() >= setup.config.min_batch as usize {
            for (s, d) in decided.into_iter().enumerate() {
                let mut p = d.partial_sum(&accepted)?;
                tamper.partial_sum(&mut p);
                let e = self.bulletin.post(
                    PartyId::Aggregator(s as u32),
                    &self.aggregator_keys[s],
                    &PublicMessage::PartialSum(p.clone()),
                )?;
                *report.aggregator_bytes.entry(s as u32).or_default() += e.payload.len();
                sums.push(p);
            }
        }
        let sum_refs: Vec<&PartialSum> = sums.iter().collect();
        let close = match coordinator::close(&setup, &header, accepted.clone(), &sum_refs) {
            Ok(c) => c,
            // A wrong partial sum can make the aggregate meaningless; the
            // coordinator then releases nothing and the auditor names the aggregator.
            Err(_) => crate::msgs::RoundClose {
                round,
                accepted: accepted.clone(),
                new_model: None,
            },
        };
        self.bulletin.post(
            PartyId::Coordinator,
            &self.coordinator_key,
            &PublicMessage::RoundClose(close.clone()),
        )?;
        report.aggregate_time = start.elapsed();
        report.accepted = accepted;
        if let Some(m) = &close.new_model {
            self.model = m.clone();
        }
        report.new_model = close.new_model;
        self.round += 1;
        Ok(report)
    }

    /// MPC validity mode (S = 2): aggregators 0 and 1 run the garbled-circuit
    /// bound check on their shares of each provider's Delta (the mask
    /// coordinate is excluded); both record the one-bit result.
    fn run_mpc_checks<R: RngCore + CryptoRng>(
        &self,
        rounds: &mut [AggregatorRound<Rel, S>],
        posted: &[Contribution],
        rng: &mut R,
    ) -> Result<(), AggError> {
        let d = self.setup.config.dim as usize;
        let bound = self.setup.relation.bound();
        for c in posted {
            let (Some(x1), Some(x2)) = (
                rounds[0].share_of(c.provider),
                rounds[1].share_of(c.provider),
            ) else {
                continue;
            };
            let (x1, x2) = (x1[..d].to_vec(), x2[..d].to_vec());
            let mut rg = ChaCha20Rng::from_seed(seed_from(rng));
            let mut re = ChaCha20Rng::from_seed(seed_from(rng));
            let (ok, _cost) =
                zkagg_mpc::twopc::check_bound_field(&x1, &x2, bound, &mut rg, &mut re)
                    .map_err(|e| AggError::Misuse(format!("2PC: {e}")))?;
            rounds[0].record_mpc_verdict(c.provider, ok);
            rounds[1].record_mpc_verdict(c.provider, ok);
        }
        Ok(())
    }
}

fn seed_from<R: RngCore>(rng: &mut R) -> [u8; 32] {
    let mut s = [0u8; 32];
    rng.fill_bytes(&mut s);
    s
}
