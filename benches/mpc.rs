//! MPC benches: oblivious transfer (`ot_bench`) and garbled circuits / 2PC
//! (`gc_bench`). Fixed seeds; run with `cargo bench --bench mpc -- <filter>`.

use criterion::{criterion_group, criterion_main};

/// Oblivious-transfer benches: KOS extension throughput in memory (both
/// parties on one thread) and over loopback TCP (one thread per party), the
/// base-OT setup, and the in-process `transfer_chosen` driver at the sizes
/// the garbler uses. Fixed seeds.
mod ot_bench {
    use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
    use rand::SeedableRng;
    use rand_chacha::ChaCha12Rng;
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::time::{Duration, Instant};
    use zkagg_mpc::ot::kos::{self, ReceiverReady, SenderReady};
    use zkagg_mpc::ot::msgs::{
        ChoiceCorrectionsMsg, ChoicePointsMsg, ExtensionMatrixMsg, MaskedPairsMsg, SetupPointMsg,
    };
    use zkagg_mpc::ot::{transfer_chosen, SessionId, WireMessage};
    use zkagg_mpc::Block;

    /// OTs per extension batch in the throughput benches.
    const BATCH: usize = 1 << 20;

    fn rngs(seed: u64) -> (ChaCha12Rng, ChaCha12Rng) {
        (
            ChaCha12Rng::seed_from_u64(seed),
            ChaCha12Rng::seed_from_u64(seed + 1),
        )
    }

    fn setup_in_memory(
        rng_s: &mut ChaCha12Rng,
        rng_r: &mut ChaCha12Rng,
    ) -> (SenderReady, ReceiverReady) {
        let sid = SessionId([1; 32]);
        let (recv, m1) = kos::Receiver::new(sid, rng_r);
        let (sender, m2) = kos::Sender::new(sid, rng_s)
            .receive_base_setup(&m1, rng_s)
            .expect("base setup");
        (
            sender,
            recv.receive_base_choices(&m2).expect("base choices"),
        )
    }

    fn in_memory(c: &mut Criterion) {
        let mut g = c.benchmark_group("ot_ext_mem");
        g.sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(4))
            .sampling_mode(SamplingMode::Flat)
            .throughput(Throughput::Elements(BATCH as u64));

        // Random OT: receiver batch + sender batch (with the KOS check).
        let (mut rng_s, mut rng_r) = rngs(10);
        let (sender, mut recv) = setup_in_memory(&mut rng_s, &mut rng_r);
        let mut sender = Some(sender);
        g.bench_function(BenchmarkId::new("random", "2^20"), |b| {
            b.iter(|| {
                let (r_out, msg) = recv.extend_random(BATCH, &mut rng_r).expect("receiver");
                let (s, s_out) = sender
                    .take()
                    .expect("sender")
                    .extend_random(&msg)
                    .expect("sender");
                sender = Some(s);
                (r_out, s_out)
            })
        });

        // The same with the `_into` variants reusing the output buffers (no
        // fresh pages per batch: steady state of a stream of batches).
        let (mut rng_s, mut rng_r) = rngs(13);
        let (sender, mut recv) = setup_in_memory(&mut rng_s, &mut rng_r);
        let mut sender = Some(sender);
        let mut r_out = kos::RandomOtReceiverOutput::default();
        let mut s_out = kos::RandomOtSenderOutput::default();
        let mut msg = ExtensionMatrixMsg::default();
        g.bench_function(BenchmarkId::new("random_reuse", "2^20"), |b| {
            b.iter(|| {
                recv.extend_random_into(BATCH, &mut rng_r, &mut r_out, &mut msg)
                    .expect("receiver");
                let s = sender.take().expect("sender");
                sender = Some(s.extend_random_into(&msg, &mut s_out).expect("sender"));
            })
        });

        // The receiver's half alone (the sender's is the difference).
        let (mut rng_s, mut rng_r) = rngs(11);
        let (_, mut recv) = setup_in_memory(&mut rng_s, &mut rng_r);
        g.bench_function(BenchmarkId::new("random_receiver_only", "2^20"), |b| {
            b.iter(|| recv.extend_random(BATCH, &mut rng_r).expect("receiver"))
        });

        // Chosen-message OT (random OT + derandomisation).
        let (mut rng_s, mut rng_r) = rngs(12);
        let (sender, mut recv) = setup_in_memory(&mut rng_s, &mut rng_r);
        let mut sender = Some(sender);
        let msgs: Vec<[Block; 2]> = (0..BATCH as u128).map(|i| [Block(i), Block(!i)]).collect();
        let choices: Vec<bool> = (0..BATCH).map(|i| i % 3 == 0).collect();
        g.bench_function(BenchmarkId::new("chosen", "2^20"), |b| {
            b.iter(|| {
                let (r_out, matrix) = recv.extend_random(BATCH, &mut rng_r).expect("receiver");
                let (awaiting, corr) = r_out.derandomize(&choices).expect("corrections");
                let (s, s_out) = sender
                    .take()
                    .expect("sender")
                    .extend_random(&matrix)
                    .expect("sender");
                sender = Some(s);
                let masked = s_out.derandomize(&corr, &msgs).expect("masked");
                awaiting.receive_pairs(&masked).expect("unmask")
            })
        });
        g.finish();
    }

    fn setup_and_driver(c: &mut Criterion) {
        let mut g = c.benchmark_group("ot_setup");
        g.sample_size(10)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2));
        // 128 Chou-Orlandi base OTs, both parties.
        let (mut rng_s, mut rng_r) = rngs(20);
        g.bench_function("base_ot_128", |b| {
            b.iter(|| setup_in_memory(&mut rng_s, &mut rng_r))
        });
        // End-to-end transfer_chosen (base OTs + one batch), garbler sizes.
        for n in [128usize, 1024, 8192] {
            let (mut rng_s, mut rng_r) = rngs(21);
            let msgs: Vec<[Block; 2]> = (0..n as u128).map(|i| [Block(i), Block(!i)]).collect();
            let choices: Vec<bool> = (0..n).map(|i| i % 2 == 0).collect();
            g.throughput(Throughput::Elements(n as u64));
            g.bench_function(BenchmarkId::new("transfer_chosen", n), |b| {
                b.iter(|| transfer_chosen(&msgs, &choices, &mut rng_s, &mut rng_r).expect("ot"))
            });
        }
        g.finish();
    }

    fn send<M: WireMessage>(stream: &mut TcpStream, msg: &M) {
        let bytes = msg.encode();
        stream
            .write_all(&(bytes.len() as u64).to_le_bytes())
            .expect("write length");
        stream.write_all(&bytes).expect("write body");
    }

    fn recv<M: WireMessage>(stream: &mut TcpStream) -> M {
        let mut len = [0u8; 8];
        stream.read_exact(&mut len).expect("read length");
        let mut bytes = vec![0u8; u64::from_le_bytes(len) as usize];
        stream.read_exact(&mut bytes).expect("read body");
        M::decode(&bytes).expect("decode")
    }

    /// Chosen-message OT over loopback TCP: the sender runs in a second
    /// thread; each timed iteration is one batch of `BATCH` OTs (matrix and
    /// corrections out, masked pairs back), after an untimed base-OT setup.
    fn over_tcp(c: &mut Criterion) {
        let mut g = c.benchmark_group("ot_ext_tcp");
        g.sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(4))
            .sampling_mode(SamplingMode::Flat)
            .throughput(Throughput::Elements(BATCH as u64));
        let msgs: Vec<[Block; 2]> = (0..BATCH as u128).map(|i| [Block(i), Block(!i)]).collect();
        let choices: Vec<bool> = (0..BATCH).map(|i| i % 3 == 0).collect();
        g.bench_function(BenchmarkId::new("chosen", "2^20"), |b| {
            b.iter_custom(|iters| {
                let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
                let addr = listener.local_addr().expect("addr");
                let sid = SessionId([2; 32]);
                let sender_msgs = msgs.clone();
                let sender_thread = std::thread::spawn(move || {
                    let (mut stream, _) = listener.accept().expect("accept");
                    stream.set_nodelay(true).expect("nodelay");
                    let mut rng = ChaCha12Rng::seed_from_u64(30);
                    let setup: SetupPointMsg = recv(&mut stream);
                    let (mut sender, points) = kos::Sender::new(sid, &mut rng)
                        .receive_base_setup(&setup, &mut rng)
                        .expect("base setup");
                    send(&mut stream, &points);
                    for _ in 0..iters {
                        let matrix: ExtensionMatrixMsg = recv(&mut stream);
                        let corr: ChoiceCorrectionsMsg = recv(&mut stream);
                        let (s, out) = sender.extend_random(&matrix).expect("extend");
                        sender = s;
                        send(
                            &mut stream,
                            &out.derandomize(&corr, &sender_msgs).expect("mask"),
                        );
                    }
                });
                let mut stream = TcpStream::connect(addr).expect("connect");
                stream.set_nodelay(true).expect("nodelay");
                let mut rng = ChaCha12Rng::seed_from_u64(31);
                let (receiver, setup) = kos::Receiver::new(sid, &mut rng);
                send(&mut stream, &setup);
                let points: ChoicePointsMsg = recv(&mut stream);
                let mut receiver = receiver.receive_base_choices(&points).expect("base");
                let start = Instant::now();
                for _ in 0..iters {
                    let (r_out, matrix) = receiver.extend_random(BATCH, &mut rng).expect("extend");
                    let (awaiting, corr) = r_out.derandomize(&choices).expect("corrections");
                    send(&mut stream, &matrix);
                    send(&mut stream, &corr);
                    let masked: MaskedPairsMsg = recv(&mut stream);
                    std::hint::black_box(awaiting.receive_pairs(&masked).expect("unmask"));
                }
                let elapsed = start.elapsed();
                sender_thread.join().expect("sender thread");
                elapsed
            })
        });
        g.finish();
    }

    pub fn ot_benches(c: &mut Criterion) {
        in_memory(c);
        over_tcp(c);
        setup_and_driver(c);
    }
}

/// Garbling, evaluation and 2PC bound-check benches (fixed seeds, one thread).
///
/// `gc_aes128`: half-gates garbling and evaluation of the Bristol AES-128
/// circuit compiled to a flat gate array, throughput in AND gates per second.
/// `gc_hash`: the fixed-key-AES hash alone. `gc_2pc_bound`: the semi-honest
/// Yao bound check (real Chou-Orlandi + KOS OT, both parties in process) for
/// d = 1,000 and 10,000 over Z_l and Z_2^64; bytes and rounds printed to
/// stderr once per configuration.
mod gc_bench {
    use criterion::{BenchmarkId, Criterion, Throughput};
    use curve25519_dalek::Scalar;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha20Rng;
    use std::time::Duration;
    use zkagg_mpc::garble::{BristolCircuit, Evaluator, FixedKeyHash, Garbler};
    use zkagg_mpc::twopc::{check_bound_field, check_bound_u64, BoundRange, TwoPcCost};
    use zkagg_mpc::Block;

    fn aes() -> BristolCircuit {
        let text = include_str!("../mpc/tests/circuits/aes_128.txt");
        BristolCircuit::parse(text).expect("aes_128.txt parses")
    }

    fn aes_benches(c: &mut Criterion) {
        let circ = aes().to_circuit().expect("compiles");
        let ands = circ.and_count() as u64;
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let mut g = c.benchmark_group("gc_aes128");
        g.sample_size(10)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2));
        g.throughput(Throughput::Elements(ands));
        let mut gb0 = Garbler::new(&mut rng);
        let zeros = gb0.new_inputs(circ.num_inputs(), &mut rng);
        g.bench_function(BenchmarkId::new("garble", "1 block"), |b| {
            b.iter(|| {
                let mut gb = gb0.clone();
                circ.garble(&mut gb, &zeros, 1).expect("garble");
                gb.finish()
            })
        });
        let mut gb = gb0.clone();
        circ.garble(&mut gb, &zeros, 1).expect("garble");
        let (tables, _, _) = gb.finish();
        g.bench_function(BenchmarkId::new("evaluate", "1 block"), |b| {
            b.iter(|| {
                let mut ev = Evaluator::new(tables.clone());
                circ.evaluate(&mut ev, &zeros, 1).expect("evaluate");
                ev.finish().expect("finish")
            })
        });
        g.finish();

        // Raw fixed-key hash throughput (upper bound for garbling: 4 hashes per AND).
        let h = FixedKeyHash::new();
        let mut xs: Vec<Block> = (0..4096u128).map(Block).collect();
        let tw: Vec<u128> = (0..4096u128).collect();
        let mut g = c.benchmark_group("gc_hash");
        g.sample_size(10)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(1));
        g.throughput(Throughput::Elements(4096));
        g.bench_function("hash_many 4096", |b| b.iter(|| h.hash_many(&mut xs, &tw)));
        g.finish();
    }

    fn report(name: &str, d: usize, cost: &TwoPcCost) {
        eprintln!(
            "gc_2pc_bound/{name}/d={d}: {} AND gates, {} OTs, garbler->evaluator {} bytes \
             (OT {}), evaluator->garbler {} bytes (OT {}), {} rounds (OT {})",
            cost.and_gates,
            cost.ots,
            cost.bytes_garbler_to_evaluator,
            cost.ot.bytes_sender_to_receiver,
            cost.bytes_evaluator_to_garbler,
            cost.ot.bytes_receiver_to_sender,
            cost.rounds,
            cost.ot.rounds,
        );
    }

    fn bound_benches(c: &mut Criterion) {
        const BOUND: u64 = 1 << 20;
        let range = BoundRange::symmetric(BOUND).expect("range");
        let mut g = c.benchmark_group("gc_2pc_bound");
        g.sample_size(10)
            .warm_up_time(Duration::from_millis(200))
            .measurement_time(Duration::from_secs(3));
        for d in [1_000usize, 10_000] {
            let mut rng = ChaCha20Rng::seed_from_u64(d as u64);
            let xs: Vec<i64> = (0..d)
                .map(|_| rng.gen_range(-(BOUND as i64)..=BOUND as i64))
                .collect();
            // Z_l shares.
            let f1: Vec<Scalar> = xs.iter().map(|_| Scalar::random(&mut rng)).collect();
            let f2: Vec<Scalar> = xs
                .iter()
                .zip(&f1)
                .map(|(&v, r)| {
                    let x = if v >= 0 {
                        Scalar::from(v as u64)
                    } else {
                        -Scalar::from(v.unsigned_abs())
                    };
                    x - r
                })
                .collect();
            // Z_2^64 shares.
            let r1: Vec<u64> = xs.iter().map(|_| rng.gen()).collect();
            let r2: Vec<u64> = xs
                .iter()
                .zip(&r1)
                .map(|(&v, r)| (v as u64).wrapping_sub(*r))
                .collect();
            let rngs = || (ChaCha20Rng::seed_from_u64(7), ChaCha20Rng::seed_from_u64(8));

            let (mut rg, mut re) = rngs();
            let (ok, cost) = check_bound_field(&f1, &f2, range, &mut rg, &mut re).expect("2pc");
            assert!(ok);
            report("field", d, &cost);
            g.bench_function(BenchmarkId::new("field", d), |b| {
                b.iter(|| {
                    let (mut rg, mut re) = rngs();
                    check_bound_field(&f1, &f2, range, &mut rg, &mut re).expect("2pc")
                })
            });

            let (mut rg, mut re) = rngs();
            let (ok, cost) = check_bound_u64(&r1, &r2, range, &mut rg, &mut re).expect("2pc");
            assert!(ok);
            report("ring64", d, &cost);
            g.bench_function(BenchmarkId::new("ring64", d), |b| {
                b.iter(|| {
                    let (mut rg, mut re) = rngs();
                    check_bound_u64(&r1, &r2, range, &mut rg, &mut re).expect("2pc")
                })
            });
        }
        g.finish();
    }

    pub fn gc_benches(c: &mut Criterion) {
        aes_benches(c);
        bound_benches(c);
    }
}

criterion_group!(benches, ot_bench::ot_benches, gc_bench::gc_benches);
criterion_main!(benches);
