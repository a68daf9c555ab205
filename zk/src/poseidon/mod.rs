//! Poseidon over F (to be filled).
