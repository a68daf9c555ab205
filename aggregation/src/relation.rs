//! The validity relation a provider proves, behind a trait, and the
//! Fiat-Shamir context every proof is bound to.
//!
//! A new proof system or validity predicate plugs in by implementing
//! [`UpdateRelation`]; the roles and the auditor only call the trait. A
//! relation describes itself ([`UpdateRelation::config`]) so that the
//! config and the code run cannot disagree.

use crate::config::{ModelKind, ProofSystemConfig, RelationConfig};
use crate::error::{AggError, ConfigError, Misuse};
use crate::party::ProviderId;
use merlin::Transcript;
use sha2::{Digest, Sha256};
use zkagg_zk::model::{
    DataOpening, Model, TrainCircuit, TrainConfig, TrainStatement, TrainWitness, UpdateOpening,
};
use zkagg_zk::pedersen::Commitment;
use zkagg_zk::proof_system::{self, AnyProvingKey, AnyVerifyingKey, Backend, KeyDigest};
use zkagg_zk::r1cs::{Circuit, R1csShape, ShapeBuilder};
use zkagg_zk::spartan::{SnarkParams, SnarkProof};
use zkagg_zk::transcript::TranscriptProtocol;
use zkagg_zk::update::{
    update_hash, BoundedUpdateCircuit, BoundedUpdatePublic, BoundedUpdateWitness,
};
use zkagg_zk::Fr;
use zkagg_zk::ProofError;

/// Transcript labels of the round context.
mod label {
    pub const PROTOCOL: &[u8] = b"zkagg/v1";
    pub const DS_ROUND: &[u8] = b"zkagg/round-context/v1";
    pub const CONFIG: &[u8] = b"config-id";
    pub const ROUND: &[u8] = b"round";
    pub const PROVIDER: &[u8] = b"provider";
    pub const MODEL: &[u8] = b"model-digest";
    pub const DATA: &[u8] = b"data-commitment";
    pub const H: &[u8] = b"h";
    pub const SHARE_COMMITMENT: &[u8] = b"share-commitment";
    pub const RHO: &[u8] = b"rho";
    pub const PURPOSE: &[u8] = b"purpose";
}

/// The public context of one provider's contribution, from the bulletin.
#[derive(Clone, Debug)]
pub struct ProofContext<'a> {
    pub(crate) config_id: [u8; 32],
    pub(crate) round: u64,
    pub(crate) provider: ProviderId,
    pub(crate) model: &'a [i64],
    pub(crate) model_digest: [u8; 32],
    pub(crate) data_commitment: Option<Fr>,
    pub(crate) h: Fr,
    pub(crate) share_commitments: &'a [Commitment],
}

impl<'a> ProofContext<'a> {
    /// The config id.
    pub fn config_id(&self) -> [u8; 32] {
        self.config_id
    }
    /// Round t.
    pub fn round(&self) -> u64 {
        self.round
    }
    /// Provider i.
    pub fn provider(&self) -> ProviderId {
        self.provider
    }
    /// The global model w_t.
    pub fn model(&self) -> &'a [i64] {
        self.model
    }
    /// The provider's registered data commitment (if it registered).
    pub fn data_commitment(&self) -> Option<Fr> {
        self.data_commitment
    }
    /// The update hash h.
    pub fn h(&self) -> Fr {
        self.h
    }
    /// The share commitments C_1..C_S.
    pub fn share_commitments(&self) -> &'a [Commitment] {
        self.share_commitments
    }
}

/// What a provider proves about: the context (from which rho is derived)
/// and the claimed evaluation y = <v, (1, rho, rho^2, ...)>.
#[derive(Clone, Debug)]
pub struct UpdateStatement<'a> {
    ctx: &'a ProofContext<'a>,
    rho: Fr,
    y: Fr,
}

impl<'a> UpdateStatement<'a> {
    /// The statement for `ctx` and `y`; rho is derived from the context.
    pub fn new(ctx: &'a ProofContext<'a>, y: Fr) -> Self {
        UpdateStatement {
            rho: ctx.rho(),
            ctx,
            y,
        }
    }
    /// The context.
    pub fn context(&self) -> &'a ProofContext<'a> {
        self.ctx
    }
    /// rho, derived from the context.
    pub fn rho(&self) -> Fr {
        self.rho
    }
    /// y.
    pub fn y(&self) -> Fr {
        self.y
    }
}

/// The provider's secret witness: its private input and the opening of h.
/// `Debug` is redacted.
pub struct UpdateWitness<'a, I> {
    /// The private input (data set, or the update itself).
    pub input: &'a I,
    /// The update Delta.
    pub delta: &'a [i64],
    /// The mask coordinate beta.
    pub beta: Fr,
    /// The hash salt.
    pub salt: Fr,
}

impl<I> std::fmt::Debug for UpdateWitness<'_, I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UpdateWitness { <redacted> }")
    }
}

/// The closed interval every update coordinate must lie in, the same for
/// the ZK circuit and the MPC bound check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UpdateBound {
    /// Smallest allowed value.
    pub min: i64,
    /// Largest allowed value.
    pub max: i64,
}

impl UpdateBound {
    /// Whether `x` is in the interval.
    pub fn contains(&self, x: i64) -> bool {
        self.min <= x && x <= self.max
    }
}

/// SHA-256 digest of a model vector.
pub fn model_digest(model: &[i64]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"zkagg/model/v1");
    h.update((model.len() as u64).to_le_bytes());
    for w in model {
        h.update(w.to_le_bytes());
    }
    h.finalize().into()
}

impl ProofContext<'_> {
    fn base(&self, purpose: &'static [u8]) -> Transcript {
        let mut t = Transcript::new(label::PROTOCOL);
        t.domain_sep(label::DS_ROUND);
        t.append_message(label::PURPOSE, purpose);
        t.append_message(label::CONFIG, &self.config_id);
        t.append_u64(label::ROUND, self.round);
        t.append_u64(label::PROVIDER, u64::from(self.provider.0));
        t.append_message(label::MODEL, &self.model_digest);
        t.append_scalar(label::DATA, &self.data_commitment.unwrap_or(Fr::ZERO));
        t.append_scalar(label::H, &self.h);
        t.append_u64(b"num-shares", self.share_commitments.len() as u64);
        for c in self.share_commitments {
            t.append_point(label::SHARE_COMMITMENT, &c.0);
        }
        t
    }

    /// rho = FS(config id, t, i, digest(w_t), c_D, h, C_1..C_S).
    pub fn rho(&self) -> Fr {
        self.base(b"rho").challenge_scalar(label::RHO)
    }

    /// The transcript handed to the proof system (pi_zk).
    pub fn proof_transcript(&self) -> Transcript {
        self.base(b"pi_zk")
    }

    /// The transcript handed to the linking proof (pi_link).
    pub fn link_transcript(&self) -> Transcript {
        self.base(b"pi_link")
    }
}

/// What a provider proves about its update.
pub trait UpdateRelation {
    /// The provider's private input (its data, or the update itself).
    type ProverInput;

    /// The config entry this relation runs (compared with the config by
    /// [`crate::setup::Setup::new`]).
    fn config(&self) -> RelationConfig;

    /// The proof system this relation proves with (compared with the config).
    fn proof_system(&self) -> ProofSystemConfig;

    /// The model dimension d.
    fn dim(&self) -> usize;

    /// The interval every update coordinate lies in, exactly as the proof
    /// enforces it (and as the MPC path checks it).
    fn bound(&self) -> UpdateBound;

    /// Whether a model is one the coordinator may post: length d and every
    /// weight in the relation's range.
    fn model_in_range(&self, model: &[i64]) -> bool;

    /// Computes the update Delta from the global model and the private input.
    fn compute_update(
        &self,
        model: &[i64],
        input: &Self::ProverInput,
    ) -> Result<Vec<i64>, AggError>;

    /// The data commitment the relation binds to, if any.
    fn data_commitment(&self, input: &Self::ProverInput) -> Option<Fr>;

    /// Whether contributions need a registered data commitment.
    fn needs_registration(&self) -> bool;

    /// The update hash h of (Delta, beta, salt).
    fn update_hash(&self, delta: &[i64], beta: &Fr, salt: &Fr) -> Result<Fr, AggError>;

    /// Proves the relation for a statement.
    fn prove(
        &self,
        statement: &UpdateStatement<'_>,
        witness: &UpdateWitness<'_, Self::ProverInput>,
    ) -> Result<Vec<u8>, AggError>;

    /// Verifies a proof for a statement.
    fn verify(&self, statement: &UpdateStatement<'_>, proof: &[u8]) -> Result<(), AggError>;

    /// The new model from the old one, the reconstructed sum V_0..V_{d-1}
    /// (centred lifts) and the number of accepted contributions:
    /// w + floor(V / n), in checked arithmetic.
    fn update_model(
        &self,
        model: &[i64],
        sum: &[i128],
        count: usize,
    ) -> Result<Vec<i64>, AggError> {
        if model.len() != sum.len() || count == 0 {
            return Err(Misuse::UpdateDimension {
                expected: model.len(),
                got: sum.len(),
            }
            .into());
        }
        model
            .iter()
            .zip(sum)
            .map(|(&w, v)| {
                let mean = v.div_euclid(count as i128);
                i64::try_from(i128::from(w) + mean).map_err(|_| Misuse::ModelOverflow.into())
            })
            .collect()
    }
}

/// The proof-system keys of a relation: any backend of
/// [`zkagg_zk::proof_system`] behind the trait, or libspartan's SNARK.
#[allow(clippy::large_enum_variant)] // built once per consortium
pub enum ProofKeys {
    /// A NIZK backend behind the `ProofSystem` trait.
    Nizk {
        /// Which backend.
        backend: Backend,
        /// Its proving key.
        pk: AnyProvingKey,
        /// Its verifying key.
        vk: AnyVerifyingKey,
    },
    /// libspartan's SNARK: preprocessed computation commitment, sublinear verifier.
    Snark(SnarkParams),
}

/// The shape a circuit builds (constraints and matrices, no values).
fn shape_of<C: Circuit>(circuit: &C) -> Result<R1csShape, AggError> {
    let mut sb = ShapeBuilder::new();
    circuit
        .synthesize(&mut sb)
        .map_err(|e| AggError::Proof(ProofError::from(e)))?;
    Ok(sb.finish())
}

impl ProofKeys {
    /// Sets up `circuit`'s shape with a NIZK backend.
    pub fn nizk<C: Circuit>(backend: Backend, circuit: &C) -> Result<Self, AggError> {
        let (pk, vk) = proof_system::setup(backend, &shape_of(circuit)?)?;
        Ok(ProofKeys::Nizk { backend, pk, vk })
    }

    /// What the config names.
    pub fn config(&self) -> ProofSystemConfig {
        match self {
            ProofKeys::Nizk { backend, .. } => ProofSystemConfig::Nizk(*backend),
            ProofKeys::Snark(_) => ProofSystemConfig::LibspartanSnark,
        }
    }

    /// Proves a circuit; returns the proof bytes.
    pub fn prove<C: Circuit>(&self, c: &C, t: &mut Transcript) -> Result<Vec<u8>, AggError> {
        Ok(match self {
            ProofKeys::Nizk { pk, .. } => pk.prove(c, t)?.0,
            ProofKeys::Snark(p) => p.prove(c, t)?.0.to_bytes(),
        })
    }

    /// Verifies proof bytes against public inputs.
    pub fn verify(&self, proof: &[u8], inputs: &[Fr], t: &mut Transcript) -> Result<(), AggError> {
        match self {
            ProofKeys::Nizk { vk, .. } => vk.verify(proof, inputs, t)?,
            ProofKeys::Snark(p) => {
                p.verifier_key()
                    .verify(&SnarkProof::from_bytes(proof)?, inputs, t)?
            }
        }
        Ok(())
    }

    /// A short digest of the verifying key.
    pub fn digest(&self) -> [u8; 32] {
        match self {
            ProofKeys::Nizk { vk, .. } => vk.digest(),
            ProofKeys::Snark(p) => p.instance().digest(),
        }
    }
}

/// The bounded-vector relation: every coordinate a signed `bits`-bit value;
/// no training (the provider's input is its update).
pub struct BoundedVectorRelation {
    d: usize,
    bits: usize,
    params: ProofKeys,
}

impl BoundedVectorRelation {
    /// Sets up the relation for dimension d, proven with libspartan's NIZK
    /// (the reference backend).
    pub fn new(d: usize, bits: usize) -> Result<Self, AggError> {
        Self::with_backend(d, bits, Backend::Libspartan)
    }

    /// Sets up the relation proven with a NIZK backend.
    pub fn with_backend(d: usize, bits: usize, backend: Backend) -> Result<Self, AggError> {
        let params = ProofKeys::nizk(backend, &BoundedUpdateCircuit::shape(d, bits))?;
        Ok(BoundedVectorRelation { d, bits, params })
    }

    /// Sets up the relation proven with the Spartan SNARK, its preprocessing
    /// cached in `cache_dir`.
    pub fn new_snark(d: usize, bits: usize, cache_dir: &std::path::Path) -> Result<Self, AggError> {
        let params = ProofKeys::Snark(SnarkParams::load_or_create(
            &BoundedUpdateCircuit::shape(d, bits),
            cache_dir,
        )?);
        Ok(BoundedVectorRelation { d, bits, params })
    }
}

pub use crate::config::BOUNDED_MODEL_MAX;

impl UpdateRelation for BoundedVectorRelation {
    type ProverInput = Vec<i64>;

    fn config(&self) -> RelationConfig {
        RelationConfig::BoundedVector {
            bits: self.bits as u32,
        }
    }

    fn proof_system(&self) -> ProofSystemConfig {
        self.params.config()
    }

    fn dim(&self) -> usize {
        self.d
    }

    fn bound(&self) -> UpdateBound {
        // The circuit range-checks Delta_j + 2^(b-1) in [0, 2^b).
        let half = 1i64 << (self.bits - 1);
        UpdateBound {
            min: -half,
            max: half - 1,
        }
    }

    fn model_in_range(&self, model: &[i64]) -> bool {
        self.config().model_in_range(self.d, model)
    }

    fn compute_update(&self, _model: &[i64], input: &Vec<i64>) -> Result<Vec<i64>, AggError> {
        Ok(input.clone())
    }

    fn data_commitment(&self, _input: &Vec<i64>) -> Option<Fr> {
        None
    }

    fn needs_registration(&self) -> bool {
        false
    }

    fn update_hash(&self, delta: &[i64], beta: &Fr, salt: &Fr) -> Result<Fr, AggError> {
        Ok(update_hash(delta, self.bits, beta, salt))
    }

    fn prove(
        &self,
        st: &UpdateStatement<'_>,
        w: &UpdateWitness<'_, Vec<i64>>,
    ) -> Result<Vec<u8>, AggError> {
        let circuit = BoundedUpdateCircuit {
            d: self.d,
            bits: self.bits,
            assignment: Some((
                BoundedUpdatePublic {
                    h: st.ctx.h,
                    rho: st.rho,
                    y: st.y,
                },
                BoundedUpdateWitness {
                    delta: w.delta.to_vec(),
                    beta: w.beta,
                    salt: w.salt,
                },
            )),
        };
        self.params.prove(&circuit, &mut st.ctx.proof_transcript())
    }

    fn verify(&self, st: &UpdateStatement<'_>, proof: &[u8]) -> Result<(), AggError> {
        let public = BoundedUpdatePublic {
            h: st.ctx.h,
            rho: st.rho,
            y: st.y,
        };
        self.params
            .verify(proof, &public.to_vec(), &mut st.ctx.proof_transcript())
    }
}

/// R_train: the update is one clipped training step of model `M` on the
/// data set the provider committed to at registration (PROTOCOL.md, round t;
/// `zkagg_zk::model`). Public inputs (w_t, c_D, h, rho, y).
pub struct TrainRelation<M: Model> {
    cfg: TrainConfig,
    model: M,
    kind: ModelKind,
    params: ProofKeys,
}

impl<M: Model> TrainRelation<M> {
    /// Sets up R_train for `cfg` and `model` with libspartan's NIZK (the
    /// reference backend).
    pub fn new(cfg: TrainConfig, model: M) -> Result<Self, AggError> {
        Self::with_backend(cfg, model, Backend::Libspartan)
    }

    /// Sets up R_train with a NIZK backend.
    pub fn with_backend(cfg: TrainConfig, model: M, backend: Backend) -> Result<Self, AggError> {
        let kind = ModelKind::of(&model).ok_or(ConfigError::RelationMismatch)?;
        let shape = TrainCircuit::shape(cfg.clone(), model.clone())?;
        Ok(TrainRelation {
            params: ProofKeys::nizk(backend, &shape)?,
            cfg,
            model,
            kind,
        })
    }

    /// Sets up R_train with the Spartan SNARK (preprocessing cached in
    /// `cache_dir`, a trusted local folder).
    pub fn new_snark(
        cfg: TrainConfig,
        model: M,
        cache_dir: &std::path::Path,
    ) -> Result<Self, AggError> {
        let kind = ModelKind::of(&model).ok_or(ConfigError::RelationMismatch)?;
        let shape = TrainCircuit::shape(cfg.clone(), model.clone())?;
        Ok(TrainRelation {
            params: ProofKeys::Snark(SnarkParams::load_or_create(&shape, cache_dir)?),
            cfg,
            model,
            kind,
        })
    }

    /// The training configuration.
    pub fn train_config(&self) -> &TrainConfig {
        &self.cfg
    }

    /// The model.
    pub fn model(&self) -> &M {
        &self.model
    }
}

impl<M: Model> UpdateRelation for TrainRelation<M> {
    type ProverInput = DataOpening;

    fn config(&self) -> RelationConfig {
        RelationConfig::Train {
            model: self.kind,
            train: self.cfg.clone(),
        }
    }

    fn proof_system(&self) -> ProofSystemConfig {
        self.params.config()
    }

    fn dim(&self) -> usize {
        self.cfg.dim()
    }

    fn bound(&self) -> UpdateBound {
        // The clipped update lies in [-B, B] (B fits i64 by the config check).
        let b = i64::try_from(self.cfg.clip_bound).unwrap_or(i64::MAX);
        UpdateBound { min: -b, max: b }
    }

    fn model_in_range(&self, model: &[i64]) -> bool {
        let f = &self.cfg.model_format;
        // As `RelationConfig::model_in_range`, without cloning the config.
        model.len() == self.cfg.dim()
            && model
                .iter()
                .all(|w| (f.min_int()..=f.max_int()).contains(w))
    }

    fn compute_update(&self, model: &[i64], input: &DataOpening) -> Result<Vec<i64>, AggError> {
        Ok(self.model.train_step(&self.cfg, model, &input.data)?)
    }

    fn data_commitment(&self, input: &DataOpening) -> Option<Fr> {
        input.commit(&self.cfg, self.model.label_kind()).ok()
    }

    fn needs_registration(&self) -> bool {
        true
    }

    fn update_hash(&self, delta: &[i64], beta: &Fr, salt: &Fr) -> Result<Fr, AggError> {
        Ok(zkagg_zk::model::update_hash(&self.cfg, delta, beta, salt)?)
    }

    fn prove(
        &self,
        st: &UpdateStatement<'_>,
        w: &UpdateWitness<'_, DataOpening>,
    ) -> Result<Vec<u8>, AggError> {
        let c_d = st.ctx.data_commitment.ok_or(Misuse::NotRegistered)?;
        let statement = TrainStatement {
            weights: st.ctx.model.to_vec(),
            c_d,
            h: st.ctx.h,
            rho: st.rho,
            y: st.y,
        };
        let witness = TrainWitness {
            data: w.input.clone(),
            update: UpdateOpening {
                delta: w.delta.to_vec(),
                beta: w.beta,
                salt: w.salt,
            },
        };
        let circuit = TrainCircuit::new(self.cfg.clone(), self.model.clone(), statement, witness)?;
        self.params.prove(&circuit, &mut st.ctx.proof_transcript())
    }

    fn verify(&self, st: &UpdateStatement<'_>, proof: &[u8]) -> Result<(), AggError> {
        let c_d = st.ctx.data_commitment.ok_or(Misuse::NotRegistered)?;
        if !self.model_in_range(st.ctx.model) {
            return Err(Misuse::UpdateDimension {
                expected: self.cfg.dim(),
                got: st.ctx.model.len(),
            }
            .into());
        }
        let statement = TrainStatement {
            weights: st.ctx.model.to_vec(),
            c_d,
            h: st.ctx.h,
            rho: st.rho,
            y: st.y,
        };
        self.params.verify(
            proof,
            &statement.public_inputs(),
            &mut st.ctx.proof_transcript(),
        )
    }

    fn update_model(
        &self,
        model: &[i64],
        sum: &[i128],
        count: usize,
    ) -> Result<Vec<i64>, AggError> {
        Ok(zkagg_zk::model::apply_mean_update(
            &self.cfg, model, sum, count,
        )?)
    }
}
