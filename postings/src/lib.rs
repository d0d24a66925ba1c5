//! What both binaries share: the posting CSV contract and the object store.

pub mod posting;

pub use posting::Posting;
