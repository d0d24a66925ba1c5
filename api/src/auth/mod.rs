//! Authentication: access tokens ([`token`]) and the extractor that turns a bearer token into
//! an authorised partner ([`extractor`]).

pub mod extractor;
pub mod token;

pub use extractor::AuthorizedPartner;
