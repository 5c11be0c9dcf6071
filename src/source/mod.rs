//! Sources: files, directories (recursed), `.zip` archives read in memory, and stdin; and
//! their decoding to UTF-8.

pub mod decode;
