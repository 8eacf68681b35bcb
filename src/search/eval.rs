//! Relevance evaluation (filled in below).
