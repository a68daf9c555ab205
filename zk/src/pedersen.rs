//! Pedersen (to be filled).
