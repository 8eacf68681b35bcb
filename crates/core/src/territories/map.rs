//! The server-rendered SVG map.
