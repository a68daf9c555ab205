//! Domain tags, the variable-length sponge and the fixed-length hash.

use super::{params, Instance, Width, WIDTH};
use crate::field::Fr;
use sha2::{Digest, Sha512};

/// Versioned domain separator for deriving capacity tags.
pub const DOMAIN_TAG_DST: &[u8] = b"zkagg/poseidon/v1/domain-tag";

/// How a hash input's length is fixed, as bound into the domain tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputLength {
    /// A fixed-length hash of exactly this many elements (zero padding).
    Fixed(u64),
    /// A variable-length sponge (10* padding).
    Variable,
}

/// The capacity element a width-`T` hash starts from:
/// SHA-512(`DOMAIN_TAG_DST` || u8 T || u64le |label| || label || u8 mode ||
/// u64le length) reduced mod l, with (mode, length) = (0, L) for
/// [`InputLength::Fixed`]`(L)` and (1, 0) for [`InputLength::Variable`].
pub fn domain_tag<const T: usize>(label: &[u8], len: InputLength) -> Fr {
    let (mode, n) = match len {
        InputLength::Fixed(n) => (0u8, n),
        InputLength::Variable => (1u8, 0),
    };
    let mut h = Sha512::new();
    h.update(DOMAIN_TAG_DST);
    h.update([T as u8]);
    h.update((label.len() as u64).to_le_bytes());
    h.update(label);
    h.update([mode]);
    h.update(n.to_le_bytes());
    let wide: [u8; 64] = h.finalize().into();
    Fr::from_bytes_mod_order_wide(&wide)
}

/// Fixed-length hash with the width-`T` permutation: capacity = the
/// [`InputLength::Fixed`] tag of `label` and `msg.len()`; blocks of T - 1
/// elements, the last zero-padded (one zero block for an empty message), each
/// added into the rate and followed by a permutation; returns element 1.
pub fn hash_with<const T: usize>(label: &[u8], msg: &[Fr]) -> Fr
where
    Width<T>: Instance<T>,
{
    let p = params::<T>();
    let mut state = [Fr::ZERO; T];
    state[0] = domain_tag::<T>(label, InputLength::Fixed(msg.len() as u64));
    if msg.is_empty() {
        p.permute(&mut state);
    }
    for block in msg.chunks(T - 1) {
        for (s, m) in state[1..].iter_mut().zip(block) {
            *s += m;
        }
        p.permute(&mut state);
    }
    state[1]
}

/// Fixed-length hash with the default width ([`WIDTH`] = 5, rate 4); see
/// [`hash_with`].
pub fn hash(label: &[u8], msg: &[Fr]) -> Fr {
    hash_with::<WIDTH>(label, msg)
}

/// A variable-length Poseidon sponge in its absorbing phase.
///
/// Capacity = the [`InputLength::Variable`] tag of the label. Absorbed
/// elements are added into the rate, with a permutation before each new
/// block; [`Sponge::finish`] pads with 1 then zeros (10*), permutes, and
/// moves to the squeezing phase. Absorbing after squeezing is not possible:
/// `finish` consumes the sponge.
#[derive(Clone, Debug)]
pub struct Sponge<const T: usize> {
    state: [Fr; T],
    /// Rate elements of the current block already used (0..=T-1).
    pos: usize,
}

impl<const T: usize> Sponge<T>
where
    Width<T>: Instance<T>,
{
    /// A sponge for messages under `label`.
    pub fn new(label: &[u8]) -> Self {
        let mut state = [Fr::ZERO; T];
        state[0] = domain_tag::<T>(label, InputLength::Variable);
        Sponge { state, pos: 0 }
    }

    /// Absorbs one element.
    pub fn absorb(&mut self, x: Fr) {
        if self.pos == T - 1 {
            params::<T>().permute(&mut self.state);
            self.pos = 0;
        }
        self.state[1 + self.pos] += x;
        self.pos += 1;
    }

    /// Absorbs a slice of elements, in order.
    pub fn absorb_slice(&mut self, xs: &[Fr]) {
        for x in xs {
            self.absorb(*x);
        }
    }

    /// Pads (10*) and permutes; returns the squeezing phase.
    pub fn finish(mut self) -> SpongeOutput<T> {
        self.absorb(Fr::ONE);
        params::<T>().permute(&mut self.state);
        SpongeOutput {
            state: self.state,
            pos: 0,
        }
    }

    /// Shorthand for `finish().squeeze()`: the first output element.
    pub fn squeeze(self) -> Fr {
        self.finish().squeeze()
    }
}

/// A sponge in its squeezing phase.
#[derive(Clone, Debug)]
pub struct SpongeOutput<const T: usize> {
    state: [Fr; T],
    pos: usize,
}

impl<const T: usize> SpongeOutput<T>
where
    Width<T>: Instance<T>,
{
    /// The next output element (rate elements 1..T in order, permuting when
    /// they are used up).
    pub fn squeeze(&mut self) -> Fr {
        if self.pos == T - 1 {
            params::<T>().permute(&mut self.state);
            self.pos = 0;
        }
        self.pos += 1;
        self.state[self.pos]
    }

    /// The next `n` output elements.
    pub fn squeeze_many(&mut self, n: usize) -> Vec<Fr> {
        (0..n).map(|_| self.squeeze()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poseidon::permute;

    fn v(n: u64) -> Vec<Fr> {
        (1..=n).map(Fr::from).collect()
    }

    #[test]
    fn hash_matches_its_definition() {
        // Five elements with width 5: two blocks, the second zero-padded.
        let msg = v(5);
        let mut s = [Fr::ZERO; 5];
        s[0] = domain_tag::<5>(b"t", InputLength::Fixed(5));
        s[1..].copy_from_slice(&msg[..4]);
        permute(&mut s);
        s[1] += msg[4];
        permute(&mut s);
        assert_eq!(hash(b"t", &msg), s[1]);
        // Empty message: one permutation of (tag, 0, ..).
        let mut e = [Fr::ZERO; 3];
        e[0] = domain_tag::<3>(b"t", InputLength::Fixed(0));
        permute(&mut e);
        assert_eq!(hash_with::<3>(b"t", &[]), e[1]);
    }

    #[test]
    fn sponge_matches_its_definition() {
        // Two elements with width 3 fill one block; padding is a second block (1, 0).
        let mut s = [Fr::ZERO; 3];
        s[0] = domain_tag::<3>(b"s", InputLength::Variable);
        s[1] = Fr::from(1u8);
        s[2] = Fr::from(2u8);
        permute(&mut s);
        s[1] += Fr::ONE;
        permute(&mut s);
        let mut sp = Sponge::<3>::new(b"s");
        sp.absorb_slice(&v(2));
        let mut out = sp.finish();
        assert_eq!(out.squeeze(), s[1]);
        assert_eq!(out.squeeze(), s[2]);
        permute(&mut s);
        assert_eq!(out.squeeze(), s[1]);
    }

    #[test]
    fn domains_and_lengths_separate() {
        let m = v(4);
        let h = hash(b"a", &m);
        assert_ne!(h, hash(b"b", &m));
        // Trailing zeros: same blocks after zero padding, different tag.
        let mut m0 = m.clone();
        m0.push(Fr::ZERO);
        assert_ne!(h, hash(b"a", &m0));
        assert_ne!(hash(b"a", &[]), hash(b"a", &[Fr::ZERO]));
        // Variable-length sponge: 10* padding separates trailing zeros too.
        let sq = |xs: &[Fr]| {
            let mut s = Sponge::<5>::new(b"a");
            s.absorb_slice(xs);
            s.squeeze()
        };
        assert_ne!(sq(&m), sq(&m0));
        assert_ne!(sq(&[]), sq(&[Fr::ZERO]));
        let mut m1 = m.clone();
        m1.push(Fr::ONE);
        assert_ne!(sq(&m), sq(&m1));
        // Fixed and variable modes differ.
        assert_ne!(h, sq(&m));
        // Labels are length-prefixed in the tag.
        assert_ne!(
            domain_tag::<5>(b"ab", InputLength::Variable),
            domain_tag::<5>(b"a", InputLength::Variable)
        );
        assert_ne!(
            domain_tag::<3>(b"a", InputLength::Variable),
            domain_tag::<5>(b"a", InputLength::Variable)
        );
    }
}
