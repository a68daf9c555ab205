//! An in-process simulation of a whole consortium, apart from the API:
//! every role in one process, driven through the sans-IO cores only. Every
//! message crosses its encoding on the way (bulletin entries, share
//! deliveries and two-party check messages are encoded and decoded with
//! their capped decoders), so the byte path is tested whenever the
//! protocol is. A [`Tamper`] hook makes one party cheat in a chosen way.
//! Used by the examples, the adversarial tests and the benches.

use crate::aggregator::AggregatorRound;
use crate::bulletin::{Bulletin, Entry};
use crate::config::{ConsortiumConfig, DataSchema, ValidityMode, CONFIG_VERSION};
use crate::coordinator::Coordinator;
use crate::error::{AggError, ConfigError, Fault};
use crate::ledger::Ledger;
use crate::msgs::{
    decode_delivery, decode_validity, AcceptedSet, Contribution, PartialSum, PublicMessage,
    RejectReason, RoundOutcome, ShareDelivery, ValidityMessage,
};
use crate::party::{AggregatorId, PartyId, ProviderId};
use crate::provider::Provider;
use crate::relation::UpdateRelation;
use crate::setup::{Setup, SharingScheme};
use crate::validity::{TwoPcBinding, TwoPcReport};
use ed25519_dalek::SigningKey;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, RngCore};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use zkagg_zk::encoding;

/// Deterministic signing keys for party `label` indices 0..n (tests and demos).
pub fn demo_keys(seed: u64, label: u8, n: usize) -> Vec<SigningKey> {
    (0..n)
        .map(|i| {
            let mut rng =
                ChaCha20Rng::seed_from_u64(seed ^ ((label as u64) << 56) ^ ((i as u64) << 8));
            SigningKey::generate(&mut rng)
        })
        .collect()
}

/// When an injection happens in a round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// After the providers posted and delivered.
    AfterContributions,
    /// After the aggregators posted their accepted sets.
    AfterAcceptedSets,
    /// After the partial sums, before the close.
    AfterPartialSums,
}

/// Something a cheating party sends.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Injection {
    /// A public message signed by `signer` (any party's key) and submitted.
    Post {
        /// Whose key signs it.
        signer: PartyId,
        /// The message.
        msg: PublicMessage,
    },
    /// A share delivery over `sender`'s authenticated channel.
    Deliver {
        /// The authenticated sender.
        sender: ProviderId,
        /// The delivery (it may name another provider).
        delivery: ShareDelivery,
    },
}

/// Hooks through which a test makes one party cheat. Every method defaults
/// to honest behaviour.
pub trait Tamper {
    /// Alters a provider's contribution and share deliveries before they are sent.
    fn contribution(&mut self, _round: u64, _c: &mut Contribution, _d: &mut Vec<ShareDelivery>) {}
    /// Extra messages at a phase of the round.
    fn inject(&mut self, _round: u64, _phase: Phase) -> Vec<Injection> {
        Vec::new()
    }
    /// Alters an aggregator's accepted set before it is posted.
    fn accepted_set(&mut self, _a: &mut AcceptedSet) {}
    /// Alters an aggregator's partial sum before it is posted.
    fn partial_sum(&mut self, _p: &mut PartialSum) {}
    /// Whether aggregator `s` withholds its partial sum.
    fn withhold_partial_sum(&mut self, _s: AggregatorId) -> bool {
        false
    }
    /// Whether aggregator `s` is lost for the round: it posts neither its
    /// accepted set nor its partial sum.
    fn lose_aggregator(&mut self, _s: AggregatorId) -> bool {
        false
    }
    /// Alters a two-party check message in flight.
    fn validity_message(&mut self, _m: &mut ValidityMessage) {}
}

/// No cheating.
pub struct Honest;
impl Tamper for Honest {}

/// Time, bytes and rounds of a round's two-party check.
#[derive(Clone, Copy, Debug, Default)]
pub struct TwoPcRound {
    /// Wall time of the whole check (both parties, in process).
    pub time: Duration,
    /// The garbler's view of the cost (bytes each way, flows).
    pub cost: TwoPcReport,
}

/// What a round did.
#[derive(Debug, Default)]
pub struct RoundReport {
    /// Round t.
    pub round: u64,
    /// The round's accepted set.
    pub accepted: Vec<ProviderId>,
    /// Rejected providers with (aggregator, reason).
    pub rejected: BTreeMap<ProviderId, Vec<(AggregatorId, RejectReason)>>,
    /// What the round produced.
    pub outcome: Option<RoundOutcome>,
    /// Messages the coordinator or an aggregator refused, with the party
    /// blamed and the fault.
    pub refused: Vec<(PartyId, Fault)>,
    /// Providers that could not produce a contribution (an update outside
    /// the bound cannot be proven), with the error.
    pub failed_providers: Vec<(ProviderId, AggError)>,
    /// Total provider time (commit, share, prove), summed over providers.
    pub prove_time: Duration,
    /// Total aggregator time (receive, verify, decide), summed over aggregators.
    pub verify_time: Duration,
    /// Time to form partial sums and close the round.
    pub aggregate_time: Duration,
    /// The two-party check (MPC mode).
    pub twopc: Option<TwoPcRound>,
    /// Bytes each provider sent (encoded contribution entry and deliveries).
    pub provider_bytes: BTreeMap<ProviderId, usize>,
    /// Bytes each aggregator posted (encoded accepted set and partial sum).
    pub aggregator_bytes: BTreeMap<AggregatorId, usize>,
}

impl RoundReport {
    /// The released model, if any.
    pub fn new_model(&self) -> Option<&[i64]> {
        match &self.outcome {
            Some(RoundOutcome::Released(m)) => Some(m),
            _ => None,
        }
    }
}

/// Builds an in-process consortium; the config is derived from the
/// relation and the sharing scheme, so they cannot disagree.
pub struct ConsortiumBuilder<Rel, S> {
    name: String,
    relation: Rel,
    sharing: S,
    providers: usize,
    validity: ValidityMode,
    min_batch: u32,
    initial_model: Option<Vec<i64>>,
    data: Option<DataSchema>,
    seed: u64,
}

impl<Rel: UpdateRelation, S: SharingScheme> ConsortiumBuilder<Rel, S> {
    /// A builder with 1 provider, the ZK mode, minimum batch 1, a zero model and seed 0.
    pub fn new(relation: Rel, sharing: S) -> Self {
        ConsortiumBuilder {
            name: "zkagg simulation".into(),
            relation,
            sharing,
            providers: 1,
            validity: ValidityMode::ZkProof,
            min_batch: 1,
            initial_model: None,
            data: None,
            seed: 0,
        }
    }
    /// The consortium's name.
    pub fn name(mut self, name: &str) -> Self {
        self.name = name.into();
        self
    }
    /// Number of providers.
    pub fn providers(mut self, n: usize) -> Self {
        self.providers = n;
        self
    }
    /// Validity mode.
    pub fn validity(mut self, v: ValidityMode) -> Self {
        self.validity = v;
        self
    }
    /// Minimum batch.
    pub fn min_batch(mut self, m: u32) -> Self {
        self.min_batch = m;
        self
    }
    /// Initial model (default zero).
    pub fn initial_model(mut self, m: Vec<i64>) -> Self {
        self.initial_model = Some(m);
        self
    }
    /// The public data schema the config names (R_train; default none).
    pub fn data_schema(mut self, schema: DataSchema) -> Self {
        self.data = Some(schema);
        self
    }
    /// Seed of the demo keys.
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }

    /// Builds it with deterministic demo keys.
    pub fn build(self) -> Result<Consortium<Rel, S>, AggError> {
        let coordinator_key = demo_keys(self.seed, 0, 1).remove(0);
        let aggregator_keys = demo_keys(self.seed, 1, self.sharing.num_parties());
        let provider_keys = demo_keys(self.seed, 2, self.providers);
        let d = self.relation.dim();
        let initial_model = self.initial_model.unwrap_or_else(|| vec![0; d]);
        if !self.relation.model_in_range(&initial_model) {
            return Err(ConfigError::InitialModel.into());
        }
        let config = ConsortiumConfig {
            version: CONFIG_VERSION,
            name: self.name,
            dim: d as u32,
            relation: self.relation.config(),
            proof_system: self.relation.proof_system(),
            sharing: self.sharing.config(),
            validity: self.validity,
            min_batch: self.min_batch,
            initial_model,
            data: self.data,
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
        let setup = Arc::new(Setup::new(config, self.relation, self.sharing)?);
        let providers = provider_keys
            .into_iter()
            .enumerate()
            .map(|(i, k)| Provider::new(ProviderId(i as u32), k, setup.clone()))
            .collect();
        let views = (0..setup.config().num_aggregators())
            .map(|_| View::new(&setup))
            .collect::<Result<_, _>>()?;
        Ok(Consortium {
            coordinator: Coordinator::new(setup.clone(), coordinator_key)?,
            setup,
            aggregator_keys,
            providers,
            views,
        })
    }
}

/// A party's own verified copy of the bulletin and its ledger.
struct View<Rel, S> {
    bulletin: Bulletin,
    ledger: Ledger<Rel, S>,
}

impl<Rel: UpdateRelation, S> View<Rel, S> {
    fn new(setup: &Arc<Setup<Rel, S>>) -> Result<Self, AggError> {
        Ok(View {
            bulletin: Bulletin::new(setup.config().clone())?,
            ledger: Ledger::new(setup.clone()),
        })
    }

    /// Fetches new entries from `source` as bytes and checks each one; stray
    /// entries are kept in the chain but not applied.
    fn sync(&mut self, source: &Bulletin) -> Result<(), AggError> {
        for e in source.entries().iter().skip(self.bulletin.len() as usize) {
            let e: Entry = encoding::from_bytes_capped(
                &encoding::to_bytes(e)?,
                crate::msgs::MAX_MESSAGE_BYTES + 256,
            )?;
            let msg = self.bulletin.check(&e)?;
            let _ = self.ledger.apply(e.seq, e.sender, &msg);
            self.bulletin.append_checked(e, msg);
        }
        Ok(())
    }
}

/// A whole consortium in one process.
pub struct Consortium<Rel, S> {
    setup: Arc<Setup<Rel, S>>,
    coordinator: Coordinator<Rel, S>,
    aggregator_keys: Vec<SigningKey>,
    providers: Vec<Provider<Rel, S>>,
    views: Vec<View<Rel, S>>,
}

/// Bound on message exchanges of one two-party check.
const MAX_TWOPC_STEPS: usize = 64;

impl<Rel: UpdateRelation, S: SharingScheme> Consortium<Rel, S> {
    /// Public parameters.
    pub fn setup(&self) -> &Arc<Setup<Rel, S>> {
        &self.setup
    }

    /// The bulletin.
    pub fn bulletin(&self) -> &Bulletin {
        self.coordinator.bulletin()
    }

    /// The current global model (the last released, or the initial one).
    pub fn model(&self) -> &[i64] {
        self.coordinator
            .ledger()
            .released_model()
            .unwrap_or(&self.setup.config().initial_model)
    }

    /// The providers.
    pub fn providers(&self) -> &[Provider<Rel, S>] {
        &self.providers
    }

    fn key_of(&self, party: PartyId) -> Option<&SigningKey> {
        match party {
            PartyId::Coordinator => None,
            PartyId::Aggregator(s) => self.aggregator_keys.get(s.index()),
            PartyId::Provider(i) => self.providers.get(i.index()).map(|p| p.signing_key()),
        }
    }

    /// Signs `msg` as `signer` at the coordinator's head, moves the entry as
    /// bytes and submits it; returns its encoded size. A refusal is recorded.
    fn submit(
        &mut self,
        signer: PartyId,
        msg: &PublicMessage,
        refused: &mut Vec<(PartyId, Fault)>,
    ) -> Result<usize, AggError> {
        let Some(key) = self.key_of(signer) else {
            return Ok(0);
        };
        let b = self.coordinator.bulletin();
        let entry = Entry::sign(&self.setup.config_id(), b.len(), b.head(), signer, key, msg)?;
        let bytes = encoding::to_bytes(&entry)?;
        let entry: Entry =
            encoding::from_bytes_capped(&bytes, crate::msgs::MAX_MESSAGE_BYTES + 256)?;
        match self.coordinator.submit(entry) {
            Ok(_) => Ok(bytes.len()),
            Err(e) => match e.blame() {
                Some(b) => {
                    refused.push(b);
                    Ok(0)
                }
                None => Err(e),
            },
        }
    }

    /// Posts every provider's registration (if the relation commits to data).
    pub fn register(&mut self, inputs: &[Rel::ProverInput]) -> Result<(), AggError> {
        let mut refused = Vec::new();
        for (i, input) in inputs.iter().enumerate().take(self.providers.len()) {
            if let Some(msg) = self.providers[i].registration(input) {
                let party = self.providers[i].party();
                self.submit(party, &msg, &mut refused)?;
            }
        }
        match refused.first() {
            Some((party, fault)) => Err(AggError::peer(*party, *fault)),
            None => Ok(()),
        }
    }

    fn inject(
        &mut self,
        tamper: &mut dyn Tamper,
        round: u64,
        phase: Phase,
        deliveries: &mut Vec<(ProviderId, Vec<u8>)>,
        report: &mut RoundReport,
    ) -> Result<(), AggError> {
        for inj in tamper.inject(round, phase) {
            match inj {
                Injection::Post { signer, msg } => {
                    self.submit(signer, &msg, &mut report.refused)?;
                }
                Injection::Deliver { sender, delivery } => {
                    deliveries.push((sender, encoding::to_bytes(&delivery)?));
                }
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
        let header = self.coordinator.open_round()?;
        let round = header.round;
        let mut report = RoundReport {
            round,
            ..Default::default()
        };

        // Providers: post the contribution, then deliver the shares (as bytes).
        let mut deliveries: Vec<(ProviderId, Vec<u8>)> = Vec::new();
        for (k, input) in inputs.iter().enumerate().take(self.providers.len()) {
            let Some(input) = input else { continue };
            let p = &self.providers[k];
            let start = Instant::now();
            let result = p
                .start_round(&header)
                .commit(input, rng)
                .and_then(|committed| committed.prove(rng));
            report.prove_time += start.elapsed();
            let (mut c, mut d) = match result {
                Ok(x) => x,
                Err(e) => {
                    report.failed_providers.push((p.id(), e));
                    continue;
                }
            };
            let (id, party) = (p.id(), p.party());
            tamper.contribution(round, &mut c, &mut d);
            let mut bytes =
                self.submit(party, &PublicMessage::Contribution(c), &mut report.refused)?;
            for x in &d {
                let b = encoding::to_bytes(x)?;
                bytes += b.len();
                deliveries.push((id, b));
            }
            report.provider_bytes.insert(id, bytes);
        }
        self.inject(
            tamper,
            round,
            Phase::AfterContributions,
            &mut deliveries,
            &mut report,
        )?;

        // Aggregators follow the bulletin and receive their shares.
        let start = Instant::now();
        let nagg = setup.config().num_aggregators();
        let mut aggs: Vec<AggregatorRound<Rel, S>> = (0..nagg as u32)
            .map(|s| AggregatorRound::new(AggregatorId(s), setup.clone(), round))
            .collect();
        for v in self.views.iter_mut() {
            v.sync(self.coordinator.bulletin())?;
        }
        for (sender, bytes) in deliveries {
            let d = match decode_delivery(&bytes) {
                Ok(d) => d,
                Err(_) => {
                    report.refused.push((sender.into(), Fault::MalformedShare));
                    continue;
                }
            };
            let Some(agg) = aggs.get_mut(d.aggregator.index()) else {
                report.refused.push((sender.into(), Fault::WrongRecipient));
                continue;
            };
            if let Err(e) = agg.receive_share(sender, d) {
                report.refused.extend(e.blame());
            }
        }
        if setup.config().validity == ValidityMode::Mpc2pc {
            let t = Instant::now();
            self.run_twopc(&mut aggs, tamper, rng, &mut report)?;
            report.twopc = Some(TwoPcRound {
                time: t.elapsed(),
                cost: aggs[0].validity_report().unwrap_or_default(),
            });
        }
        let mut decided = Vec::new();
        let mut sets = Vec::new();
        for (s, agg) in aggs.into_iter().enumerate() {
            let (d, mut set) = agg.decide(&self.views[s].ledger, rng)?;
            tamper.accepted_set(&mut set);
            decided.push(d);
            sets.push(set);
        }
        report.verify_time = start.elapsed();
        for set in sets {
            let s = set.aggregator;
            if tamper.lose_aggregator(s) {
                continue;
            }
            for (i, reason) in &set.rejected {
                report.rejected.entry(*i).or_default().push((s, *reason));
            }
            let n = self.submit(
                s.into(),
                &PublicMessage::AcceptedSet(set),
                &mut report.refused,
            )?;
            report.aggregator_bytes.insert(s, n);
        }
        self.inject(
            tamper,
            round,
            Phase::AfterAcceptedSets,
            &mut Vec::new(),
            &mut report,
        )?;

        // With fewer than S sets but at least t, the coordinator ends the
        // set phase (as the service does at the deadline).
        let posted = self
            .coordinator
            .ledger()
            .open_round()
            .map_or(0, |o| o.accepted_sets().len());
        if posted < nagg && posted >= setup.config().threshold() {
            self.coordinator.close_accepted_sets()?;
        }

        // Partial sums over the round's accepted set, then the close.
        let start = Instant::now();
        for v in self.views.iter_mut() {
            v.sync(self.coordinator.bulletin())?;
        }
        for (s, d) in decided.into_iter().enumerate() {
            let id = AggregatorId(s as u32);
            let ledger = &self.views[s].ledger;
            let Some(open) = ledger.open_round() else {
                continue;
            };
            let Some(acc) = open.intersection(nagg) else {
                continue;
            };
            if acc.len() < setup.config().min_batch as usize
                || !open.accepted_sets().contains_key(&id)
                || tamper.withhold_partial_sum(id)
            {
                continue;
            }
            let mut p = d.partial_sum(ledger, nagg)?;
            tamper.partial_sum(&mut p);
            let n = self.submit(
                id.into(),
                &PublicMessage::PartialSum(p),
                &mut report.refused,
            )?;
            *report.aggregator_bytes.entry(id).or_default() += n;
        }
        self.inject(
            tamper,
            round,
            Phase::AfterPartialSums,
            &mut Vec::new(),
            &mut report,
        )?;
        let close = self.coordinator.close_round()?;
        report.aggregate_time = start.elapsed();
        report.accepted = close.accepted;
        report.outcome = Some(close.outcome);
        Ok(report)
    }

    /// MPC validity mode: the two aggregators run the bound check through
    /// messages only; the simulation routes the bytes.
    fn run_twopc<R: RngCore + CryptoRng>(
        &mut self,
        aggs: &mut [AggregatorRound<Rel, S>],
        tamper: &mut dyn Tamper,
        rng: &mut R,
        report: &mut RoundReport,
    ) -> Result<(), AggError> {
        let mut queue: Vec<Vec<u8>> = Vec::new();
        let mut nonce = [0u8; 32];
        rng.fill_bytes(&mut nonce);
        let binding = TwoPcBinding {
            upto_seq: self.coordinator.bulletin().len(),
            nonce,
        };
        for (s, agg) in aggs.iter_mut().enumerate() {
            for m in agg.validity_start(&self.views[s].ledger, &binding, rng)? {
                queue.push(encoding::to_bytes(&m)?);
            }
        }
        let mut steps = 0;
        while !queue.is_empty() && steps < MAX_TWOPC_STEPS {
            steps += 1;
            let mut next = Vec::new();
            for bytes in queue {
                let mut m = decode_validity(&bytes)?;
                tamper.validity_message(&mut m);
                let Some(agg) = aggs.get_mut(m.to.index()) else {
                    continue;
                };
                match agg.validity_receive(m) {
                    Ok(out) => {
                        for o in out {
                            next.push(encoding::to_bytes(&o)?);
                        }
                    }
                    Err(e) => report.refused.extend(e.blame()),
                }
            }
            queue = next;
        }
        Ok(())
    }
}
