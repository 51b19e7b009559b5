//! Public holidays of Thuringia (placeholder, being written).
