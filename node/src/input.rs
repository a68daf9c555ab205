//! A provider's private input, per relation: for the bounded-vector
//! relation the demo updates ([`crate::config::demo_update`]); for R_train a
//! data set (the provider's own CSV file, or its shard of a bundled data
//! set) scaled with the config's fixed [`DataSchema`], quantised, and opened
//! with a salt derived from the provider's signing key and the config id.
//!
//! The salt is derived, not drawn, so that a restarted provider computes the
//! same data commitment c_D as the one it registered (the first
//! registration on the bulletin stands; a provider whose data no longer
//! matches it stops with [`InputError::DataChanged`] rather than posting
//! contributions that fail). It is as secret as the signing key it comes
//! from, so c_D stays hiding.
//!
//! Every file is read with a size cap, every bad row is an error naming its
//! line; nothing here panics on a provider's input.

use crate::config::{read_capped, ConfigFileError, NodeConfig};
use ed25519_dalek::SigningKey;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use thiserror::Error;
use zkagg_aggregation::config::{DataSchema, ScaledColumn};
use zkagg_aggregation::relation::{BoundedVectorRelation, TrainRelation, UpdateRelation};
use zkagg_aggregation::ProviderId;
use zkagg_data::{parse_provider_csv, provider_shards, Bundled, CsvSchema, DataError, Scaling};
use zkagg_zk::model::{DataOpening, Model};

/// Largest data file a provider reads (bytes).
pub const MAX_DATA_BYTES: u64 = 256 << 20;

/// Where a provider's data comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataSource {
    /// The provider's own CSV file.
    Csv(PathBuf),
    /// Its shard of a bundled data set ([`provider_shards`] with the
    /// operations seed).
    Bundled(Bundled),
}

/// Why a provider has no input.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum InputError {
    /// R_train needs a data source.
    #[error("the train relation needs data: give --data FILE.csv or --dataset NAME")]
    NoData,
    /// The bounded-vector relation reads no data.
    #[error("the bounded-vector relation reads no data; drop --data/--dataset")]
    NotForRelation,
    /// The config names no data schema.
    #[error("the config has no [consortium.data] schema to scale the data with")]
    NoSchema,
    /// The data file could not be read.
    #[error(transparent)]
    File(#[from] ConfigFileError),
    /// The data set is malformed or does not fit the schema.
    #[error("{origin}: {error}")]
    Data {
        /// The file or data set.
        origin: String,
        /// What is wrong (with the line, for a file).
        error: DataError,
    },
    /// The data set does not fit the training configuration.
    #[error("{origin}: {error}")]
    Train {
        /// The file or data set.
        origin: String,
        /// What is wrong.
        error: zkagg_aggregation::AggError,
    },
    /// The provider's registered data commitment is not that of its data.
    #[error("the data commitment registered on the bulletin is not that of the data given: the data changed since registration")]
    DataChanged,
}

/// A provider's input for round t.
pub type InputFn<I> = Box<dyn Fn(u64) -> I + Send + Sync>;

/// A relation the node's services run: it knows how a provider gets its
/// private input.
pub trait NodeRelation:
    UpdateRelation<ProverInput: Send + Sync + 'static> + Send + Sync + 'static
{
    /// Provider `me`'s input source from the config, its signing key and
    /// the data source it was given.
    fn provider_input(
        &self,
        config: &NodeConfig,
        me: ProviderId,
        key: &SigningKey,
        data: Option<&DataSource>,
    ) -> Result<InputFn<Self::ProverInput>, InputError>;
}

impl NodeRelation for BoundedVectorRelation {
    fn provider_input(
        &self,
        config: &NodeConfig,
        me: ProviderId,
        _key: &SigningKey,
        data: Option<&DataSource>,
    ) -> Result<InputFn<Vec<i64>>, InputError> {
        if data.is_some() {
            return Err(InputError::NotForRelation);
        }
        let (seed, d) = (config.operations.seed, self.dim());
        let zkagg_aggregation::config::RelationConfig::BoundedVector { bits } = self.config()
        else {
            return Err(InputError::NotForRelation);
        };
        Ok(Box::new(move |round| {
            crate::config::demo_update(seed, me, round, d, bits)
        }))
    }
}

impl<M: Model + 'static> NodeRelation for TrainRelation<M> {
    fn provider_input(
        &self,
        config: &NodeConfig,
        me: ProviderId,
        key: &SigningKey,
        data: Option<&DataSource>,
    ) -> Result<InputFn<DataOpening>, InputError> {
        let schema = config
            .consortium
            .data
            .as_ref()
            .ok_or(InputError::NoSchema)?;
        let cfg = self.train_config();
        let kind = self.model().label_kind();
        let scaling = scaling_of(schema);
        // The file or data set, and its rows scaled and quantised (a data
        // error names the origin, and the line of a file).
        let (source, parsed) = match data.ok_or(InputError::NoData)? {
            DataSource::Csv(path) => {
                let text = read_capped(path, MAX_DATA_BYTES)?;
                let parsed = parse_provider_csv(
                    &text,
                    &csv_schema_of(schema),
                    &scaling,
                    cfg.data_format,
                    kind,
                    cfg.max_samples,
                )
                .map(|(d, saturated)| {
                    if saturated > 0 {
                        tracing::warn!(saturated, "values beyond the data format winsorised");
                    }
                    Some(d)
                });
                (path.display().to_string(), parsed)
            }
            DataSource::Bundled(b) => {
                let shard = provider_shards(
                    &b.load(),
                    &scaling,
                    cfg.data_format,
                    kind,
                    config.consortium.num_providers(),
                    cfg.max_samples,
                    config.operations.seed,
                )
                .map(|p| p.shards.into_iter().nth(me.index()));
                (b.name().to_owned(), shard)
            }
        };
        let dataset = match parsed {
            Ok(Some(d)) => d,
            Ok(None) => return Err(InputError::NoData),
            Err(error) => {
                return Err(InputError::Data {
                    origin: source,
                    error,
                })
            }
        };
        let rows = dataset.num_samples();
        let opening = DataOpening::new(dataset, &mut salt_rng(key, &config.consortium.id()));
        // Refuse now a data set the training step would refuse every round.
        if let Err(error) = self.compute_update(&config.consortium.initial_model, &opening) {
            return Err(InputError::Train {
                origin: source,
                error,
            });
        }
        tracing::info!(%source, rows, "data loaded");
        Ok(Box::new(move |_| opening.clone()))
    }
}

/// The RNG the data salt is drawn from: ChaCha20 seeded with
/// SHA-256("zkagg/data-salt/v1" || signing key || config id).
fn salt_rng(key: &SigningKey, config_id: &[u8; 32]) -> ChaCha20Rng {
    let mut h = Sha256::new();
    h.update(b"zkagg/data-salt/v1");
    h.update(key.to_bytes());
    h.update(config_id);
    ChaCha20Rng::from_seed(h.finalize().into())
}

/// The [`Scaling`] a data schema fixes.
pub fn scaling_of(schema: &DataSchema) -> Scaling {
    Scaling {
        features: schema.features.iter().map(|c| c.name.clone()).collect(),
        offset: schema.features.iter().map(|c| c.offset).collect(),
        scale: schema.features.iter().map(|c| c.scale).collect(),
        target_offset: schema.label.offset,
        target_scale: schema.label.scale,
    }
}

/// The CSV columns a data schema names.
pub fn csv_schema_of(schema: &DataSchema) -> CsvSchema {
    let names: Vec<&str> = schema.features.iter().map(|c| c.name.as_str()).collect();
    CsvSchema::new(&names, &schema.label.name)
}

/// The data schema of a scaling and a label column name (an unnamed
/// scaling's features are named `x0`, `x1`, ...).
pub fn data_schema(scaling: &Scaling, label: &str) -> DataSchema {
    let name = |i: usize| {
        scaling
            .features
            .get(i)
            .cloned()
            .unwrap_or_else(|| format!("x{i}"))
    };
    DataSchema {
        features: scaling
            .offset
            .iter()
            .zip(&scaling.scale)
            .enumerate()
            .map(|(i, (&offset, &scale))| ScaledColumn {
                name: name(i),
                offset,
                scale,
            })
            .collect(),
        label: ScaledColumn {
            name: label.to_owned(),
            offset: scaling.target_offset,
            scale: scaling.target_scale,
        },
    }
}
