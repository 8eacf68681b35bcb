//! Saved searches (filled in below).
