//! Conformance kit for [`SecretSharing`] implementations (STYLE item 11).
//!
//! [`sharing_conformance_tests!`](crate::sharing_conformance_tests)
//! `(module_name, scheme_expr)` expands to a test module that runs every
//! check below on `scheme_expr`, the property-based ones under proptest
//! (random secrets, lengths, seeds and numbers of providers). The invoking
//! crate needs `proptest` as a (dev-)dependency. Each implementation of
//! [`SecretSharing`] invokes it, once per parameter set of interest:
//!
//! ```ignore
//! zkagg_mpc::sharing_conformance_tests!(additive_3, Additive::new(3).unwrap());
//! ```
//!
//! The checks are plain functions, usable on their own. They **panic** on a
//! conformance failure (they are a test kit, not an API for untrusted input)
//! and are deterministic in their arguments.
//!
//! What is checked:
//!
//! - [`check_share_reconstruct`]: share-then-reconstruct is the identity,
//!   from every qualified set in any order; `share_seeded` is deterministic;
//!   `accumulate` agrees with `expand`.
//! - [`check_linearity`]: parties that add up the expanded shares of many
//!   providers reconstruct the sum of the secrets, from every qualified set;
//!   scaling all shares by `c` scales the secret by `c`.
//! - [`check_coefficients`]: the reconstruction coefficients, applied to the
//!   expanded shares and to a linear function of them (a stand-in for
//!   homomorphic commitments), give the secret; `reconstruct` agrees.
//! - [`check_encoding`]: canonical encoding round trip; every truncation,
//!   trailing bytes, and a non-canonical scalar (the same value plus `l`,
//!   and all-ones bytes) are rejected as the dealer's fault.
//! - [`check_privacy`]: smoke test that fewer than `threshold()` shares do
//!   not reveal the secret: every minimal qualified set needs every member
//!   (no zero Lagrange coefficient); the views of every set of
//!   `threshold()-1` parties over fresh sharings span the full space (for a
//!   linear scheme, equivalent to the view being uniform whatever the
//!   secret); and over many sharings the shares of
//!   every unqualified set of size `threshold()-1` look uniform (balanced
//!   low bits, of each share and of their sum, for a zero and for a random
//!   secret; never equal to the secret; never repeated). This is a smoke
//!   test, not a proof; scheme-specific tests should add a coupling argument
//!   (e.g. a fixed seed gives identical seed shares for any secret).
//! - [`check_arbitrary_parties`], [`check_decode_arbitrary`]: arbitrary
//!   party lists, lengths and bytes give `Ok` exactly when valid, never a
//!   panic.
//! - [`check_misuse`]: missing, duplicate and out-of-range parties, wrong
//!   counts and wrong lengths give `Err` (blaming the right party), never a
//!   panic.

use super::error::{Misuse, ShareFault, SharingError};
use super::SecretSharing;
use curve25519_dalek::scalar::Scalar;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

/// Expands to a test module `$name` that runs the conformance kit on the
/// scheme `$scheme` (an expression evaluated in the invoking module, with
/// `use super::*` in scope). See [`sharing::conformance`](crate::sharing::conformance).
///
/// The invoking crate needs `proptest` as a (dev-)dependency.
#[macro_export]
macro_rules! sharing_conformance_tests {
    ($name:ident, $scheme:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            use ::proptest::prelude::*;
            use $crate::sharing::conformance as kit;

            fn scheme() -> impl $crate::sharing::SecretSharing {
                $scheme
            }

            fn config() -> ProptestConfig {
                let mut config = ProptestConfig::with_cases(32);
                config.failure_persistence = None;
                config
            }

            proptest! {
                #![proptest_config(config())]

                #[test]
                fn share_then_reconstruct_is_identity(
                    seed in any::<[u8; 32]>(),
                    len in 0usize..24,
                ) {
                    kit::check_share_reconstruct(&scheme(), seed, len);
                }

                #[test]
                fn summed_shares_reconstruct_the_sum(
                    seed in any::<[u8; 32]>(),
                    len in 0usize..12,
                    providers in 1usize..8,
                ) {
                    kit::check_linearity(&scheme(), seed, len, providers);
                }

                #[test]
                fn reconstruction_coefficients_match_reconstruction(
                    seed in any::<[u8; 32]>(),
                    len in 0usize..12,
                ) {
                    kit::check_coefficients(&scheme(), seed, len);
                }

                #[test]
                fn encoding_is_canonical(
                    seed in any::<[u8; 32]>(),
                    len in 0usize..6,
                ) {
                    kit::check_encoding(&scheme(), seed, len);
                }
            }

            proptest! {
                #![proptest_config(config())]

                #[test]
                fn arbitrary_party_lists_never_panic(
                    parties in proptest::collection::vec(
                        0usize..scheme().num_parties() + 2,
                        0..scheme().num_parties() + 3,
                    ),
                    lens in proptest::collection::vec(
                        prop_oneof![4 => Just(3usize), 1 => 0usize..5],
                        0..scheme().num_parties() + 3,
                    ),
                ) {
                    kit::check_arbitrary_parties(&scheme(), &parties, &lens);
                }

                #[test]
                fn arbitrary_bytes_never_panic(
                    bytes in proptest::collection::vec(any::<u8>(), 0..200),
                    party in 0usize..12,
                    len in 0usize..4,
                ) {
                    kit::check_decode_arbitrary(&scheme(), &bytes, party, len);
                }
            }

            #[test]
            fn fewer_than_threshold_shares_look_independent_of_the_secret() {
                kit::check_privacy(&scheme(), [0x5a; 32]);
            }

            #[test]
            fn misuse_and_bad_peers_give_errors_not_panics() {
                kit::check_misuse(&scheme());
            }
        }
    };
}

/// Deterministic test data from a seed and a label.
fn rng_for(seed: [u8; 32], label: &[u8]) -> ChaCha20Rng {
    let mut h = blake3::Hasher::new_keyed(&seed);
    h.update(b"zkagg-mpc/sharing/conformance/v1");
    h.update(label);
    ChaCha20Rng::from_seed(*h.finalize().as_bytes())
}

/// A secret vector of length `len` mixing edge values (0, 1, -1, 2^252,
/// l-1 = -1) with uniform elements.
fn secret(rng: &mut ChaCha20Rng, len: usize) -> Vec<Scalar> {
    (0..len)
        .map(|_| match rng.next_u32() % 8 {
            0 => Scalar::ZERO,
            1 => Scalar::ONE,
            2 => -Scalar::ONE,
            3 => {
                let mut b = [0u8; 32];
                b[31] = 0x10; // 2^252
                Scalar::from_bytes_mod_order(b)
            }
            _ => Scalar::random(rng),
        })
        .collect()
}

fn seed_from(rng: &mut ChaCha20Rng) -> [u8; 32] {
    let mut s = [0u8; 32];
    rng.fill_bytes(&mut s);
    s
}

/// Sets of parties to reconstruct from: every subset of size at least the
/// threshold when there are few parties, else a sample; each in a shuffled
/// order.
fn qualified_sets<S: SecretSharing>(scheme: &S, rng: &mut ChaCha20Rng) -> Vec<Vec<usize>> {
    let n = scheme.num_parties();
    let t = scheme.threshold();
    let mut sets: Vec<Vec<usize>> = if n <= 8 {
        (0u32..1 << n)
            .filter(|m| m.count_ones() as usize >= t)
            .map(|m| (0..n).filter(|&i| m >> i & 1 == 1).collect())
            .collect()
    } else {
        let mut sets = vec![
            (0..n).collect::<Vec<_>>(),
            (0..t).collect(),
            (n - t..n).collect(),
        ];
        for _ in 0..16 {
            let size = t + (rng.next_u64() as usize) % (n - t + 1);
            sets.push(random_subset(n, size, rng));
        }
        sets
    };
    for s in &mut sets {
        shuffle(s, rng);
    }
    sets
}

/// Subsets of exactly `size` parties: all if few, else a sample.
fn sets_of_size(n: usize, size: usize, rng: &mut ChaCha20Rng) -> Vec<Vec<usize>> {
    if n <= 8 {
        (0u32..1 << n)
            .filter(|m| m.count_ones() as usize == size)
            .map(|m| (0..n).filter(|&i| m >> i & 1 == 1).collect())
            .collect()
    } else {
        (0..16).map(|_| random_subset(n, size, rng)).collect()
    }
}

fn random_subset(n: usize, size: usize, rng: &mut ChaCha20Rng) -> Vec<usize> {
    let mut all: Vec<usize> = (0..n).collect();
    shuffle(&mut all, rng);
    all.truncate(size);
    all
}

fn shuffle<T>(xs: &mut [T], rng: &mut ChaCha20Rng) {
    for i in (1..xs.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        xs.swap(i, j);
    }
}

fn expand_all<S: SecretSharing>(scheme: &S, shares: &[S::Share], len: usize) -> Vec<Vec<Scalar>> {
    shares
        .iter()
        .enumerate()
        .map(|(s, sh)| {
            scheme
                .expand(s, sh, len)
                .unwrap_or_else(|e| panic!("expand of honest share {s} failed: {e}"))
        })
        .collect()
}

fn pick(vectors: &[Vec<Scalar>], parties: &[usize]) -> Vec<Vec<Scalar>> {
    parties.iter().map(|&p| vectors[p].clone()).collect()
}

fn inner(a: &[Scalar], b: &[Scalar]) -> Scalar {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn deal<S: SecretSharing>(scheme: &S, v: &[Scalar], seed: [u8; 32]) -> Vec<S::Share> {
    let shares = scheme
        .share_seeded(v, seed)
        .unwrap_or_else(|e| panic!("share failed: {e}"));
    assert_eq!(
        shares.len(),
        scheme.num_parties(),
        "one share per party expected"
    );
    shares
}

/// Share-then-reconstruct is the identity from every qualified set (in any
/// order); `share_seeded` is deterministic; `accumulate` into zero equals
/// `expand`.
pub fn check_share_reconstruct<S: SecretSharing>(scheme: &S, seed: [u8; 32], len: usize) {
    let mut rng = rng_for(seed, b"share-reconstruct");
    let v = secret(&mut rng, len);
    let deal_seed = seed_from(&mut rng);
    let shares = deal(scheme, &v, deal_seed);
    assert_eq!(
        shares,
        deal(scheme, &v, deal_seed),
        "share_seeded is not deterministic"
    );
    let expanded = expand_all(scheme, &shares, len);
    for (s, (share, x)) in shares.iter().zip(&expanded).enumerate() {
        assert_eq!(x.len(), len, "expansion of share {s} has the wrong length");
        scheme
            .validate_share(s, share, len)
            .unwrap_or_else(|e| panic!("honest share {s} rejected: {e}"));
        let mut acc = vec![Scalar::ZERO; len];
        scheme
            .accumulate(s, &mut acc, share)
            .unwrap_or_else(|e| panic!("accumulate of share {s} failed: {e}"));
        assert_eq!(&acc, x, "accumulate disagrees with expand for share {s}");
    }
    for parties in qualified_sets(scheme, &mut rng) {
        let got = scheme
            .reconstruct(&parties, &pick(&expanded, &parties), len)
            .unwrap_or_else(|e| panic!("reconstruct from {parties:?} failed: {e}"));
        assert!(got == v, "reconstruct from {parties:?} is not the secret");
    }
}

/// `providers` dealers share random secrets; each party sums the expanded
/// shares ([`SecretSharing::accumulate`]); every qualified set reconstructs
/// the sum. Also: `c` times every summed share reconstructs `c` times the
/// sum.
pub fn check_linearity<S: SecretSharing>(scheme: &S, seed: [u8; 32], len: usize, providers: usize) {
    let mut rng = rng_for(seed, b"linearity");
    let n = scheme.num_parties();
    let mut total = vec![Scalar::ZERO; len];
    let mut summed = vec![vec![Scalar::ZERO; len]; n];
    for _ in 0..providers {
        let v = secret(&mut rng, len);
        for (t, x) in total.iter_mut().zip(&v) {
            *t += x;
        }
        let shares = deal(scheme, &v, seed_from(&mut rng));
        for (s, share) in shares.iter().enumerate() {
            scheme
                .accumulate(s, &mut summed[s], share)
                .unwrap_or_else(|e| panic!("accumulate of share {s} failed: {e}"));
        }
    }
    let c = Scalar::random(&mut rng);
    let scaled: Vec<Vec<Scalar>> = summed
        .iter()
        .map(|a| a.iter().map(|x| c * x).collect())
        .collect();
    let total_scaled: Vec<Scalar> = total.iter().map(|x| c * x).collect();
    for parties in qualified_sets(scheme, &mut rng) {
        let got = scheme
            .reconstruct(&parties, &pick(&summed, &parties), len)
            .unwrap_or_else(|e| panic!("reconstruct from {parties:?} failed: {e}"));
        assert!(
            got == total,
            "summed shares of {providers} providers do not reconstruct the sum from {parties:?}"
        );
        let got = scheme
            .reconstruct(&parties, &pick(&scaled, &parties), len)
            .unwrap_or_else(|e| panic!("reconstruct from {parties:?} failed: {e}"));
        assert!(
            got == total_scaled,
            "scaled shares do not reconstruct the scaled sum from {parties:?}"
        );
    }
}

/// The reconstruction coefficients of every qualified set, applied to the
/// expanded shares and to a linear function of each share (as a caller
/// applies them to Pedersen commitments), give the secret, and agree with
/// [`SecretSharing::reconstruct`].
pub fn check_coefficients<S: SecretSharing>(scheme: &S, seed: [u8; 32], len: usize) {
    let mut rng = rng_for(seed, b"coefficients");
    let v = secret(&mut rng, len);
    let shares = deal(scheme, &v, seed_from(&mut rng));
    let expanded = expand_all(scheme, &shares, len);
    // A linear "commitment" c_s = <v_s, g> + r_s h; with the same
    // coefficients on the r_s, it commits to <v, g> + r h.
    let g: Vec<Scalar> = (0..len).map(|_| Scalar::random(&mut rng)).collect();
    let h = Scalar::random(&mut rng);
    let r: Vec<Scalar> = (0..shares.len())
        .map(|_| Scalar::random(&mut rng))
        .collect();
    let commitments: Vec<Scalar> = expanded
        .iter()
        .zip(&r)
        .map(|(x, rs)| inner(x, &g) + rs * h)
        .collect();
    for parties in qualified_sets(scheme, &mut rng) {
        let lambda = scheme
            .reconstruction_coefficients(&parties)
            .unwrap_or_else(|e| panic!("coefficients for {parties:?} failed: {e}"));
        assert_eq!(
            lambda.len(),
            parties.len(),
            "one coefficient per party expected"
        );
        let mut combined = vec![Scalar::ZERO; len];
        let mut c = Scalar::ZERO;
        let mut blind = Scalar::ZERO;
        for (l, &p) in lambda.iter().zip(&parties) {
            for (o, x) in combined.iter_mut().zip(&expanded[p]) {
                *o += l * x;
            }
            c += l * commitments[p];
            blind += l * r[p];
        }
        assert!(
            combined == v,
            "coefficients for {parties:?} do not reconstruct the secret"
        );
        assert!(
            c == inner(&v, &g) + blind * h,
            "combined commitments for {parties:?} do not commit to the secret"
        );
        let rec = scheme
            .reconstruct(&parties, &pick(&expanded, &parties), len)
            .unwrap_or_else(|e| panic!("reconstruct from {parties:?} failed: {e}"));
        assert!(
            rec == combined,
            "reconstruct disagrees with the coefficients for {parties:?}"
        );
    }
}

/// `l` as 32 little-endian bytes.
fn order_bytes() -> [u8; 32] {
    let mut b = (-Scalar::ONE).to_bytes();
    for byte in b.iter_mut() {
        let (x, carry) = byte.overflowing_add(1);
        *byte = x;
        if !carry {
            break;
        }
    }
    b
}

/// `x + l` as 32 little-endian bytes (fits: `x + l < 2^254`), the
/// non-canonical encoding of `x`.
fn plus_order(x: &Scalar) -> [u8; 32] {
    let (a, b) = (x.to_bytes(), order_bytes());
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in 0..32 {
        let s = a[i] as u16 + b[i] as u16 + carry;
        out[i] = s as u8;
        carry = s >> 8;
    }
    assert_eq!(carry, 0);
    out
}

fn find_unique(hay: &[u8], needle: &[u8; 32]) -> Option<usize> {
    let mut hits = hay.windows(32).enumerate().filter(|(_, w)| w == needle);
    let first = hits.next()?.0;
    hits.next().is_none().then_some(first)
}

fn assert_dealer_blamed(
    result: Result<impl core::fmt::Debug, SharingError>,
    party: usize,
    what: &str,
) {
    match result {
        Err(SharingError::InvalidShare { party: p, .. }) if p == party => {}
        other => panic!("{what}: expected InvalidShare for party {party}, got {other:?}"),
    }
}

/// Canonical encoding: round trip through
/// [`SecretSharing::encode_share`] / [`SecretSharing::decode_share`];
/// truncations, trailing bytes and non-canonical scalars are rejected as
/// [`SharingError::InvalidShare`] of the receiving party.
pub fn check_encoding<S: SecretSharing>(scheme: &S, seed: [u8; 32], len: usize) {
    let mut rng = rng_for(seed, b"encoding");
    let v = secret(&mut rng, len);
    let shares = deal(scheme, &v, seed_from(&mut rng));
    let expanded = expand_all(scheme, &shares, len);
    for (s, share) in shares.iter().enumerate() {
        let bytes = scheme
            .encode_share(share)
            .unwrap_or_else(|e| panic!("encode of share {s} failed: {e}"));
        let back = scheme
            .decode_share(s, &bytes, len)
            .unwrap_or_else(|e| panic!("decode of share {s} failed: {e}"));
        assert_eq!(&back, share, "round trip changed share {s}");
        // serde round trip through postcard directly, too.
        let direct: S::Share = postcard::from_bytes(&bytes).expect("postcard round trip");
        assert_eq!(&direct, share, "postcard round trip changed share {s}");

        let cut_points: Vec<usize> = if bytes.len() <= 256 {
            (0..bytes.len()).collect()
        } else {
            (0..64)
                .chain(bytes.len() - 64..bytes.len())
                .chain((0..64).map(|_| (rng.next_u64() as usize) % bytes.len()))
                .collect()
        };
        for cut in cut_points {
            assert_dealer_blamed(
                scheme.decode_share(s, &bytes[..cut], len),
                s,
                &format!("share {s} truncated to {cut} of {} bytes", bytes.len()),
            );
        }
        for tail in [&[0u8][..], &[1, 2, 3], &bytes] {
            let mut long = bytes.clone();
            long.extend_from_slice(tail);
            assert_dealer_blamed(
                scheme.decode_share(s, &long, len),
                s,
                &format!("share {s} with {} trailing bytes", tail.len()),
            );
        }

        // Non-canonical scalars: locate a coordinate's encoding in the
        // share, confirm by substituting another canonical value that the
        // decoder reads that coordinate there, then substitute x + l and
        // all-ones bytes.
        for (j, x) in expanded[s].iter().enumerate() {
            let Some(at) = find_unique(&bytes, &x.to_bytes()) else {
                continue;
            };
            let y = x + Scalar::ONE;
            let mut probe = bytes.clone();
            probe[at..at + 32].copy_from_slice(&y.to_bytes());
            let Ok(decoded) = scheme.decode_share(s, &probe, len) else {
                continue;
            };
            let Ok(e) = scheme.expand(s, &decoded, len) else {
                continue;
            };
            let mut expect = expanded[s].clone();
            expect[j] = y;
            if e != expect {
                continue; // not a plain encoding of coordinate j
            }
            for bad in [plus_order(x), [0xff; 32]] {
                let mut mutated = bytes.clone();
                mutated[at..at + 32].copy_from_slice(&bad);
                assert_dealer_blamed(
                    scheme.decode_share(s, &mutated, len),
                    s,
                    &format!("share {s} with coordinate {j} encoded non-canonically"),
                );
            }
        }
    }
}

/// Reconstruction from arbitrary party lists and summed-share lengths
/// returns `Ok` exactly when the parties are distinct, in range, at least
/// `threshold()` many, one summed share each, all of length 3 (then with
/// the right sum); `Err` otherwise; never panics.
pub fn check_arbitrary_parties<S: SecretSharing>(scheme: &S, parties: &[usize], lens: &[usize]) {
    let len = 3;
    let n = scheme.num_parties();
    let mut rng = rng_for([1; 32], b"arbitrary-parties");
    let v = secret(&mut rng, len);
    let expanded = expand_all(scheme, &deal(scheme, &v, seed_from(&mut rng)), len);
    let vectors: Vec<Vec<Scalar>> = lens
        .iter()
        .zip(parties.iter().chain(core::iter::repeat(&0)))
        .map(|(&l, &p)| {
            let mut x = expanded.get(p).cloned().unwrap_or_else(|| v.clone());
            x.resize(l, Scalar::ZERO);
            x
        })
        .collect();
    let mut distinct = parties.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let valid_set = distinct.len() == parties.len()
        && parties.iter().all(|&p| p < n)
        && parties.len() >= scheme.threshold();
    let valid = valid_set && lens.len() == parties.len() && lens.iter().all(|&l| l == len);
    let c = scheme.reconstruction_coefficients(parties);
    assert_eq!(c.is_ok(), valid_set, "coefficients for {parties:?}: {c:?}");
    match scheme.reconstruct(parties, &vectors, len) {
        Ok(got) => {
            assert!(
                valid,
                "reconstruct accepted {parties:?} with lengths {lens:?}"
            );
            assert!(got == v, "reconstruct from {parties:?} is not the secret");
        }
        Err(e) => assert!(!valid, "reconstruct rejected valid {parties:?}: {e}"),
    }
}

/// Decoding arbitrary bytes never panics; what it accepts re-encodes to the
/// same bytes and passes [`SecretSharing::validate_share`].
pub fn check_decode_arbitrary<S: SecretSharing>(
    scheme: &S,
    bytes: &[u8],
    party: usize,
    len: usize,
) {
    match scheme.decode_share(party, bytes, len) {
        Ok(share) => {
            assert!(party < scheme.num_parties());
            assert_eq!(scheme.encode_share(&share).expect("encode"), bytes);
            scheme
                .validate_share(party, &share, len)
                .expect("decoded share validates");
            let x = scheme
                .expand(party, &share, len)
                .expect("decoded share expands");
            assert_eq!(x.len(), len);
        }
        Err(SharingError::InvalidShare { party: p, .. }) => assert_eq!(p, party),
        Err(SharingError::Misuse(Misuse::PartyOutOfRange { .. })) => {
            assert!(party >= scheme.num_parties())
        }
        Err(e) => panic!("decode of arbitrary bytes: unexpected error {e}"),
    }
}

/// Number of samples per secret in [`check_privacy`].
const PRIVACY_SAMPLES: usize = 256;
/// Accepted deviation of a bit count from `PRIVACY_SAMPLES / 2` (six
/// standard deviations).
const PRIVACY_SLACK: usize = 48;

/// Privacy smoke test for sets of `threshold() - 1` parties; see the
/// [module docs](self). Deterministic in `seed`.
pub fn check_privacy<S: SecretSharing>(scheme: &S, seed: [u8; 32]) {
    let mut rng = rng_for(seed, b"privacy");
    let n = scheme.num_parties();
    let t = scheme.threshold();
    assert!(t >= 1 && t <= n, "threshold {t} not in 1..={n}");

    // Every member of a minimal qualified set is needed.
    for parties in sets_of_size(n, t, &mut rng) {
        let lambda = scheme
            .reconstruction_coefficients(&parties)
            .unwrap_or_else(|e| panic!("coefficients for {parties:?} failed: {e}"));
        for (l, p) in lambda.iter().zip(&parties) {
            assert!(
                *l != Scalar::ZERO,
                "party {p} has coefficient 0 in {parties:?}: the others reconstruct alone"
            );
        }
    }

    let len = 2;
    let secrets = [vec![Scalar::ZERO; len], secret(&mut rng, len)];
    let views_sets = sets_of_size(n, t - 1, &mut rng);
    for v in &secrets {
        let samples: Vec<Vec<Vec<Scalar>>> = (0..PRIVACY_SAMPLES)
            .map(|_| expand_all(scheme, &deal(scheme, v, seed_from(&mut rng)), len))
            .collect();
        for set in &views_sets {
            let mut views: Vec<Vec<[u8; 32]>> = Vec::with_capacity(PRIVACY_SAMPLES);
            let mut ones = vec![0usize; set.len() + 1];
            for sample in &samples {
                let mut sum = Scalar::ZERO;
                let mut view = Vec::new();
                for (k, &p) in set.iter().enumerate() {
                    for (j, x) in sample[p].iter().enumerate() {
                        assert!(
                            *x != v[j],
                            "share of party {p} equals secret coordinate {j}"
                        );
                        view.push(x.to_bytes());
                    }
                    sum += sample[p][0];
                    ones[k] += (sample[p][0].to_bytes()[0] & 1) as usize;
                }
                ones[set.len()] += (sum.to_bytes()[0] & 1) as usize;
                views.push(view);
            }
            for (k, &c) in ones.iter().enumerate() {
                assert!(
                    c.abs_diff(PRIVACY_SAMPLES / 2) <= PRIVACY_SLACK,
                    "view of {set:?}: low bit {} set in {c} of {PRIVACY_SAMPLES} sharings",
                    if k < set.len() {
                        format!("of party {}'s share", set[k])
                    } else {
                        "of the sum of the shares".to_string()
                    }
                );
            }
            // Linear schemes: the view of a set is uniform iff the views of
            // fresh sharings span the whole space (rank = number of
            // coordinates seen); a degenerate sharing (e.g. a polynomial of
            // too low degree) gives a proper subspace and leaks.
            let dim = set.len() * len;
            let rows: Vec<Vec<Scalar>> = samples
                .iter()
                .take(dim + 8)
                .map(|sample| set.iter().flat_map(|&p| sample[p].clone()).collect())
                .collect();
            assert_eq!(
                rank(rows),
                dim,
                "views of {set:?} span a proper subspace: some combination of them is \
                 determined by the secret"
            );
            views.sort();
            views.dedup();
            if !set.is_empty() {
                assert_eq!(
                    views.len(),
                    PRIVACY_SAMPLES,
                    "view of {set:?} repeats across fresh sharings"
                );
            }
        }
    }
}

/// Rank over F of a matrix given by rows (Gaussian elimination).
fn rank(mut rows: Vec<Vec<Scalar>>) -> usize {
    let cols = rows.first().map_or(0, Vec::len);
    let mut r = 0;
    for c in 0..cols {
        let Some(p) = (r..rows.len()).find(|&i| rows[i][c] != Scalar::ZERO) else {
            continue;
        };
        rows.swap(r, p);
        let pivot = rows[r].clone();
        let inv = pivot[c].invert();
        for (i, row) in rows.iter_mut().enumerate() {
            if i != r && row[c] != Scalar::ZERO {
                let f = row[c] * inv;
                for (x, y) in row[c..].iter_mut().zip(&pivot[c..]) {
                    *x -= f * y;
                }
            }
        }
        r += 1;
    }
    r
}

fn expect_misuse<T: core::fmt::Debug>(
    result: Result<T, SharingError>,
    what: &str,
    ok: impl Fn(&Misuse) -> bool,
) {
    match result {
        Err(SharingError::Misuse(m)) if ok(&m) => {}
        other => panic!("{what}: expected a misuse error, got {other:?}"),
    }
}

/// Bad party sets, counts and lengths give the right error, never a panic
/// or a wrong answer.
pub fn check_misuse<S: SecretSharing>(scheme: &S) {
    let mut rng = rng_for([0; 32], b"misuse");
    let n = scheme.num_parties();
    let t = scheme.threshold();
    let len = 3;
    let v = secret(&mut rng, len);
    let shares = deal(scheme, &v, seed_from(&mut rng));
    let expanded = expand_all(scheme, &shares, len);
    let coeffs_and_rec = |parties: &[usize]| {
        let vectors: Vec<Vec<Scalar>> = parties
            .iter()
            .map(|&p| expanded.get(p).cloned().unwrap_or_else(|| v.clone()))
            .collect();
        (
            scheme.reconstruction_coefficients(parties),
            scheme.reconstruct(parties, &vectors, len),
        )
    };

    // Missing parties.
    let too_few: Vec<Vec<usize>> = vec![vec![], (0..t - 1).collect(), (n - t + 1..n).collect()];
    for parties in too_few {
        let (c, r) = coeffs_and_rec(&parties);
        let is = |m: &Misuse| matches!(m, Misuse::TooFewParties { needed, got } if *needed == t && *got == parties.len());
        expect_misuse(c, &format!("coefficients for {parties:?}"), is);
        expect_misuse(r, &format!("reconstruct from {parties:?}"), is);
    }

    // Duplicates, with and without enough distinct parties.
    let mut dup: Vec<usize> = (0..t).collect();
    dup.push(0);
    let mut dup_short: Vec<usize> = (0..t).collect();
    dup_short[t - 1] = dup_short[0];
    let dups = if t >= 2 {
        vec![dup, dup_short]
    } else {
        vec![dup]
    };
    for parties in dups {
        let (c, r) = coeffs_and_rec(&parties);
        let is = |m: &Misuse| matches!(m, Misuse::DuplicateParty { party: 0 });
        expect_misuse(c, &format!("coefficients for {parties:?}"), is);
        expect_misuse(r, &format!("reconstruct from {parties:?}"), is);
    }

    // Out of range.
    for bad in [n, n + 1, usize::MAX] {
        let mut parties: Vec<usize> = (0..t).collect();
        parties[t - 1] = bad;
        let (c, r) = coeffs_and_rec(&parties);
        let is = |m: &Misuse| matches!(m, Misuse::PartyOutOfRange { party, parties } if *party == bad && *parties == n);
        expect_misuse(c, &format!("coefficients for {parties:?}"), is);
        expect_misuse(r, &format!("reconstruct from {parties:?}"), is);
        for s in shares.iter().take(1) {
            expect_misuse(scheme.expand(bad, s, len), "expand for bad party", is);
            expect_misuse(
                scheme.validate_share(bad, s, len),
                "validate for bad party",
                is,
            );
            let bytes = scheme.encode_share(s).expect("encode");
            expect_misuse(
                scheme.decode_share(bad, &bytes, len),
                "decode for bad party",
                is,
            );
            let mut acc = vec![Scalar::ZERO; len];
            expect_misuse(
                scheme.accumulate(bad, &mut acc, s),
                "accumulate for bad party",
                is,
            );
        }
    }

    // Number of summed shares differs from the number of parties.
    let all: Vec<usize> = (0..n).collect();
    for count in [0, n - 1, n + 1] {
        let vectors: Vec<Vec<Scalar>> = (0..count).map(|i| expanded[i % n].clone()).collect();
        expect_misuse(
            scheme.reconstruct(&all, &vectors, len),
            &format!("reconstruct with {count} summed shares for {n} parties"),
            |m| matches!(m, Misuse::LengthMismatch { .. }),
        );
    }

    // A summed share of the wrong length blames its party.
    for k in 0..n {
        for bad_len in [0, len - 1, len + 1] {
            let mut vectors = expanded.clone();
            vectors[k].resize(bad_len, Scalar::ONE);
            match scheme.reconstruct(&all, &vectors, len) {
                Err(SharingError::InvalidSummedShare {
                    party,
                    fault: ShareFault::WrongLength { expected, actual },
                }) if party == k && expected == len && actual == bad_len => {}
                other => panic!(
                    "summed share of party {k} with length {bad_len}: expected \
                     InvalidSummedShare, got {other:?}"
                ),
            }
        }
    }

    // A share used with the wrong length either carries no length (a seed)
    // or is rejected, blaming the dealer; `accumulate` leaves `acc` alone.
    for (s, share) in shares.iter().enumerate() {
        for other_len in [0, len - 1, len + 1] {
            match scheme.expand(s, share, other_len) {
                Ok(x) => assert_eq!(x.len(), other_len),
                Err(SharingError::InvalidShare {
                    party,
                    fault: ShareFault::WrongLength { expected, actual },
                }) if party == s && expected == other_len && actual == len => {
                    let mut acc = vec![Scalar::ONE; other_len];
                    assert!(scheme.accumulate(s, &mut acc, share).is_err());
                    assert!(
                        acc.iter().all(|x| *x == Scalar::ONE),
                        "acc changed on error"
                    );
                }
                Err(e) => panic!("share {s} at length {other_len}: unexpected error {e}"),
            }
        }
    }
}
