//! The vocabulary of Gatehouse: entities, typed ids, validated protocol values, the repository
//! traits that storage backends implement, and the clock and randomness every rule with a
//! deadline or a secret depends on.
//!
//! This crate does no I/O. It knows nothing of HTTP, SQL or logging, so that the protocol core,
//! the services and any storage backend can share it without dragging each other in.
//!
//! A storage backend implements every trait in [`repository`]; [`memory::MemoryStore`] is the
//! reference implementation and the worked example, and the `conformance` feature exposes the
//! test suite every backend must pass.

pub mod clock;
pub mod entities;
pub mod error;
pub mod ids;
pub mod memory;
pub mod message;
pub mod random;
pub mod repository;
pub mod values;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use clock::{Clock, FixedClock, SystemClock};
pub use entities::*;
pub use error::{ErrorClass, StorageError};
pub use ids::*;
pub use message::Message;
pub use random::{Random, SequenceRandom, SystemRandom};
pub use repository::*;
pub use values::*;
