//! The provider role: typestates consumed by value.
//!
//! `Provider::start_round` -> [`ProviderAwaitingUpdate`] -(commit)->
//! [`ProviderCommitted`] -(prove)-> (public [`Contribution`], private
//! [`ShareDelivery`] per aggregator). Sans-IO: the caller carries messages.

use crate::config::PartyId;
use crate::error::AggError;
use crate::msgs::{Contribution, PublicMessage, Registration, RoundHeader, ShareDelivery};
use crate::relation::{ProofContext, UpdateRelation};
use crate::setup::Setup;
use ed25519_dalek::SigningKey;
use rand_core::{CryptoRng, RngCore};
use std::sync::Arc;
use zkagg_mpc::sharing::SecretSharing;
use zkagg_zk::gadgets::horner::horner_native;
use zkagg_zk::pedersen::Commitment;
use zkagg_zk::update::update_vector;
use zkagg_zk::{link, Fr};

/// A provider: its index, signing key and the public parameters.
pub struct Provider<Rel, S> {
    /// Index i.
    pub id: u32,
    /// Signing key for bulletin posts.
    pub key: SigningKey,
    setup: Arc<Setup<Rel, S>>,
}

impl<Rel: UpdateRelation, S: SecretSharing> Provider<Rel, S> {
    /// A provider with index `id`.
    pub fn new(id: u32, key: SigningKey, setup: Arc<Setup<Rel, S>>) -> Self {
        Provider { id, key, setup }
    }

    /// The party id.
    pub fn party(&self) -> PartyId {
        PartyId::Provider(self.id)
    }

    /// The registration message for a private input (posts c_D).
    pub fn registration(&self, input: &Rel::ProverInput) -> Option<PublicMessage> {
        self.setup.relation.data_commitment(input).map(|c| {
            PublicMessage::Registration(Registration {
                provider: self.id,
                data_commitment: c,
            })
        })
    }

    /// Starts a round from its header.
    pub fn start_round(&self, header: &RoundHeader) -> ProviderAwaitingUpdate<'_, Rel, S> {
        ProviderAwaitingUpdate {
            provider: self,
            header: header.clone(),
        }
    }
}

/// A provider in a round, before it has committed to an update.
pub struct ProviderAwaitingUpdate<'a, Rel, S> {
    provider: &'a Provider<Rel, S>,
    header: RoundHeader,
}

impl<'a, Rel: UpdateRelation, S: SecretSharing> ProviderAwaitingUpdate<'a, Rel, S> {
    /// Computes Delta, draws beta and the salt, hashes h, shares v and
    /// commits to each share.
    pub fn commit<R: RngCore + CryptoRng>(
        self,
        input: &'a Rel::ProverInput,
        rng: &mut R,
    ) -> Result<ProviderCommitted<'a, Rel, S>, AggError> {
        let setup = &self.provider.setup;
        let delta = setup.relation.compute_update(&self.header.model, input)?;
        if delta.len() != setup.relation.dim() {
            return Err(AggError::Misuse("update has the wrong dimension".into()));
        }
        let beta = Fr::random(rng);
        let salt = Fr::random(rng);
        let h = setup.relation.update_hash(&delta, &beta, &salt)?;
        let v = update_vector(&delta, &beta);
        let shares = setup
            .sharing
            .share(&v, rng)
            .map_err(|e| AggError::Misuse(e.to_string()))?;
        let mut explicit = Vec::with_capacity(shares.len());
        let mut blinds = Vec::with_capacity(shares.len());
        let mut commitments = Vec::with_capacity(shares.len());
        for (party, sh) in shares.iter().enumerate() {
            let x = setup
                .sharing
                .expand(party, sh, v.len())
                .map_err(|e| AggError::Misuse(e.to_string()))?;
            let (c, r) = setup
                .gens
                .pedersen
                .commit_random(&x, rng)
                .map_err(|e| AggError::Misuse(e.to_string()))?;
            explicit.push(x);
            blinds.push(r);
            commitments.push(c);
        }
        Ok(ProviderCommitted {
            provider: self.provider,
            header: self.header,
            input,
            delta,
            beta,
            salt,
            h,
            v,
            shares,
            blinds,
            commitments,
        })
    }
}

/// A provider that has committed; next it derives rho and proves.
pub struct ProviderCommitted<'a, Rel: UpdateRelation, S: SecretSharing> {
    provider: &'a Provider<Rel, S>,
    header: RoundHeader,
    input: &'a Rel::ProverInput,
    delta: Vec<i64>,
    beta: Fr,
    salt: Fr,
    h: Fr,
    v: Vec<Fr>,
    shares: Vec<S::Share>,
    blinds: Vec<Fr>,
    commitments: Vec<Commitment>,
}

impl<Rel: UpdateRelation, S: SecretSharing> ProviderCommitted<'_, Rel, S> {
    /// The update Delta (for tests and reporting).
    pub fn delta(&self) -> &[i64] {
        &self.delta
    }

    /// Derives rho, computes y and both proofs; returns the public
    /// contribution and one private share delivery per aggregator.
    pub fn prove<R: RngCore + CryptoRng>(
        self,
        rng: &mut R,
    ) -> Result<(Contribution, Vec<ShareDelivery>), AggError> {
        let setup = &self.provider.setup;
        let ctx = ProofContext {
            config_id: setup.config_id,
            round: self.header.round,
            provider: self.provider.id,
            model: &self.header.model,
            model_digest: crate::relation::model_digest(&self.header.model),
            data_commitment: setup.relation.data_commitment(self.input),
            h: self.h,
            share_commitments: &self.commitments,
        };
        let rho = ctx.rho();
        let y = horner_native(&self.v, &rho);
        // In the MPC validity mode the aggregators check the bound on their
        // shares; the provider sends no pi_zk.
        let proof = match setup.config.validity {
            crate::config::ValidityMode::ZkProof => setup.relation.prove(
                &ctx,
                self.input,
                &self.delta,
                &self.beta,
                &self.salt,
                &rho,
                &y,
            )?,
            crate::config::ValidityMode::Mpc2pc => Vec::new(),
        };
        let c_sum: Commitment =
            setup
                .combine_commitments(&self.commitments)
                .ok_or(AggError::Misuse(
                    "one commitment per aggregator expected".into(),
                ))?;
        let r_sum: Fr = setup.combine_blinds(&self.blinds);
        let (link, y2) = link::prove(
            &setup.gens,
            &mut ctx.link_transcript(),
            &c_sum.0,
            &rho,
            &self.v,
            &r_sum,
            rng,
        )
        .map_err(|e| AggError::Misuse(e.to_string()))?;
        debug_assert_eq!(y, y2);
        let deliveries = self
            .shares
            .iter()
            .zip(&self.blinds)
            .enumerate()
            .map(|(s, (sh, r))| {
                Ok(ShareDelivery {
                    round: self.header.round,
                    provider: self.provider.id,
                    aggregator: s as u32,
                    share: setup
                        .sharing
                        .encode_share(sh)
                        .map_err(|e| AggError::Misuse(e.to_string()))?,
                    blind: *r,
                })
            })
            .collect::<Result<Vec<_>, AggError>>()?;
        let contribution = Contribution {
            round: self.header.round,
            provider: self.provider.id,
            h: self.h,
            share_commitments: self.commitments,
            y,
            proof,
            link,
        };
        Ok((contribution, deliveries))
    }
}
