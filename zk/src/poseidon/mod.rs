//! Poseidon over F, the ristretto255 scalar field: the permutation, a sponge
//! and a fixed-length hash.
//!
//! # What it computes
//!
//! The Poseidon permutation of Grassi, Khovratovich, Rechberger, Roy and
//! Schofnegger, "Poseidon: A New Hash Function for Zero-Knowledge Proof
//! Systems" (USENIX Security 2021, ePrint 2019/458), over
//! F = Z_l, l = 2^252 + 27742317777372353535851937790883648493 (n = 253 bits),
//! with the S-box x^5 (gcd(5, l - 1) = 1; x^3 is not a permutation of F). A
//! state of `T` elements goes through R_F/2 full rounds, R_P partial rounds
//! and R_F/2 full rounds; each round adds T round constants, applies x^5 to
//! every element (full) or to element 0 only (partial), then multiplies the
//! state by the T x T MDS matrix M.
//!
//! # Parameters
//!
//! | width T | rate | R_F | R_P | S-boxes | R1CS constraints (gadget) |
//! |---------|------|-----|-----|---------|---------------------------|
//! | 3       | 2    | 8   | 57  | 81      | 263                       |
//! | 5       | 4    | 8   | 60  | 100     | 325                       |
//! | 9       | 8    | 8   | 63  | 135     | 437                       |
//!
//! (3 per S-box, plus one per long partial-round input the gadget copies
//! into its own variable: see [`crate::gadgets::poseidon`].)
//!
//! Constants are derived, not pasted: [`Params::generate`] runs the paper's
//! procedure (its Appendix F and the reference script
//! `generate_params_poseidon.sage`): the Grain LFSR in self-shrinking mode,
//! seeded with field = 1 (prime field), S-box code 0 (x^alpha), n = 253, T,
//! R_F and R_P, 160 bits discarded; T(R_F + R_P) round constants as n-bit
//! samples (most significant bit first) with samples >= l rejected; then the
//! Cauchy MDS matrix M\[i\]\[j\] = 1/(x_i + y_j) on the next 2T samples reduced
//! mod l, which passes the reference's subspace-trail checks
//! ([`mds_subspace_checks`]) at its first draw. Each width's instance is
//! computed once, on first use ([`params`]).
//!
//! The partial rounds are evaluated in an equivalent sparse form (each linear
//! layer rewritten as a sparse matrix with 2T - 1 non-trivial entries, as in
//! the paper's Appendix B), checked against the round-by-round definition
//! ([`Params::permute_plain`]) and the reference vectors.
//!
//! **Round numbers.** Two sources give round numbers for x^5, a ~254-bit prime
//! and 128-bit security. The PyPI package `poseidon-hash` 0.1.4, which
//! evaluates the paper's bounds (statistical, interpolation and Groebner-basis
//! attacks) and adds the paper's margin (+2 full rounds, +7.5% partial rounds),
//! gives (R_F, R_P) = (8, 56) for T = 3 and T = 5 and (8, 57) for T = 9 for
//! this l. The table used by the widely deployed 254-bit instances lists
//! R_P = 57 for T = 3, 60 for T = 5 and 63 for T = 9 (its generating script
//! rounds R_P up to a multiple of T). Where they differ we take the larger:
//! R_F = 8 with R_P = 57 (T = 3), 60 (T = 5) and 63 (T = 9), one to six
//! partial rounds above the package's count. The bounds depend on n only
//! through min(M, n) and n/2 against M/3, so the 253-bit l needs no more
//! rounds than the 254-bit BN254 field the table was made for.
//!
//! **Widths in use.** T = 5 (rate 4) is the default ([`hash`], the sponges):
//! 81.25 R1CS constraints and about 265 native field multiplications per
//! absorbed element, against 131.5 constraints at T = 3. T = 9 (rate 8) costs
//! 54.6 constraints per element; the update hash
//! ([`crate::update::update_hash`]) uses it because its messages are long
//! (d / 15 elements for d 16-bit values) and the bounded-update relation at
//! d = 100,000 then fits in 2^21 constraints. Its partial-round combinations
//! grow to T + R_P terms, which the gadget caps by copying long inputs into
//! their own variable.
//!
//! **Security.** 128 bits against the attacks the paper's round-number
//! inequalities cover, with the paper's margin; we did not re-derive the
//! bounds against algebraic attacks published after it.
//!
//! # Sponge and hash
//!
//! The state is (capacity, rate): element 0 is the capacity (one element,
//! about 126 bits of generic security), elements 1..T are the rate (T - 1
//! elements). The capacity starts as a **domain tag**, an element of F derived
//! from a label and the input length (see [`domain_tag`]):
//!
//! tag = SHA-512(`DOMAIN_TAG_DST` || u8 T || u64le |label| || label ||
//! u8 mode || u64le length) mod l,
//!
//! with mode 0 and the message length for [`hash`] (fixed length), mode 1 and
//! length 0 for [`Sponge`] (variable length). The rate starts at zero.
//! - [`hash`] / [`hash_with`] (fixed length L): the message is cut into blocks
//!   of T - 1 elements, the last one padded with zeros (one all-zero block if
//!   L = 0); each block is added into the rate and the state permuted; the
//!   output is element 1. Zero padding is injective because L is in the tag.
//! - [`Sponge`] (variable length, absorb then squeeze): the message is padded
//!   with a single 1 and then zeros to a whole number of blocks (10* padding),
//!   injective for all lengths; blocks are absorbed as above; outputs are read
//!   from elements 1, 2, .., T - 1, permuting again when the rate is used up.
//!
//! Fixed- and variable-length hashes and different labels get different tags,
//! so their outputs are independent. The R1CS gadget
//! (`crate::gadgets::poseidon`) computes exactly the same functions.
//!
//! Known-answer vectors for the permutation, the round constants and the MDS
//! matrix come from the independent Python package `poseidon-hash` 0.1.4 (see
//! `zk/tests/vectors/poseidon/README.md`).
//!
//! **Not audited.**

mod error;
mod params;
mod sponge;

pub use error::ParamsError;
pub use params::{mds_subspace_checks, MdsConstruction, Params, ParamsSpec, FIELD_BITS};
pub use sponge::{domain_tag, hash, hash_with, InputLength, Sponge, SpongeOutput, DOMAIN_TAG_DST};

use crate::field::Fr;
use std::sync::OnceLock;

/// The default width (rate 4), used by [`hash`].
pub const WIDTH: usize = 5;

/// Marker type naming a Poseidon width; `Width<T>` implements [`Instance`]
/// for the widths zkagg fixes round numbers for (3, 5 and 9).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Width<const T: usize>;

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Width<3> {}
    impl Sealed for super::Width<5> {}
    impl Sealed for super::Width<9> {}
}

/// A width with fixed round numbers and a cached parameter set.
pub trait Instance<const T: usize>: sealed::Sealed {
    /// Number of full rounds R_F.
    const FULL_ROUNDS: usize;
    /// Number of partial rounds R_P.
    const PARTIAL_ROUNDS: usize;
    /// The instance's parameters, derived on first use and cached.
    fn params() -> &'static Params<T>;
}

fn derive<const T: usize>(full: usize, partial: usize) -> Params<T> {
    // The spec is a constant; `paper_instances_derive` tests that it derives.
    Params::generate(&ParamsSpec::paper(full, partial))
        .expect("fixed Poseidon instance derives (tested)")
}

impl Instance<3> for Width<3> {
    const FULL_ROUNDS: usize = 8;
    const PARTIAL_ROUNDS: usize = 57;
    fn params() -> &'static Params<3> {
        static P: OnceLock<Params<3>> = OnceLock::new();
        P.get_or_init(|| derive(Self::FULL_ROUNDS, Self::PARTIAL_ROUNDS))
    }
}

impl Instance<5> for Width<5> {
    const FULL_ROUNDS: usize = 8;
    const PARTIAL_ROUNDS: usize = 60;
    fn params() -> &'static Params<5> {
        static P: OnceLock<Params<5>> = OnceLock::new();
        P.get_or_init(|| derive(Self::FULL_ROUNDS, Self::PARTIAL_ROUNDS))
    }
}

impl Instance<9> for Width<9> {
    const FULL_ROUNDS: usize = 8;
    const PARTIAL_ROUNDS: usize = 63;
    fn params() -> &'static Params<9> {
        static P: OnceLock<Params<9>> = OnceLock::new();
        P.get_or_init(|| derive(Self::FULL_ROUNDS, Self::PARTIAL_ROUNDS))
    }
}

/// The parameters of the width-`T` instance.
pub fn params<const T: usize>() -> &'static Params<T>
where
    Width<T>: Instance<T>,
{
    <Width<T> as Instance<T>>::params()
}

/// Applies the width-`T` Poseidon permutation to `state` in place.
pub fn permute<const T: usize>(state: &mut [Fr; T])
where
    Width<T>: Instance<T>,
{
    params::<T>().permute(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_instances_derive() {
        let p3 = Params::<3>::generate(&ParamsSpec::paper(8, 57)).unwrap();
        assert_eq!(p3.round_constants().len(), 65);
        let p5 = Params::<5>::generate(&ParamsSpec::paper(8, 60)).unwrap();
        assert_eq!(p5.round_constants().len(), 68);
        assert_eq!(params::<3>().mds(), p3.mds());
        assert_eq!(params::<5>().round_constants(), p5.round_constants());
        let p9 = Params::<9>::generate(&ParamsSpec::paper(8, 63)).unwrap();
        assert_eq!(p9.round_constants().len(), 71);
        assert_eq!(params::<9>().mds(), p9.mds());
    }

    #[test]
    fn permutation_is_not_trivial() {
        let mut a = [Fr::ZERO; 5];
        permute(&mut a);
        let mut b = [Fr::ZERO; 5];
        b[4] = Fr::ONE;
        permute(&mut b);
        assert_ne!(a, b);
        assert_ne!(a, [Fr::ZERO; 5]);
    }
}
