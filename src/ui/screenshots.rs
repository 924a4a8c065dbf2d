//! Renders every screen to PNG (placeholder until written).
