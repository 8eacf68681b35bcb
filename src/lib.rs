//! Passerelles — community platform. See ARCHITECTURE.md for the code map.
pub mod images;
pub mod mail;
pub mod password;
pub mod username;
