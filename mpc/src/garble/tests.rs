//! Conformance tests: every backend agrees with the plaintext one; gadgets agree
//! with native arithmetic; Bristol circuits match known answers; malformed
//! tables are errors.

use super::gadgets::*;
use super::*;
use crate::Block;
use curve25519_dalek::Scalar;
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// A circuit written once against [`Fancy`].
trait Circ {
    fn run<F: Fancy>(&self, f: &mut F, ins: &[F::Item]) -> Result<Vec<F::Item>, F::Error>;
}

fn plain<C: Circ>(c: &C, ins: &[bool]) -> Vec<bool> {
    c.run(&mut Plaintext::new(), ins).unwrap()
}

/// Garbler side of the streaming path: tables, decoding info, the evaluator's
/// active input labels, and what the garbler keeps.
fn garble_stream<C: Circ>(
    c: &C,
    ins: &[bool],
    seed: u64,
) -> (GarbledTables, DecodingInfo, Vec<Block>, GarblerOutputs) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut gb = Garbler::new(&mut rng);
    assert_eq!(gb.delta().0 & 1, 1, "delta must have lsb 1");
    let zeros = gb.new_inputs(ins.len(), &mut rng);
    let active: Vec<Block> = zeros
        .iter()
        .zip(ins)
        .map(|(&z, &b)| gb.encode(z, b))
        .collect();
    let outs = c.run(&mut gb, &zeros).unwrap();
    for o in &outs {
        gb.output(o).unwrap();
    }
    let ands = gb.and_gates();
    let (tables, decoding, keep) = gb.finish();
    assert_eq!(tables.blocks.len() as u64, 2 * ands);
    (tables, decoding, active, keep)
}

fn eval_stream<C: Circ>(
    c: &C,
    tables: GarbledTables,
    active: &[Block],
) -> Result<Vec<Block>, GarbleError> {
    let mut ev = Evaluator::new(tables);
    let outs = c.run(&mut ev, active)?;
    for o in &outs {
        ev.output(o)?;
    }
    ev.finish()
}

fn garbled<C: Circ>(c: &C, ins: &[bool], seed: u64) -> Vec<bool> {
    let (tables, decoding, active, keep) = garble_stream(c, ins, seed);
    let labels = eval_stream(c, tables, &active).unwrap();
    let bits = decode(&labels, &decoding).unwrap();
    assert_eq!(
        keep.decode(&labels).unwrap(),
        bits,
        "garbler-side decoding agrees"
    );
    bits
}

/// Compiled path: build once, garble `inputs.len()` instances in lanes.
fn compiled<C: Circ>(c: &C, n_in: usize, inputs: &[Vec<bool>], seed: u64) -> Vec<Vec<bool>> {
    let mut b = CircuitBuilder::new();
    let w = b.inputs(n_in).unwrap();
    let outs = c.run(&mut b, &w).unwrap();
    for o in &outs {
        b.output(o).unwrap();
    }
    let circ = b.build();
    let lanes = inputs.len();
    // Plaintext evaluation of the compiled circuit.
    for x in inputs {
        assert_eq!(circ.eval_plain(x).unwrap(), plain(c, x));
    }
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut gb = Garbler::new(&mut rng);
    let zeros = gb.new_inputs(lanes * n_in, &mut rng);
    let flat: Vec<bool> = inputs.iter().flatten().copied().collect();
    let active: Vec<Block> = zeros
        .iter()
        .zip(&flat)
        .map(|(&z, &x)| gb.encode(z, x))
        .collect();
    for o in circ.garble(&mut gb, &zeros, lanes).unwrap() {
        gb.output(&o).unwrap();
    }
    let (tables, decoding, keep) = gb.finish();
    assert_eq!(tables.blocks.len(), 2 * lanes * circ.and_count());
    let mut ev = Evaluator::new(tables);
    for o in circ.evaluate(&mut ev, &active, lanes).unwrap() {
        ev.output(&o).unwrap();
    }
    let labels = ev.finish().unwrap();
    let bits = decode(&labels, &decoding).unwrap();
    assert_eq!(keep.decode(&labels).unwrap(), bits);
    bits.chunks(circ.num_outputs().max(1))
        .map(|c| c.to_vec())
        .take(lanes)
        .collect()
}

// ---------------------------------------------------------------- random circuits

/// A random gate list: (op, i, j) with i, j reduced modulo the wires so far.
#[derive(Clone, Debug)]
struct RandomCircuit {
    gates: Vec<(u8, usize, usize)>,
    n_out: usize,
}

impl Circ for RandomCircuit {
    fn run<F: Fancy>(&self, f: &mut F, ins: &[F::Item]) -> Result<Vec<F::Item>, F::Error> {
        let mut w: Vec<F::Item> = ins.to_vec();
        for &(op, i, j) in &self.gates {
            let a = w[i % w.len()].clone();
            let b = w[j % w.len()].clone();
            let o = match op % 6 {
                0 | 1 => f.xor(&a, &b)?,
                2 | 3 => f.and(&a, &b)?,
                4 => f.not(&a)?,
                _ => f.constant(i % 2 == 0)?,
            };
            w.push(o);
        }
        let n = w.len();
        Ok(w[n - self.n_out.min(n)..].to_vec())
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn garbled_equals_plaintext_on_random_circuits(
        gates in prop::collection::vec((any::<u8>(), any::<usize>(), any::<usize>()), 1..200),
        n_in in 1usize..10,
        n_out in 1usize..12,
        lanes in 1usize..5,
        seed in any::<u64>(),
    ) {
        let c = RandomCircuit { gates, n_out };
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let inputs: Vec<Vec<bool>> = (0..lanes).map(|_| (0..n_in).map(|_| rng.gen()).collect()).collect();
        let want: Vec<Vec<bool>> = inputs.iter().map(|x| plain(&c, x)).collect();
        prop_assert_eq!(&garbled(&c, &inputs[0], seed), &want[0]);
        prop_assert_eq!(compiled(&c, n_in, &inputs, seed), want);
    }
}

#[test]
fn gate_counter_counts() {
    let c = RandomCircuit {
        gates: vec![(0, 0, 1), (2, 0, 1), (4, 2, 0), (5, 0, 0), (3, 3, 4)],
        n_out: 1,
    };
    let mut g = GateCounter::new();
    c.run(&mut g, &[(), ()]).unwrap();
    let k = g.counts();
    assert_eq!((k.xor, k.and, k.not, k.constants), (1, 2, 1, 1));
}

// ---------------------------------------------------------------- gadgets

/// Which gadget to run, on operands of `n` bits.
#[derive(Clone, Copy, Debug)]
enum G {
    Add(usize),
    AddWrap(usize),
    Sub(usize),
    SubWrap(usize),
    LtU(usize),
    LtS(usize),
    Mux(usize),
    LeConst(usize, u128),
    AddConst(usize, u128),
    AddModL,
    Eq(usize),
}

impl Circ for G {
    fn run<F: Fancy>(&self, f: &mut F, ins: &[F::Item]) -> Result<Vec<F::Item>, F::Error> {
        Ok(match *self {
            G::Add(n) => {
                let (mut s, c) = add(f, &ins[..n], &ins[n..])?;
                s.push(c);
                s
            }
            G::AddWrap(n) => add_wrapping(f, &ins[..n], &ins[n..])?,
            G::Sub(n) => {
                let (mut s, c) = sub(f, &ins[..n], &ins[n..])?;
                s.push(c);
                s
            }
            G::SubWrap(n) => sub_wrapping(f, &ins[..n], &ins[n..])?,
            G::LtU(n) => vec![lt_unsigned(f, &ins[..n], &ins[n..])?],
            G::LtS(n) => vec![lt_signed(f, &ins[..n], &ins[n..])?],
            G::Mux(n) => mux(f, &ins[2 * n], &ins[..n], &ins[n..2 * n])?,
            G::LeConst(n, k) => vec![le_const(f, ins, &bits_from_u128(k, n))?],
            G::AddConst(n, k) => add_const(f, ins, &bits_from_u128(k, n))?,
            G::AddModL => add_mod_l(f, &ins[..L_BITS], &ins[L_BITS..])?,
            G::Eq(n) => vec![eq(f, &ins[..n], &ins[n..])?],
        })
    }
}

fn bits64(x: u64) -> Vec<bool> {
    bits_from_u128(u128::from(x), 64)
}

/// Runs `g` on plaintext, streaming-garbled and compiled backends; all must agree.
fn all_backends(g: G, ins: &[bool], seed: u64) -> Vec<bool> {
    let p = plain(&g, ins);
    assert_eq!(garbled(&g, ins, seed), p, "{g:?}");
    assert_eq!(
        compiled(&g, ins.len(), &[ins.to_vec()], seed)[0],
        p,
        "{g:?}"
    );
    p
}

fn edge_u64() -> Vec<u64> {
    vec![
        0,
        1,
        2,
        u64::MAX,
        u64::MAX - 1,
        1 << 63,
        (1 << 63) - 1,
        (1 << 63) + 1,
        0xdead_beef,
    ]
}

#[test]
fn gadgets_match_native_u64() {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let mut vals = edge_u64();
    vals.extend((0..6).map(|_| rng.gen::<u64>()));
    for (i, &a) in vals.iter().enumerate() {
        for (j, &b) in vals.iter().enumerate() {
            let seed = (i * 100 + j) as u64;
            let ab = [bits64(a), bits64(b)].concat();
            let v = u128_from_bits;
            let s = all_backends(G::Add(64), &ab, seed);
            assert_eq!(v(&s), u128::from(a) + u128::from(b));
            assert_eq!(
                v(&all_backends(G::AddWrap(64), &ab, seed)),
                u128::from(a.wrapping_add(b))
            );
            let d = all_backends(G::Sub(64), &ab, seed);
            assert_eq!(v(&d[..64]), u128::from(a.wrapping_sub(b)));
            assert_eq!(d[64], a < b, "borrow");
            assert_eq!(
                v(&all_backends(G::SubWrap(64), &ab, seed)),
                u128::from(a.wrapping_sub(b))
            );
            assert_eq!(all_backends(G::LtU(64), &ab, seed), vec![a < b]);
            assert_eq!(
                all_backends(G::LtS(64), &ab, seed),
                vec![(a as i64) < (b as i64)]
            );
            assert_eq!(all_backends(G::Eq(64), &ab, seed), vec![a == b]);
            for sel in [false, true] {
                let mut m = ab.clone();
                m.push(sel);
                assert_eq!(
                    v(&all_backends(G::Mux(64), &m, seed)),
                    u128::from(if sel { b } else { a })
                );
            }
            assert_eq!(
                all_backends(G::LeConst(64, u128::from(b)), &bits64(a), seed),
                vec![a <= b]
            );
            assert_eq!(
                v(&all_backends(
                    G::AddConst(64, u128::from(b)),
                    &bits64(a),
                    seed
                )),
                u128::from(a.wrapping_add(b))
            );
        }
    }
}

#[test]
fn gadget_and_counts() {
    let count = |g: G, n_in: usize| {
        let mut c = GateCounter::new();
        g.run(&mut c, &vec![(); n_in]).unwrap();
        c.counts().and
    };
    assert_eq!(count(G::Add(64), 128), 64);
    assert_eq!(count(G::AddWrap(64), 128), 63);
    assert_eq!(count(G::Sub(64), 128), 64);
    assert_eq!(count(G::LtU(64), 128), 64);
    assert_eq!(count(G::LtS(64), 128), 64);
    assert_eq!(count(G::Mux(64), 129), 64);
    assert!(count(G::LeConst(64, 1000), 64) <= 64);
    let ml = count(G::AddModL, 2 * L_BITS);
    assert!(ml <= 3 * L_BITS as u64 + 2, "add_mod_l uses {ml} ANDs");
}

fn scalar_bits(s: &Scalar) -> Vec<bool> {
    bits_from_le_bytes(&s.to_bytes(), L_BITS)
}

fn scalar_from_bits(b: &[bool]) -> Scalar {
    let mut bytes = [0u8; 32];
    for (i, &x) in b.iter().enumerate() {
        bytes[i / 8] |= u8::from(x) << (i % 8);
    }
    Option::from(Scalar::from_canonical_bytes(bytes))
        .expect("gadget output must be canonical (< l)")
}

#[test]
fn l_constant_matches_dalek() {
    // l - 1 = -1 in the field.
    let mut lm1 = L_BYTES;
    lm1[0] -= 1;
    assert_eq!((-Scalar::ONE).to_bytes(), lm1);
}

#[test]
fn add_mod_l_matches_scalar_addition() {
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let l_minus = |k: u64| -Scalar::from(k);
    let mut cases: Vec<(Scalar, Scalar)> = vec![
        (Scalar::ZERO, Scalar::ZERO),
        (Scalar::ZERO, l_minus(1)),
        (l_minus(1), l_minus(1)),
        (l_minus(1), Scalar::ONE),        // sums to exactly l -> 0
        (l_minus(5), Scalar::from(5u64)), // exactly l
        (l_minus(5), Scalar::from(4u64)), // l - 1
        (l_minus(5), Scalar::from(6u64)), // l + 1 -> 1
        (Scalar::from(u64::MAX), Scalar::from(u64::MAX)),
    ];
    // Sums just below / at / above l and 2^252.
    let two252 = Scalar::from_bytes_mod_order({
        let mut b = [0u8; 32];
        b[31] = 0x10;
        b
    });
    cases.push((two252, Scalar::ZERO));
    cases.push((two252, two252));
    for _ in 0..12 {
        cases.push((Scalar::random(&mut rng), Scalar::random(&mut rng)));
    }
    for (i, (a, b)) in cases.iter().enumerate() {
        let ins = [scalar_bits(a), scalar_bits(b)].concat();
        let out = all_backends(G::AddModL, &ins, i as u64);
        assert_eq!(scalar_from_bits(&out), a + b, "case {i}");
    }
}

/// `[(a + b) mod m <= k]` against native arithmetic, exhaustively over small
/// moduli and bounds (odd, even, powers of two, k = 0 and k = m - 1).
#[test]
fn add_mod_le_const_matches_native_exhaustive() {
    struct C(usize, u128, u128);
    impl Circ for C {
        fn run<F: Fancy>(&self, f: &mut F, ins: &[F::Item]) -> Result<Vec<F::Item>, F::Error> {
            let n = self.0;
            let m = bits_from_u128(self.1, n);
            let k = bits_from_u128(self.2, n);
            Ok(vec![add_mod_le_const(f, &ins[..n], &ins[n..], &m, &k)?])
        }
    }
    for (n, m) in [
        (1usize, 1u128),
        (2, 2),
        (2, 3),
        (3, 5),
        (4, 8),
        (4, 11),
        (5, 16),
        (5, 29),
        (6, 37),
        (7, 64),
    ] {
        for k in [0, 1, m / 3, m / 2, m - 1].into_iter().filter(|&k| k < m) {
            let c = C(n, m, k);
            for a in 0..m {
                for b in 0..m {
                    let ins = [bits_from_u128(a, n), bits_from_u128(b, n)].concat();
                    let want = (a + b) % m <= k;
                    assert_eq!(plain(&c, &ins), vec![want], "n={n} m={m} k={k} a={a} b={b}");
                }
            }
            // Garbled, on a few inputs.
            let ins = [bits_from_u128(m - 1, n), bits_from_u128(m / 2, n)].concat();
            assert_eq!(all_backends_c(&c, &ins, n as u64), plain(&c, &ins));
        }
    }
}

fn all_backends_c<C: Circ>(c: &C, ins: &[bool], seed: u64) -> Vec<bool> {
    let p = plain(c, ins);
    assert_eq!(garbled(c, ins, seed), p);
    assert_eq!(compiled(c, ins.len(), &[ins.to_vec()], seed)[0], p);
    p
}

/// Over `Z_l`: boundaries of both windows for a 64-bit-ish bound, vs Scalar.
#[test]
fn add_mod_le_const_over_l() {
    struct C(u128);
    impl Circ for C {
        fn run<F: Fancy>(&self, f: &mut F, ins: &[F::Item]) -> Result<Vec<F::Item>, F::Error> {
            let k = bits_from_u128(self.0, L_BITS);
            Ok(vec![add_mod_le_const(
                f,
                &ins[..L_BITS],
                &ins[L_BITS..],
                &l_bits(),
                &k,
            )?])
        }
    }
    let mut rng = ChaCha20Rng::seed_from_u64(21);
    for k in [0u128, 1, 2 * 1000, 2 * u128::from(u64::MAX)] {
        let c = C(k);
        let ks = Scalar::from(k);
        let mut cases = vec![];
        for t in [
            Scalar::ZERO,
            Scalar::ONE,
            ks,
            ks + Scalar::ONE,
            -Scalar::ONE,
            ks - Scalar::ONE,
        ] {
            // target sum t split as (a, t - a) with a crossing l or not.
            for a in [Scalar::ZERO, -Scalar::ONE, Scalar::random(&mut rng), t] {
                cases.push((a, t - a));
            }
        }
        for (i, (a, b)) in cases.into_iter().enumerate() {
            let ins = [scalar_bits(&a), scalar_bits(&b)].concat();
            let sum = u128_from_bits(&scalar_bits(&(a + b)));
            let small = scalar_bits(&(a + b))[128..].iter().all(|&x| !x);
            let want = small && sum <= k;
            assert_eq!(plain(&c, &ins), vec![want], "k={k} case {i}");
            if i % 7 == 0 {
                assert_eq!(all_backends_c(&c, &ins, i as u64), vec![want]);
            }
        }
    }
    let mut cnt = GateCounter::new();
    C(2 * u128::from(u64::MAX))
        .run(&mut cnt, &[(); 2 * L_BITS])
        .unwrap();
    assert!(cnt.counts().and < 800, "{} ANDs", cnt.counts().and);
}

// ---------------------------------------------------------------- Bristol

/// Loads one of the circuits shipped in `mpc/tests/circuits/` (embedded at
/// compile time, so nothing is read from outside the repository at run time).
fn load(name: &str) -> BristolCircuit {
    let text = match name {
        "aes_128.txt" => include_str!("../../tests/circuits/aes_128.txt"),
        "sha256.txt" => include_str!("../../tests/circuits/sha256.txt"),
        "adder64.txt" => include_str!("../../tests/circuits/adder64.txt"),
        "sub64.txt" => include_str!("../../tests/circuits/sub64.txt"),
        "mult64.txt" => include_str!("../../tests/circuits/mult64.txt"),
        "zero_equal.txt" => include_str!("../../tests/circuits/zero_equal.txt"),
        other => panic!("no shipped circuit {other}"),
    };
    BristolCircuit::parse(text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Bristol Fashion bit order, found against the FIPS-197 and SHA-256 known
/// answers: an input's bytes are read as one big-endian integer and wire `i`
/// of the input carries bit `i` of it (least significant first).
fn be_bits(bytes: &[u8]) -> Vec<bool> {
    let n = bytes.len();
    (0..8 * n)
        .map(|i| (bytes[n - 1 - i / 8] >> (i % 8)) & 1 == 1)
        .collect()
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// Evaluates a Bristol circuit in the clear, with the streaming garbled
/// backends, and compiled (one lane); asserts agreement; returns the outputs.
fn bristol_all(c: &BristolCircuit, inputs: &[Vec<bool>], seed: u64) -> Vec<Vec<bool>> {
    struct B<'a>(&'a BristolCircuit);
    impl Circ for B<'_> {
        fn run<F: Fancy>(&self, f: &mut F, ins: &[F::Item]) -> Result<Vec<F::Item>, F::Error> {
            let mut split = Vec::new();
            let mut pos = 0;
            for &w in self.0.input_widths() {
                split.push(ins[pos..pos + w].to_vec());
                pos += w;
            }
            Ok(self.0.eval(f, &split)?.concat())
        }
    }
    let flat: Vec<bool> = inputs.concat();
    let p = c.eval_plain(inputs).unwrap();
    assert_eq!(p.concat(), plain(&B(c), &flat));
    assert_eq!(garbled(&B(c), &flat, seed), p.concat(), "streaming garbled");
    let circ = c.to_circuit().unwrap();
    assert_eq!(circ.and_count(), c.and_count());
    assert_eq!(
        compiled(&B(c), flat.len(), std::slice::from_ref(&flat), seed)[0],
        p.concat(),
        "compiled garbled"
    );
    p
}

#[test]
fn bristol_aes128_fips197() {
    let c = load("aes_128.txt");
    assert_eq!(c.and_count(), 6400);
    let key: Vec<u8> = (0..16).collect();
    let pt: Vec<u8> = (0..16).map(|i| i * 0x11).collect();
    let out = bristol_all(&c, &[be_bits(&key), be_bits(&pt)], 1);
    assert_eq!(out[0], be_bits(&hex("69c4e0d86a7b0430d8cdb78070b4c55a")));
}

#[test]
fn bristol_sha256_compression_kat() {
    let c = load("sha256.txt");
    // SHA-256("") = compression of the single padded block from the IV.
    let mut block = [0u8; 64];
    block[0] = 0x80;
    let iv: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let ivb: Vec<u8> = iv.iter().flat_map(|w| w.to_be_bytes()).collect();
    let out = bristol_all(&c, &[be_bits(&block), be_bits(&ivb)], 2);
    let want = hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_eq!(out[0], be_bits(&want));
    // And "abc" (one block too).
    let mut block = [0u8; 64];
    block[..3].copy_from_slice(b"abc");
    block[3] = 0x80;
    block[63] = 24;
    let out = c.eval_plain(&[be_bits(&block), be_bits(&ivb)]).unwrap();
    let want = hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_eq!(out[0], be_bits(&want));
}

#[test]
fn bristol_arith64_match_native() {
    let add = load("adder64.txt");
    let sub = load("sub64.txt");
    let mul = load("mult64.txt");
    let zero = load("zero_equal.txt");
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let mut vals = edge_u64();
    vals.extend((0..4).map(|_| rng.gen::<u64>()));
    for (i, &a) in vals.iter().enumerate() {
        let b = vals[(i * 5 + 3) % vals.len()] ^ rng.gen::<u64>() & 0xff;
        let ins = [bits64(a), bits64(b)];
        let v = |o: &[Vec<bool>]| u128_from_bits(&o[0]) as u64;
        let seed = i as u64;
        assert_eq!(v(&bristol_all(&add, &ins, seed)), a.wrapping_add(b));
        assert_eq!(v(&bristol_all(&sub, &ins, seed)), a.wrapping_sub(b));
        assert_eq!(v(&bristol_all(&mul, &ins, seed)), a.wrapping_mul(b));
        assert_eq!(bristol_all(&zero, &[bits64(a)], seed)[0], vec![a == 0]);
    }
    assert_eq!(bristol_all(&zero, &[bits64(0)], 9)[0], vec![true]);
}

#[test]
fn bristol_eval_rejects_wrong_inputs() {
    let c = load("adder64.txt");
    assert!(c.eval_plain(&[bits64(1)]).is_err());
    assert!(c.eval_plain(&[bits64(1), vec![true; 63]]).is_err());
}

#[test]
fn bristol_malformed_files_are_errors() {
    let ok = "3 7\n2 2 2\n1 1\n2 1 0 2 4 AND\n2 1 1 3 5 XOR\n2 1 4 5 6 XOR\n";
    let c = BristolCircuit::parse(ok).unwrap();
    // w4 = 1 and 1, w5 = 0 xor 1, w6 = w4 xor w5 = 0.
    assert_eq!(
        c.eval_plain(&[vec![true, false], vec![true, true]])
            .unwrap(),
        vec![vec![false]]
    );
    let bad = [
        "",                                                               // empty
        "3 7\n",                                                          // no io lines
        "3 7\n2 2 2\n",                                                   // no outputs
        "3 x\n2 2 2\n1 1\n",                                              // bad number
        "3 7\n2 2\n1 1\n",                                                // widths count
        "3 7\n2 5 5\n1 1\n",                                              // inputs exceed wires
        "3 7\n2 2 2\n1 1\n2 1 0 2 4 AND\n2 1 1 3 5 XOR\n",                // too few gates
        "1 7\n2 2 2\n1 1\n2 1 0 2 6 AND\n2 1 1 3 5 XOR\n",                // too many gates
        "3 7\n2 2 2\n1 1\n2 1 0 9 4 AND\n2 1 1 3 5 XOR\n2 1 4 5 6 XOR\n", // out of range
        "3 7\n2 2 2\n1 1\n2 1 0 5 4 AND\n2 1 1 3 5 XOR\n2 1 4 5 6 XOR\n", // read before assigned
        "3 7\n2 2 2\n1 1\n2 1 0 2 4 AND\n2 1 1 3 4 XOR\n2 1 4 5 6 XOR\n", // assigned twice
        "3 7\n2 2 2\n1 1\n2 1 0 2 4 FOO\n2 1 1 3 5 XOR\n2 1 4 5 6 XOR\n", // unknown op
        "3 7\n2 2 2\n1 1\n2 1 0 4 AND\n2 1 1 3 5 XOR\n2 1 4 5 6 XOR\n",   // token count
        "3 7\n2 2 2\n1 1\n1 1 0 4 AND\n2 1 1 3 5 XOR\n2 1 4 5 6 XOR\n",   // arity
        "2 7\n2 2 2\n1 1\n2 1 0 2 4 AND\n2 1 1 3 5 XOR\n",                // output 6 never assigned
        "1 7\n2 2 2\n1 1\n1 1 7 6 EQ\n",                                  // EQ constant not a bit
        "99999999999 7\n2 2 2\n1 1\n",                                    // gates over cap
        "3 99999999999\n2 2 2\n1 1\n",                                    // wires over cap
        "3 7\n99999999 2 2\n1 1\n",                                       // too many inputs
        "1 7\n2 2 2\n1 1\n6 3 0 1 2 3 0 1 4 5 6 MAND\n", // MAND out of order ok? (valid)
        "1 7\n2 2 2\n1 1\n3 1 0 1 2 6 MAND\n",           // MAND arity
        "1 7\n2 2 2\n1 1\n18446744073709551616 1 0 6 INV\n", // overflowing number
    ];
    for (i, text) in bad.iter().enumerate() {
        let r = BristolCircuit::parse(text);
        if i == 19 {
            // 3 ANDs in one MAND line writing 4, 5, 6: valid.
            assert!(r.is_ok(), "case {i}: {r:?}");
        } else {
            assert!(r.is_err(), "case {i} should fail: {text:?}");
        }
    }
    // EQ / EQW semantics.
    let c =
        BristolCircuit::parse("3 5\n1 1\n2 1 1\n1 1 1 2 EQ\n1 1 0 3 EQW\n2 1 2 3 4 AND\n").unwrap();
    assert_eq!(
        c.eval_plain(&[vec![true]]).unwrap(),
        vec![vec![true], vec![true]]
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    /// Arbitrary text never panics the parser.
    #[test]
    fn bristol_parser_never_panics(s in "[0-9 \nA-Z]{0,200}") {
        let _ = BristolCircuit::parse(&s);
    }
}

// ---------------------------------------------------------------- malformed tables

#[test]
fn malformed_tables_are_errors() {
    let c = G::Add(8);
    let ins = [bits_from_u128(200, 8), bits_from_u128(100, 8)].concat();
    let (tables, decoding, active, keep) = garble_stream(&c, &ins, 5);
    // Honest run works.
    let labels = eval_stream(&c, tables.clone(), &active).unwrap();
    assert_eq!(u128_from_bits(&decode(&labels, &decoding).unwrap()), 300);
    // Truncated by one block, and by a whole gate.
    for cut in [1, 2, tables.blocks.len()] {
        let mut t = tables.clone();
        t.blocks.truncate(tables.blocks.len() - cut);
        assert!(matches!(
            eval_stream(&c, t, &active),
            Err(GarbleError::TruncatedTables { .. })
        ));
    }
    // Extra blocks.
    let mut t = tables.clone();
    t.blocks.push(Block(7));
    assert!(matches!(
        eval_stream(&c, t, &active),
        Err(GarbleError::ExtraTables { extra: 1 })
    ));
    // Wrong number of decoding bits / output labels.
    assert!(decode(&labels[1..], &decoding).is_err());
    assert!(keep.decode(&labels[1..]).is_err());
    // A corrupted output label is detected by the garbler.
    let mut bad = labels.clone();
    bad[0].0 ^= 1 << 77;
    assert!(matches!(
        keep.decode(&bad),
        Err(GarbleError::InvalidOutputLabel { index: 0 })
    ));

    // Compiled path: truncated, extra, and wrong input label count.
    let mut b = CircuitBuilder::new();
    let w = b.inputs(16).unwrap();
    for o in c.run(&mut b, &w).unwrap() {
        b.output(&o).unwrap();
    }
    let circ = b.build();
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let mut gb = Garbler::new(&mut rng);
    let zeros = gb.new_inputs(32, &mut rng);
    assert!(circ.garble(&mut gb, &zeros[..31], 2).is_err());
    circ.garble(&mut gb, &zeros, 2).unwrap();
    let (tables, _, _) = gb.finish();
    let mut t = tables.clone();
    t.blocks.pop();
    assert!(matches!(
        circ.evaluate(&mut Evaluator::new(t), &zeros, 2),
        Err(GarbleError::TruncatedTables { .. })
    ));
    assert!(matches!(
        circ.evaluate(&mut Evaluator::new(tables.clone()), &zeros[..30], 2),
        Err(GarbleError::WrongLabelCount { .. })
    ));
    let mut t = tables;
    t.blocks.push(Block::ZERO);
    let mut ev = Evaluator::new(t);
    circ.evaluate(&mut ev, &zeros, 2).unwrap();
    assert!(matches!(ev.finish(), Err(GarbleError::ExtraTables { .. })));
}

/// The compiled AES circuit keeps its size, has wide AND levels (what makes
/// batching across gates possible) and a small working set.
#[test]
fn aes_schedule_shape() {
    let b = load("aes_128.txt");
    let c = b.to_circuit().unwrap();
    assert_eq!(c.and_count(), 6400);
    assert_eq!(c.gate_count(), b.gates().len());
    assert!(
        c.and_depth() > 0 && c.and_depth() <= 100,
        "depth {}",
        c.and_depth()
    );
    // Slot reuse keeps the working set small (the file has 36,919 wires).
    eprintln!(
        "AES-128: {} storage slots, AND depth {}",
        c.num_slots(),
        c.and_depth()
    );
    assert!(c.num_slots() < 8192, "{} slots", c.num_slots());
}
