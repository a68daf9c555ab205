//! The provider role: typestates consumed by value.
//!
//! `Provider::start_round` -> [`ProviderAwaitingUpdate`] -(commit)->
//! [`ProviderCommitted`] -(prove)-> (public [`Contribution`], private
//! [`ShareDelivery`] per aggregator). Sans-IO: the caller carries messages.

use crate::error::{AggError, Misuse};
use crate::msgs::{Contribution, PublicMessage, Registration, RoundHeader, ShareDelivery};
use crate::party::{AggregatorId, PartyId, ProviderId};
use crate::relation::{model_digest, ProofContext, UpdateRelation, UpdateStatement, UpdateWitness};
use crate::setup::{Setup, SharingScheme};
use ed25519_dalek::SigningKey;
use rand_core::{CryptoRng, RngCore};
use std::sync::Arc;
use zeroize::Zeroize;
use zkagg_zk::gadgets::horner::horner_native;
use zkagg_zk::link::{LinkInstance, LinkWitness};
use zkagg_zk::pedersen::Commitment;
use zkagg_zk::update::update_vector;
use zkagg_zk::{link, Fr};

/// A provider: its index, signing key and the public parameters.
pub struct Provider<Rel, S> {
    id: ProviderId,
    key: SigningKey,
    setup: Arc<Setup<Rel, S>>,
}

impl<Rel, S> std::fmt::Debug for Provider<Rel, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("id", &self.id)
            .field("key", &"<redacted>")
            .finish()
    }
}

impl<Rel: UpdateRelation, S: SharingScheme> Provider<Rel, S> {
    /// A provider with index `id` (its signing key is zeroized on drop).
    pub fn new(id: ProviderId, key: SigningKey, setup: Arc<Setup<Rel, S>>) -> Self {
        Provider { id, key, setup }
    }

    /// The provider's index.
    pub fn id(&self) -> ProviderId {
        self.id
    }

    /// The party id.
    pub fn party(&self) -> PartyId {
        PartyId::Provider(self.id)
    }

    /// The signing key for bulletin posts.
    pub fn signing_key(&self) -> &SigningKey {
        &self.key
    }

    /// The registration message for a private input (posts c_D).
    pub fn registration(&self, input: &Rel::ProverInput) -> Option<PublicMessage> {
        self.setup.relation().data_commitment(input).map(|c| {
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

impl<'a, Rel: UpdateRelation, S: SharingScheme> ProviderAwaitingUpdate<'a, Rel, S> {
    /// Computes Delta, draws beta and the salt, hashes h, shares v and
    /// commits to each share.
    pub fn commit<R: RngCore + CryptoRng>(
        self,
        input: &'a Rel::ProverInput,
        rng: &mut R,
    ) -> Result<ProviderCommitted<'a, Rel, S>, AggError> {
        let delta = self
            .provider
            .setup
            .relation()
            .compute_update(&self.header.model, input)?;
        self.commit_to(input, delta, rng)
    }

    /// Fault injection: [`commit`](Self::commit) to `delta` instead of the
    /// update `input` gives, so that h, the shares, their commitments, y
    /// and pi_link describe `delta`. An honest provider never calls it; a
    /// cheating one posts it with another statement's pi_zk
    /// ([`ProviderCommitted::prove_with`]), which every verifier refuses.
    pub fn commit_to<R: RngCore + CryptoRng>(
        self,
        input: &'a Rel::ProverInput,
        delta: Vec<i64>,
        rng: &mut R,
    ) -> Result<ProviderCommitted<'a, Rel, S>, AggError> {
        let setup = &self.provider.setup;
        if delta.len() != setup.relation().dim() {
            return Err(Misuse::UpdateDimension {
                expected: setup.relation().dim(),
                got: delta.len(),
            }
            .into());
        }
        let beta = Fr::random(rng);
        let salt = Fr::random(rng);
        let h = setup.relation().update_hash(&delta, &beta, &salt)?;
        let v = update_vector(&delta, &beta);
        let shares = setup.sharing().share(&v, rng)?;
        // A scheme with parity checks (Shamir t < S) gets blinds that are a
        // sharing of one random r too, so that the commitments C_s pass
        // the public consistency check; otherwise the blinds are independent.
        let shared_blinds = if setup.consistency_rows().is_empty() {
            None
        } else {
            let r = [Fr::random(rng)];
            let bs = setup.sharing().share(&r, rng)?;
            let rs = bs
                .iter()
                .enumerate()
                .map(|(party, b)| Ok(setup.sharing().expand(party, b, 1)?[0]))
                .collect::<Result<Vec<Fr>, AggError>>()?;
            Some(rs)
        };
        let mut blinds = Vec::with_capacity(shares.len());
        let mut commitments = Vec::with_capacity(shares.len());
        for (party, sh) in shares.iter().enumerate() {
            let mut x = setup.sharing().expand(party, sh, v.len())?;
            let (c, r) = match shared_blinds.as_ref().and_then(|rs| rs.get(party)) {
                Some(r) => (setup.gens().pedersen.commit(&x, r)?, *r),
                None => setup.gens().pedersen.commit_random(&x, rng)?,
            };
            x.zeroize();
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

/// A provider that has committed; next it derives rho and proves. Its
/// secrets are zeroized on drop.
pub struct ProviderCommitted<'a, Rel: UpdateRelation, S: SharingScheme> {
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

impl<Rel: UpdateRelation, S: SharingScheme> Drop for ProviderCommitted<'_, Rel, S> {
    fn drop(&mut self) {
        self.delta.zeroize();
        self.beta.zeroize();
        self.salt.zeroize();
        self.v.zeroize();
        self.blinds.zeroize();
    }
}

impl<Rel: UpdateRelation, S: SharingScheme> ProviderCommitted<'_, Rel, S> {
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
        self.finish(None, rng)
    }

    /// Fault injection: [`prove`](Self::prove) with `proof` as pi_zk
    /// instead of a proof of this statement (pi_link is proved as usual).
    pub fn prove_with<R: RngCore + CryptoRng>(
        self,
        proof: Vec<u8>,
        rng: &mut R,
    ) -> Result<(Contribution, Vec<ShareDelivery>), AggError> {
        self.finish(Some(proof), rng)
    }

    /// Proves (pi_zk unless `given`, then pi_link) and builds the messages.
    fn finish<R: RngCore + CryptoRng>(
        self,
        given: Option<Vec<u8>>,
        rng: &mut R,
    ) -> Result<(Contribution, Vec<ShareDelivery>), AggError> {
        let setup = &self.provider.setup;
        let ctx = ProofContext {
            config_id: setup.config_id(),
            round: self.header.round,
            provider: self.provider.id,
            model: &self.header.model,
            model_digest: model_digest(&self.header.model),
            data_commitment: setup.relation().data_commitment(self.input),
            h: self.h,
            share_commitments: &self.commitments,
        };
        let y = horner_native(&self.v, &ctx.rho());
        let statement = UpdateStatement::new(&ctx, y);
        // In the MPC validity mode the aggregators check the bound on their
        // shares; the provider sends no pi_zk.
        let proof = match (given, setup.config().validity) {
            (Some(proof), _) => proof,
            (None, crate::config::ValidityMode::ZkProof) => setup.relation().prove(
                &statement,
                &UpdateWitness {
                    input: self.input,
                    delta: &self.delta,
                    beta: self.beta,
                    salt: self.salt,
                },
            )?,
            (None, crate::config::ValidityMode::Mpc2pc) => Vec::new(),
        };
        let c_sum = setup
            .combine_commitments(&self.commitments)
            .ok_or(Misuse::ShareCount)?;
        let rho = statement.rho();
        let (link, _) = link::prove(
            setup.gens(),
            &mut ctx.link_transcript(),
            &LinkInstance {
                C: &c_sum.0,
                rho: &rho,
            },
            &LinkWitness {
                v: &self.v,
                r: setup.combine_blinds(&self.blinds),
            },
            rng,
        )?;
        let deliveries = self
            .shares
            .iter()
            .zip(&self.blinds)
            .enumerate()
            .map(|(s, (sh, r))| {
                Ok(ShareDelivery {
                    round: self.header.round,
                    provider: self.provider.id,
                    aggregator: AggregatorId(s as u32),
                    share: setup.sharing().encode_share(sh)?,
                    blind: *r,
                })
            })
            .collect::<Result<Vec<_>, AggError>>()?;
        let contribution = Contribution {
            round: self.header.round,
            provider: self.provider.id,
            h: self.h,
            share_commitments: self.commitments.clone(),
            y,
            proof,
            link,
        };
        Ok((contribution, deliveries))
    }
}
