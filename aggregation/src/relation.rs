//! The validity relation a provider proves, behind a trait, and the
//! Fiat-Shamir context every proof is bound to.
//!
//! A new proof system or validity predicate plugs in by implementing
//! [`UpdateRelation`]; the roles and the auditor only call the trait.

use crate::error::AggError;
use merlin::Transcript;
use sha2::{Digest, Sha256};
use zkagg_zk::model::{
    DataOpening, Model, TrainCircuit, TrainConfig, TrainStatement, TrainWitness, UpdateOpening,
};
use zkagg_zk::pedersen::Commitment;
use zkagg_zk::spartan::{NizkParams, NizkProof, SnarkParams, SnarkProof};
use zkagg_zk::transcript::TranscriptProtocol;
use zkagg_zk::update::{
    update_hash, BoundedUpdateCircuit, BoundedUpdatePublic, BoundedUpdateWitness,
};
use zkagg_zk::Fr;

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

/// The public context of one provider's contribution.
#[derive(Clone, Debug)]
pub struct ProofContext<'a> {
    /// The config id.
    pub config_id: [u8; 32],
    /// Round t.
    pub round: u64,
    /// Provider i.
    pub provider: u32,
    /// The global model w_t.
    pub model: &'a [i64],
    /// [`model_digest`] of `model`, computed once per round by the caller.
    pub model_digest: [u8; 32],
    /// The provider's registered data commitment (if the relation uses one).
    pub data_commitment: Option<Fr>,
    /// The update hash h.
    pub h: Fr,
    /// The share commitments C_1..C_S.
    pub share_commitments: &'a [Commitment],
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
        t.append_u64(label::PROVIDER, self.provider as u64);
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

    /// The model dimension d.
    fn dim(&self) -> usize;

    /// Signed bit width every update coordinate is bounded by (for the MPC
    /// path's bound check): |Delta_j| <= bound().
    fn bound(&self) -> u64;

    /// Computes the update Delta from the global model and the private input.
    fn compute_update(
        &self,
        model: &[i64],
        input: &Self::ProverInput,
    ) -> Result<Vec<i64>, AggError>;

    /// The data commitment the relation binds to, if any.
    fn data_commitment(&self, input: &Self::ProverInput) -> Option<Fr>;

    /// h = Sponge("update", pack(Delta), beta, salt).
    fn update_hash(&self, delta: &[i64], beta: &Fr, salt: &Fr) -> Result<Fr, AggError>;

    /// Proves the relation for public (context, rho, y).
    #[allow(clippy::too_many_arguments)]
    fn prove(
        &self,
        ctx: &ProofContext,
        input: &Self::ProverInput,
        delta: &[i64],
        beta: &Fr,
        salt: &Fr,
        rho: &Fr,
        y: &Fr,
    ) -> Result<Vec<u8>, AggError>;

    /// Verifies a proof for public (context, rho, y).
    fn verify(&self, ctx: &ProofContext, rho: &Fr, y: &Fr, proof: &[u8]) -> Result<(), AggError>;

    /// The new model from the old one, the reconstructed sum V_0..V_{d-1}
    /// (centred lifts) and the number of accepted contributions.
    fn update_model(
        &self,
        model: &[i64],
        sum: &[i128],
        count: usize,
    ) -> Result<Vec<i64>, AggError> {
        if model.len() != sum.len() || count == 0 {
            return Err(AggError::Misuse(
                "model/sum length mismatch or empty batch".into(),
            ));
        }
        Ok(model
            .iter()
            .zip(sum)
            .map(|(w, v)| w + v.div_euclid(count as i128) as i64)
            .collect())
    }
}

/// Spartan parameters in either mode.
pub enum SpartanMode {
    /// NIZK: no preprocessing, verifier linear in the circuit.
    Nizk(NizkParams),
    /// SNARK: preprocessed computation commitment, sublinear verifier.
    Snark(SnarkParams),
}

impl SpartanMode {
    /// Proves a circuit; returns the proof bytes.
    pub fn prove<C: zkagg_zk::r1cs::Circuit>(
        &self,
        c: &C,
        t: &mut Transcript,
    ) -> Result<Vec<u8>, AggError> {
        Ok(match self {
            SpartanMode::Nizk(p) => p.prove(c, t)?.0.to_bytes(),
            SpartanMode::Snark(p) => p.prove(c, t)?.0.to_bytes(),
        })
    }

    /// Verifies proof bytes against public inputs.
    pub fn verify(&self, proof: &[u8], inputs: &[Fr], t: &mut Transcript) -> Result<(), AggError> {
        match self {
            SpartanMode::Nizk(p) => p.verify(&NizkProof::from_bytes(proof)?, inputs, t)?,
            SpartanMode::Snark(p) => {
                p.verifier_key()
                    .verify(&SnarkProof::from_bytes(proof)?, inputs, t)?
            }
        }
        Ok(())
    }
}

/// The bounded-vector relation: every coordinate a signed `bits`-bit value;
/// no training (the provider's input is its update).
pub struct BoundedVectorRelation {
    d: usize,
    bits: usize,
    params: SpartanMode,
}

impl BoundedVectorRelation {
    /// Sets up the relation for dimension d, proven with the Spartan NIZK.
    pub fn new(d: usize, bits: usize) -> Result<Self, AggError> {
        let params = SpartanMode::Nizk(NizkParams::setup(&BoundedUpdateCircuit::shape(d, bits))?);
        Ok(BoundedVectorRelation { d, bits, params })
    }

    /// Sets up the relation proven with the Spartan SNARK, its preprocessing
    /// cached in `cache_dir`.
    pub fn new_snark(d: usize, bits: usize, cache_dir: &std::path::Path) -> Result<Self, AggError> {
        let params = SpartanMode::Snark(SnarkParams::load_or_create(
            &BoundedUpdateCircuit::shape(d, bits),
            cache_dir,
        )?);
        Ok(BoundedVectorRelation { d, bits, params })
    }
}

impl UpdateRelation for BoundedVectorRelation {
    type ProverInput = Vec<i64>;

    fn dim(&self) -> usize {
        self.d
    }

    fn bound(&self) -> u64 {
        (1u64 << (self.bits - 1)) - 1
    }

    fn compute_update(&self, _model: &[i64], input: &Vec<i64>) -> Result<Vec<i64>, AggError> {
        Ok(input.clone())
    }

    fn data_commitment(&self, _input: &Vec<i64>) -> Option<Fr> {
        None
    }

    fn update_hash(&self, delta: &[i64], beta: &Fr, salt: &Fr) -> Result<Fr, AggError> {
        Ok(update_hash(delta, self.bits, beta, salt))
    }

    fn prove(
        &self,
        ctx: &ProofContext,
        _input: &Vec<i64>,
        delta: &[i64],
        beta: &Fr,
        salt: &Fr,
        rho: &Fr,
        y: &Fr,
    ) -> Result<Vec<u8>, AggError> {
        let circuit = BoundedUpdateCircuit {
            d: self.d,
            bits: self.bits,
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
        self.params.prove(&circuit, &mut ctx.proof_transcript())
    }

    fn verify(&self, ctx: &ProofContext, rho: &Fr, y: &Fr, proof: &[u8]) -> Result<(), AggError> {
        let public = BoundedUpdatePublic {
            h: ctx.h,
            rho: *rho,
            y: *y,
        };
        self.params
            .verify(proof, &public.to_vec(), &mut ctx.proof_transcript())
    }
}

/// R_train: the update is one clipped training step of model `M` on the
/// data set the provider committed to at registration (PROTOCOL.md, round t;
/// `zkagg_zk::model`). Public inputs (w_t, c_D, h, rho, y).
pub struct TrainRelation<M: Model> {
    cfg: TrainConfig,
    model: M,
    params: SpartanMode,
}

impl<M: Model> TrainRelation<M> {
    /// Sets up R_train for `cfg` and `model` with the Spartan NIZK.
    pub fn new(cfg: TrainConfig, model: M) -> Result<Self, AggError> {
        let shape = TrainCircuit::shape(cfg.clone(), model.clone()).map_err(model_err)?;
        Ok(TrainRelation {
            params: SpartanMode::Nizk(NizkParams::setup(&shape)?),
            cfg,
            model,
        })
    }

    /// Sets up R_train with the Spartan SNARK (preprocessing cached in `cache_dir`).
    pub fn new_snark(
        cfg: TrainConfig,
        model: M,
        cache_dir: &std::path::Path,
    ) -> Result<Self, AggError> {
        let shape = TrainCircuit::shape(cfg.clone(), model.clone()).map_err(model_err)?;
        Ok(TrainRelation {
            params: SpartanMode::Snark(SnarkParams::load_or_create(&shape, cache_dir)?),
            cfg,
            model,
        })
    }

    /// The training configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.cfg
    }

    /// The model.
    pub fn model(&self) -> &M {
        &self.model
    }
}

fn model_err(e: zkagg_zk::model::ModelError) -> AggError {
    AggError::Misuse(format!("model: {e}"))
}

impl<M: Model> UpdateRelation for TrainRelation<M> {
    type ProverInput = DataOpening;

    fn dim(&self) -> usize {
        self.cfg.dim()
    }

    fn bound(&self) -> u64 {
        self.cfg.clip_bound
    }

    fn compute_update(&self, model: &[i64], input: &DataOpening) -> Result<Vec<i64>, AggError> {
        self.model
            .train_step(&self.cfg, model, &input.data)
            .map_err(model_err)
    }

    fn data_commitment(&self, input: &DataOpening) -> Option<Fr> {
        input.commit(&self.cfg, self.model.label_kind()).ok()
    }

    fn update_hash(&self, delta: &[i64], beta: &Fr, salt: &Fr) -> Result<Fr, AggError> {
        zkagg_zk::model::update_hash(&self.cfg, delta, beta, salt).map_err(model_err)
    }

    fn prove(
        &self,
        ctx: &ProofContext,
        input: &DataOpening,
        delta: &[i64],
        beta: &Fr,
        salt: &Fr,
        rho: &Fr,
        y: &Fr,
    ) -> Result<Vec<u8>, AggError> {
        let c_d = ctx.data_commitment.ok_or(AggError::Misuse(
            "R_train needs a registered data commitment".into(),
        ))?;
        let statement = TrainStatement {
            weights: ctx.model.to_vec(),
            c_d,
            h: ctx.h,
            rho: *rho,
            y: *y,
        };
        let witness = TrainWitness {
            data: input.clone(),
            update: UpdateOpening {
                delta: delta.to_vec(),
                beta: *beta,
                salt: *salt,
            },
        };
        let circuit = TrainCircuit::new(self.cfg.clone(), self.model.clone(), statement, witness)
            .map_err(model_err)?;
        self.params.prove(&circuit, &mut ctx.proof_transcript())
    }

    fn verify(&self, ctx: &ProofContext, rho: &Fr, y: &Fr, proof: &[u8]) -> Result<(), AggError> {
        let Some(c_d) = ctx.data_commitment else {
            return Err(AggError::Misbehaved {
                party: crate::config::PartyId::Provider(ctx.provider),
                reason: "no registered data commitment".into(),
            });
        };
        if ctx.model.len() != self.cfg.dim() {
            return Err(AggError::Misuse("model has the wrong dimension".into()));
        }
        let statement = TrainStatement {
            weights: ctx.model.to_vec(),
            c_d,
            h: ctx.h,
            rho: *rho,
            y: *y,
        };
        self.params.verify(
            proof,
            &statement.public_inputs(),
            &mut ctx.proof_transcript(),
        )
    }

    fn update_model(
        &self,
        model: &[i64],
        sum: &[i128],
        count: usize,
    ) -> Result<Vec<i64>, AggError> {
        zkagg_zk::model::apply_mean_update(&self.cfg, model, sum, count).map_err(model_err)
    }
}
