//! Public parameters shared by every role: the config, its id, the relation,
//! the sharing scheme and the commitment/linking generators.

use crate::config::ConsortiumConfig;
use crate::error::AggError;
use crate::relation::UpdateRelation;
use zkagg_mpc::sharing::SecretSharing;
use zkagg_zk::link::LinkGens;

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
        Ok(Setup {
            config,
            config_id,
            relation,
            sharing,
            gens,
        })
    }

    /// Length of the shared vector v = (Delta, beta).
    pub fn vec_len(&self) -> usize {
        self.config.dim as usize + 1
    }
}
