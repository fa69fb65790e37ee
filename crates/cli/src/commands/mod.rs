//! One module per subcommand.

pub mod convert;
pub mod device;
pub mod dwt;
pub mod info;
pub mod lottery;
pub mod mask;
pub mod phantom;
pub mod phase;
pub mod prune;
pub mod recon;
pub mod recover;
pub mod select;
