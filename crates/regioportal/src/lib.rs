//! The `regioportal` binary's library: command-line interface, configuration, start-up.

pub mod admin;
pub mod cli;
pub mod config;
pub mod demo;
pub mod server;
