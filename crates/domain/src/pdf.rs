//! PDF upload checks and the demo form writer (placeholder, being written).
