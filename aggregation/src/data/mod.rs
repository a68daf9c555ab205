//! Data sets: loading, standardising, quantising and sharding (being written).
