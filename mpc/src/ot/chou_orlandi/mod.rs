//! Chou-Orlandi base OT (to be filled).
