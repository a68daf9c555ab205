//! The data commitment c_D and the update hash h, natively and in-circuit,
//! and the linear form y = Horner(Delta || beta, rho).

use super::config::TrainConfig;
use super::dataset::{Dataset, LabelKind};
use super::error::ModelError;
use crate::error::SynthesisError;
use crate::field::{from_i64, pow2, Fr};
use crate::gadgets::pack;
use crate::gadgets::poseidon::SpongeGadget;
use crate::poseidon::{Sponge, WIDTH};
use crate::r1cs::{ConstraintSystem, LinearCombination};

/// Sponge label of the data commitment.
pub const DATA_DOMAIN: &[u8] = b"data";

/// Packs values in [0, 2^w) into sum_i 2^(w i) x_i (native twin of
/// [`crate::gadgets::pack::pack`]).
pub fn pack_unsigned_native(xs: &[i64], w: usize) -> Fr {
    let mut acc = Fr::ZERO;
    for (i, &x) in xs.iter().enumerate() {
        acc += from_i64(x) * pow2((w * i) as u32);
    }
    acc
}

/// How one section of a message is packed.
#[derive(Clone, Copy)]
enum Packing {
    Signed(usize),
    Unsigned(usize),
}

impl Packing {
    fn width(self) -> usize {
        match self {
            Packing::Signed(w) | Packing::Unsigned(w) => w,
        }
    }

    fn native(self, xs: &[i64]) -> Vec<Fr> {
        xs.chunks(pack::per_element(self.width()))
            .map(|c| match self {
                Packing::Signed(w) => pack::pack_signed_native(c, w),
                Packing::Unsigned(w) => pack_unsigned_native(c, w),
            })
            .collect()
    }

    fn gadget(self, xs: &[LinearCombination]) -> Result<Vec<LinearCombination>, SynthesisError> {
        xs.chunks(pack::per_element(self.width()))
            .map(|c| match self {
                Packing::Signed(w) => pack::pack_signed(c, w),
                Packing::Unsigned(w) => pack::pack(c, w),
            })
            .collect()
    }
}

fn label_packing(cfg: &TrainConfig, kind: LabelKind) -> Packing {
    match kind {
        LabelKind::Binary => Packing::Unsigned(1),
        LabelKind::Fixed => Packing::Signed(cfg.data_format.total_bits as usize),
    }
}

/// The data message absorbed by the commitment, before the salt: the N x f
/// features of the padded data set, row-major, packed `per_element(B_x)`
/// per element with `pack_signed` at width B_x; the N labels, packed 252 per
/// element at width 1 (binary) or `per_element(B_x)` per element with
/// `pack_signed` at width B_x (fixed); the N mask bits (1 for the n real
/// rows, then 0), packed 252 per element at width 1. Padding rows are zero.
pub fn data_message(
    cfg: &TrainConfig,
    kind: LabelKind,
    data: &Dataset,
) -> Result<Vec<Fr>, ModelError> {
    data.check(cfg, kind)?;
    let (n, nmax, f) = (data.num_samples(), cfg.max_samples, cfg.num_features);
    let mut x = data.features().to_vec();
    x.resize(nmax * f, 0);
    let mut y = data.labels().to_vec();
    y.resize(nmax, 0);
    let mut m = vec![1i64; n];
    m.resize(nmax, 0);
    let mut msg = Packing::Signed(cfg.data_format.total_bits as usize).native(&x);
    msg.extend(label_packing(cfg, kind).native(&y));
    msg.extend(Packing::Unsigned(1).native(&m));
    Ok(msg)
}

/// c_D = Sponge_T5("data", data_message(D) || salt): the provider's data
/// commitment, posted at registration.
pub fn commit_data(
    cfg: &TrainConfig,
    kind: LabelKind,
    data: &Dataset,
    salt: &Fr,
) -> Result<Fr, ModelError> {
    let mut sp = Sponge::<WIDTH>::new(DATA_DOMAIN);
    sp.absorb_slice(&data_message(cfg, kind, data)?);
    sp.absorb(*salt);
    Ok(sp.squeeze())
}

/// In-circuit twin of [`commit_data`] over the padded rows' variables (the
/// caller range-checks them, which makes the packing injective).
pub fn commit_data_gadget<CS: ConstraintSystem + ?Sized>(
    cs: &mut CS,
    cfg: &TrainConfig,
    kind: LabelKind,
    x: &[LinearCombination],
    y: &[LinearCombination],
    m: &[LinearCombination],
    salt: LinearCombination,
) -> Result<LinearCombination, SynthesisError> {
    let mut sp = SpongeGadget::<WIDTH>::new(DATA_DOMAIN);
    sp.absorb_slice(
        cs,
        &Packing::Signed(cfg.data_format.total_bits as usize).gadget(x)?,
    )?;
    sp.absorb_slice(cs, &label_packing(cfg, kind).gadget(y)?)?;
    sp.absorb_slice(cs, &Packing::Unsigned(1).gadget(m)?)?;
    sp.absorb(cs, salt)?;
    sp.squeeze(cs)
}

/// Checks an update: d coordinates, each in [-B, B].
pub fn check_update(cfg: &TrainConfig, delta: &[i64]) -> Result<(), ModelError> {
    if delta.len() != cfg.dim() {
        return Err(ModelError::WrongLength {
            what: "update",
            expected: cfg.dim(),
            got: delta.len(),
        });
    }
    let b = cfg.clip_bound.min(i64::MAX as u64) as i64;
    for (index, &value) in delta.iter().enumerate() {
        if value < -b || value > b {
            return Err(ModelError::OutOfRange {
                what: "update",
                index,
                value,
                min: -b,
                max: b,
            });
        }
    }
    Ok(())
}

/// h, the update hash of SPEC.md section 8.4 ([`crate::update::update_hash`]),
/// with Delta packed at width b = `widths().delta_bits` (bitlen(B) + 1), after
/// checking |Delta_j| <= B.
pub fn update_hash(
    cfg: &TrainConfig,
    delta: &[i64],
    beta: &Fr,
    salt: &Fr,
) -> Result<Fr, ModelError> {
    check_update(cfg, delta)?;
    let w = cfg.widths()?;
    Ok(crate::update::update_hash(delta, w.delta_bits, beta, salt))
}

/// In-circuit twin of [`update_hash`] (the caller guarantees |Delta_j| <= B).
pub fn update_hash_gadget<CS: ConstraintSystem + ?Sized>(
    cs: &mut CS,
    delta_bits: usize,
    delta: &[LinearCombination],
    beta: LinearCombination,
    salt: LinearCombination,
) -> Result<LinearCombination, SynthesisError> {
    crate::update::update_hash_gadget(cs, delta, delta_bits, beta, salt)
}

/// v = (Delta_0, .., Delta_{d-1}, beta) as field elements (signed embedding),
/// the vector that is secret-shared and Pedersen-committed.
pub use crate::update::update_vector;

/// y = sum_j v_j rho^j for v = [`update_vector`]: Horner(Delta || beta, rho).
pub fn evaluate_update(delta: &[i64], beta: &Fr, rho: &Fr) -> Fr {
    crate::gadgets::horner::horner_native(&update_vector(delta, beta), rho)
}
