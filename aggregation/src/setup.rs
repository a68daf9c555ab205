//! Public parameters shared by every role: the config, its id, the relation,
//! the sharing scheme and the commitment/linking generators.
//!
//! [`Setup::new`] is where the config binds what is run: the relation and
//! the sharing scheme describe themselves ([`UpdateRelation::config`],
//! [`SharingScheme::config`]) and must equal what the config names, so a
//! config that says "16-bit bound" cannot be run with a 32-bit relation.

use crate::config::{ConsortiumConfig, SharingConfig};
use crate::error::{AggError, ConfigError};
use crate::party::AggregatorId;
use crate::relation::UpdateRelation;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
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

    /// Parity checks of the scheme: rows mu (one coefficient per party)
    /// with sum_s mu_s x_s = 0 for every consistent sharing (x_1..x_S) of
    /// any vector, and for no inconsistent one once all rows hold. Empty
    /// when every tuple is a sharing (additive S-of-S). Applied to the
    /// Pedersen commitments C_s (blinds shared the same way), they let
    /// anyone check that every qualified subset reconstructs the same
    /// vector.
    fn consistency_rows(&self) -> Vec<Vec<Fr>> {
        Vec::new()
    }
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

    /// For each party s' >= t: x_{s'} equals the interpolation of the
    /// first t parties' values at x_{s'} (row: the Lagrange coefficients
    /// of parties 0..t at x_{s'}, and -1 at s').
    fn consistency_rows(&self) -> Vec<Vec<Fr>> {
        let (t, n) = (self.threshold(), self.num_parties());
        let xs: Vec<Fr> = (0..t).map(Shamir::evaluation_point).collect();
        (t..n)
            .map(|extra| {
                let x = Shamir::evaluation_point(extra);
                let mut row = vec![Fr::ZERO; n];
                for (k, xk) in xs.iter().enumerate() {
                    let mut num = Fr::ONE;
                    let mut den = Fr::ONE;
                    for (j, xj) in xs.iter().enumerate() {
                        if j != k {
                            num *= x - xj;
                            den *= xk - xj;
                        }
                    }
                    // Distinct points 1..=n: den is never zero.
                    row[k] = num * den.invert();
                }
                row[extra] = -Fr::ONE;
                row
            })
            .collect()
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
    consistency: Vec<Vec<Fr>>,
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
        let consistency = sharing.consistency_rows();
        Ok(Setup {
            config,
            config_id,
            relation,
            sharing,
            gens,
            lambda,
            consistency,
        })
    }

    /// Reconstruction coefficients over the aggregators `parties`
    /// (strictly ascending, at least t of them), from the scheme.
    pub fn lambda_for(&self, parties: &[AggregatorId]) -> Result<Vec<Fr>, AggError> {
        let idx: Vec<usize> = parties.iter().map(|s| s.index()).collect();
        Ok(self.sharing.reconstruction_coefficients(&idx)?)
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

    /// The scheme's parity checks ([`SharingScheme::consistency_rows`]).
    pub fn consistency_rows(&self) -> &[Vec<Fr>] {
        &self.consistency
    }

    /// Whether `cs` (one commitment per aggregator) commits to a
    /// consistent sharing: every parity check of the scheme sums to the
    /// identity. Always true for additive sharing.
    pub fn shares_consistent(&self, cs: &[Commitment]) -> bool {
        cs.len() == self.lambda.len()
            && self.consistency.iter().all(|row| {
                RistrettoPoint::vartime_multiscalar_mul(row.iter(), cs.iter().map(|c| &c.0))
                    .is_identity()
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
