//! Link previews.
