//! Analyses over the normalized message stream: each one an accumulator that merges.

pub mod topics;
