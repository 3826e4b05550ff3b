//! Content keys: every cache (serve's incremental build, the search index folder name) names
//! what it reuses by a SHA-256 of everything it was made from.

use sha2::{Digest, Sha256};

/// A SHA-256 digest naming the inputs of a cached result.
pub type Key = [u8; 32];

/// SHA-256 over self-delimiting parts (length-prefixed bytes, 0xFF-terminated JSON), so that
/// ("ab", "c") and ("a", "bc") differ.
pub struct Fingerprint(Sha256);

impl Fingerprint {
    pub fn new(kind: &str) -> Fingerprint {
        let mut f = Fingerprint(Sha256::new());
        f.bytes(kind.as_bytes());
        f
    }
    pub fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.update((bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
        self
    }
    /// Streams the JSON text into the hash; 0xFF (never part of UTF-8) ends it.
    pub fn json(&mut self, value: &impl serde::Serialize) -> &mut Self {
        struct Sink<'a>(&'a mut Sha256);
        impl std::io::Write for Sink<'_> {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.update(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        // Serialising plain data into a sink that never fails cannot fail.
        let _ = serde_json::to_writer(Sink(&mut self.0), value);
        self.0.update([0xff]);
        self
    }
    pub fn finish(&mut self) -> Key {
        self.0.finalize_reset().into()
    }
}
