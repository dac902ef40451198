//! keygen-core: RSA-4096 SSH key pairs in a cloud key-pair API's exact format.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

mod error;
mod fingerprint;

pub use error::{Error, Result};
pub use fingerprint::{md5_fingerprint, sha256_fingerprint};

// validators: begin
// validators: end
