//! Normalisation of the free text both sides write: names, addresses, phones, URLs.
//! Pure functions over strings; every rule is table-driven and unit-tested.

pub mod address;
pub mod kana;
pub mod loanword;
pub mod name;
pub mod phone;
#[cfg(test)]
mod realworld_tests;
pub mod street;
pub mod url;
