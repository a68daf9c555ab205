//! Shamir `t`-of-`n` sharing of vectors, coefficient-wise.
//!
//! **Sharing** (Shamir, "How to share a secret", CACM 1979). For each
//! coordinate `j` of `v in F^m` the dealer draws `a_{j,1}, ..., a_{j,t-1}`
//! uniformly from `F` and sets
//!
//! ```text
//! f_j(X) = v_j + a_{j,1} X + ... + a_{j,t-1} X^{t-1}.
//! ```
//!
//! Party `s in 0..n` has evaluation point `x_s = s + 1` and receives
//! `(f_j(x_s))_{j<m}`. The points are distinct and non-zero because
//! `n < l`.
//!
//! **Reconstruction.** For a set `P` of at least `t` distinct parties, the
//! Lagrange coefficients at 0,
//!
//! ```text
//! lambda_s = prod_{r in P, r != s} x_r / (x_r - x_s),
//! ```
//!
//! give `sum_{s in P} lambda_s f_j(x_s) = f_j(0) = v_j`, since `f_j` has
//! degree `t-1 <= |P|-1`. The map is linear, so it applies unchanged to
//! summed shares and to commitments to shares.
//!
//! **Privacy.** Perfect: for any `t-1` parties `T` and any two secrets,
//! the map `a -> a + (v' - v) * ell_T` (with `ell_T` the polynomial that is
//! 1 at 0 and 0 on `T`, shifted into the coefficients) is a bijection of the
//! dealer's randomness that turns a sharing of `v` into a sharing of `v'`
//! with the same view for `T`.
//!
//! **Not verifiable**: see the [module docs](super). A dealer can send
//! inconsistent points; nothing here detects it.
//!
//! **Not audited.**

use super::error::{Misuse, ShareFault, SharingError};
use super::msgs::ShamirShare;
use super::{check_parties, check_party, SecretSharing};
use curve25519_dalek::scalar::Scalar;
use rand_core::{CryptoRng, RngCore};

/// Shamir `t`-of-`n` sharing over `F = Z_l`, evaluation points `1..=n`.
/// See the [module docs](self).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shamir {
    threshold: usize,
    parties: usize,
}

impl Shamir {
    /// Shamir sharing with reconstruction threshold `threshold` among
    /// `parties` parties (polynomials of degree `threshold - 1`).
    ///
    /// Errors: [`Misuse::UnsupportedParameters`] if `threshold < 2` (a
    /// single share would reveal the secret);
    /// [`Misuse::ThresholdExceedsParties`] if `threshold > parties`.
    pub fn new(threshold: usize, parties: usize) -> Result<Shamir, SharingError> {
        if threshold < 2 {
            return Err(Misuse::UnsupportedParameters {
                reason: "Shamir sharing needs a threshold of at least 2",
            }
            .into());
        }
        if threshold > parties {
            return Err(Misuse::ThresholdExceedsParties { threshold, parties }.into());
        }
        Ok(Shamir { threshold, parties })
    }

    /// The evaluation point `x_s = s + 1` of party `s`.
    pub fn evaluation_point(party: usize) -> Scalar {
        Scalar::from(party as u64) + Scalar::ONE
    }
}

/// A uniform field element: 64 random bytes reduced mod `l` (what
/// `Scalar::random` does, for unsized RNGs too).
fn random_scalar<R: RngCore + CryptoRng + ?Sized>(rng: &mut R) -> Scalar {
    let mut wide = [0u8; 64];
    rng.fill_bytes(&mut wide);
    Scalar::from_bytes_mod_order_wide(&wide)
}

impl SecretSharing for Shamir {
    type Share = ShamirShare;

    fn num_parties(&self) -> usize {
        self.parties
    }

    fn threshold(&self) -> usize {
        self.threshold
    }

    fn share<R: RngCore + CryptoRng + ?Sized>(
        &self,
        v: &[Scalar],
        rng: &mut R,
    ) -> Result<Vec<ShamirShare>, SharingError> {
        let xs: Vec<Scalar> = (0..self.parties).map(Shamir::evaluation_point).collect();
        let mut shares: Vec<Vec<Scalar>> = (0..self.parties)
            .map(|_| Vec::with_capacity(v.len()))
            .collect();
        // a[k] is the coefficient of X^{k+1}.
        let mut a = vec![Scalar::ZERO; self.threshold - 1];
        for vj in v {
            for ak in a.iter_mut() {
                *ak = random_scalar(rng);
            }
            for (x, out) in xs.iter().zip(shares.iter_mut()) {
                // Horner: ((a_{t-1} x + a_{t-2}) x + ... + a_1) x + v_j.
                let mut y = Scalar::ZERO;
                for ak in a.iter().rev() {
                    y = (y + ak) * x;
                }
                out.push(y + vj);
            }
        }
        Ok(shares.into_iter().map(ShamirShare).collect())
    }

    fn validate_share(
        &self,
        party: usize,
        share: &ShamirShare,
        len: usize,
    ) -> Result<(), SharingError> {
        check_party(party, self.parties)?;
        if share.0.len() != len {
            return Err(SharingError::InvalidShare {
                party,
                fault: ShareFault::WrongLength {
                    expected: len,
                    actual: share.0.len(),
                },
            });
        }
        Ok(())
    }

    fn expand(
        &self,
        party: usize,
        share: &ShamirShare,
        len: usize,
    ) -> Result<Vec<Scalar>, SharingError> {
        self.validate_share(party, share, len)?;
        Ok(share.0.clone())
    }

    fn reconstruction_coefficients(&self, parties: &[usize]) -> Result<Vec<Scalar>, SharingError> {
        check_parties(parties, self.parties, self.threshold)?;
        let xs: Vec<Scalar> = parties
            .iter()
            .map(|&p| Shamir::evaluation_point(p))
            .collect();
        let mut num = vec![Scalar::ONE; xs.len()];
        let mut den = vec![Scalar::ONE; xs.len()];
        for (i, xi) in xs.iter().enumerate() {
            for (r, xr) in xs.iter().enumerate() {
                if r != i {
                    num[i] *= xr;
                    den[i] *= xr - xi;
                }
            }
        }
        // Distinct points in 1..=n with n < l: no denominator is zero.
        Scalar::batch_invert(&mut den);
        Ok(num.iter().zip(&den).map(|(n, d)| n * d).collect())
    }
}
