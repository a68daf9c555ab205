//! Public parameters shared by every role: the config, its id, the relation,
//! the sharing scheme and the commitment/linking generators.
//!
//! [`Setup::new`] is where the config binds what is run: the relation and
//! the sharing scheme describe themselves ([`UpdateRelation::config`],
//! [`SharingScheme::config`]) and must equal what the config names, so a
//! config that says "16-bit bound" cannot be run with a 32-bit relation.

use crate::config::{ConsortiumConfig, SharingConfig};
use crate::error::{AggError, ConfigError};
use crate::relation::UpdateRelation;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::traits::VartimeMultiscalarMul;
use zkagg_mpc::sharing::additive::Additive;
use zkagg_mpc::sharing::shamir::Shamir;
use zkagg_mpc::sharing::SecretSharing;
use zkagg_zk::link::LinkGens;
use zkagg_zk::pedersen::Commitment;
use zkagg_zk::Fr;

/// A secret-sharing scheme that describes itself, so the config can name it.
/// A new scheme plugs in by implementing this (and adding its variant to
/// [`SharingConfig`]).
pub trait SharingScheme: SecretSharing {
    /// The config entry of this scheme.
    fn config(&self) -> SharingConfig;
}

impl SharingScheme for Additive {
    fn config(&self) -> SharingConfig {
        SharingConfig::Additive
    }
}

impl SharingScheme for Shamir {
    fn config(&self) -> SharingConfig {
        SharingConfig::Shamir {
            threshold: self.threshold() as u32,
        }
    }
}

/// Public parameters of a consortium.
pub struct Setup<Rel, S> {
    config: ConsortiumConfig,
    config_id: [u8; 32],
    relation: Rel,
    sharing: S,
    gens: LinkGens,
    lambda: Vec<Fr>,
}

impl<Rel: UpdateRelation, S: SharingScheme> Setup<Rel, S> {
    /// Derives the public parameters, refusing a relation or a sharing
    /// scheme other than the one the config names.
    pub fn new(config: ConsortiumConfig, relation: Rel, sharing: S) -> Result<Self, AggError> {
        config.validate()?;
        if relation.config() != config.relation
            || relation.dim() != config.dim as usize
            || relation.proof_system() != config.proof_system
        {
            return Err(ConfigError::RelationMismatch.into());
        }
        if sharing.config() != config.sharing || sharing.num_parties() != config.num_aggregators() {
            return Err(ConfigError::SharingMismatch.into());
        }
        let config_id = config.id();
        let gens = LinkGens::new(&config_id, config.dim as usize + 1);
        let parties: Vec<usize> = (0..config.num_aggregators()).collect();
        let lambda = sharing.reconstruction_coefficients(&parties)?;
        Ok(Setup {
            config,
            config_id,
            relation,
            sharing,
            gens,
            lambda,
        })
    }
}

impl<Rel, S> Setup<Rel, S> {
    /// The config.
    pub fn config(&self) -> &ConsortiumConfig {
        &self.config
    }

    /// The config id.
    pub fn config_id(&self) -> [u8; 32] {
        self.config_id
    }

    /// The relation providers prove.
    pub fn relation(&self) -> &Rel {
        &self.relation
    }

    /// The sharing scheme.
    pub fn sharing(&self) -> &S {
        &self.sharing
    }

    /// Pedersen and linking generators for vectors of length d + 1.
    pub fn gens(&self) -> &LinkGens {
        &self.gens
    }

    /// Reconstruction coefficients over all S aggregators (all 1 for
    /// additive sharing, Lagrange at 0 for Shamir), derived from the scheme.
    pub fn lambda(&self) -> &[Fr] {
        &self.lambda
    }

    /// The commitment to v: sum_s lambda_s C_s (the linking proof's C).
    /// `None` unless there is exactly one commitment per aggregator.
    pub fn combine_commitments(&self, cs: &[Commitment]) -> Option<Commitment> {
        (cs.len() == self.lambda.len()).then(|| {
            Commitment(RistrettoPoint::vartime_multiscalar_mul(
                self.lambda.iter(),
                cs.iter().map(|c| &c.0),
            ))
        })
    }

    /// The blinding of v: sum_s lambda_s r_s.
    pub fn combine_blinds(&self, rs: &[Fr]) -> Fr {
        self.lambda.iter().zip(rs).map(|(l, r)| l * r).sum()
    }

    /// Length of the shared vector v = (Delta, beta).
    pub fn vec_len(&self) -> usize {
        self.config.dim as usize + 1
    }
}
