//! Public parameters shared by every role: the config, its id, the relation,
//! the sharing scheme and the commitment/linking generators.

use crate::config::ConsortiumConfig;
use crate::error::AggError;
use crate::relation::UpdateRelation;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::traits::VartimeMultiscalarMul;
use zkagg_mpc::sharing::SecretSharing;
use zkagg_zk::link::LinkGens;
use zkagg_zk::pedersen::Commitment;
use zkagg_zk::Fr;

/// Public parameters of a consortium.
pub struct Setup<Rel, S> {
    /// The config.
    pub config: ConsortiumConfig,
    /// Its id.
    pub config_id: [u8; 32],
    /// The relation providers prove.
    pub relation: Rel,
    /// The sharing scheme.
    pub sharing: S,
    /// Pedersen and linking generators for vectors of length d + 1.
    pub gens: LinkGens,
    /// Reconstruction coefficients over all S aggregators (all 1 for additive
    /// sharing, Lagrange at 0 for Shamir).
    pub lambda: Vec<Fr>,
}

impl<Rel: UpdateRelation, S: SecretSharing> Setup<Rel, S> {
    /// Derives the public parameters.
    pub fn new(config: ConsortiumConfig, relation: Rel, sharing: S) -> Result<Self, AggError> {
        config.validate()?;
        if relation.dim() != config.dim as usize {
            return Err(AggError::Config(format!(
                "relation dimension {} != config dimension {}",
                relation.dim(),
                config.dim
            )));
        }
        if sharing.num_parties() != config.num_aggregators() {
            return Err(AggError::Config(
                "sharing scheme and aggregator count differ".into(),
            ));
        }
        let config_id = config.id();
        let gens = LinkGens::new(&config_id, config.dim as usize + 1);
        let parties: Vec<usize> = (0..config.num_aggregators()).collect();
        let lambda = sharing
            .reconstruction_coefficients(&parties)
            .map_err(|e| AggError::Config(e.to_string()))?;
        Ok(Setup {
            config,
            config_id,
            relation,
            sharing,
            gens,
            lambda,
        })
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
