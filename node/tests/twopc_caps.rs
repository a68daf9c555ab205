//! The two-party channel's frame cap is derived from the config: every
//! message of an honest session over all providers fits it, with little to
//! spare, and the other channels carry no two-party frames at all.

use rand::SeedableRng;
use std::sync::{Arc, Mutex};
use zkagg_aggregation::config::ValidityMode;
use zkagg_aggregation::msgs::ValidityMessage;
use zkagg_aggregation::relation::BoundedVectorRelation;
use zkagg_aggregation::sim::{ConsortiumBuilder, Tamper};
use zkagg_mpc::sharing::additive::Additive;
use zkagg_node::frame::{encode_payload, FrameCaps, WireMessage};
use zkagg_node::service::twopc::twopc_caps;

struct Sizes(Arc<Mutex<Vec<usize>>>);

impl Tamper for Sizes {
    fn validity_message(&mut self, m: &mut ValidityMessage) {
        let n = encode_payload(&WireMessage::Validity(m.clone()))
            .unwrap()
            .len();
        self.0.lock().unwrap().push(n);
    }
}

#[test]
fn every_two_party_message_fits_the_cap_derived_from_the_config() {
    let providers = 3;
    let mut c = ConsortiumBuilder::new(
        BoundedVectorRelation::new(4, 16).unwrap(),
        Additive::new(2).unwrap(),
    )
    .providers(providers)
    .validity(ValidityMode::Mpc2pc)
    .min_batch(1)
    .build()
    .unwrap();
    let caps = twopc_caps(c.setup().config(), c.setup()).unwrap();
    let sizes = Arc::new(Mutex::new(Vec::new()));
    let ups: Vec<Vec<i64>> = (0..providers as i64).map(|i| vec![i, -i, 7, 0]).collect();
    let inputs: Vec<Option<&Vec<i64>>> = ups.iter().map(Some).collect();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let r = c
        .run_round(&inputs, &mut Sizes(sizes.clone()), &mut rng)
        .unwrap();
    assert_eq!(r.accepted.len(), providers);
    let sizes = sizes.lock().unwrap();
    let largest = *sizes.iter().max().unwrap();
    assert_eq!(sizes.len(), 5, "five flows");
    assert!(largest <= caps.validity, "{largest} > {}", caps.validity);
    // Tight: the envelope is all the slack.
    assert!(
        caps.validity - largest <= 200,
        "{largest} vs {}",
        caps.validity
    );
    // The coordinator's and providers' channels admit no two-party frame
    // beyond the bare envelope.
    assert!(FrameCaps::for_config(c.setup().config()).validity < 200);
}
