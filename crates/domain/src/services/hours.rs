//! Structured opening hours (placeholder, being written).
