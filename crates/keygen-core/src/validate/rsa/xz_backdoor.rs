//! The xz/liblzma backdoor key (CVE-2024-3094; badkeys'
//! `badkeys/rsakeys/xzbackdoor.py`): the backdoored sshd read a command
//! from the RSA modulus of a certificate. Its header is the first 16 bytes
//! of `n` as an ASN.1 INTEGER (big-endian, with a 0x00 byte in front when
//! the top bit is set), read as `a` (u32, little-endian), `b` (u32 LE) and
//! `c` (u64 LE); the command number is `a·b + c` modulo 2^64 and must be 0
//! to 3. A key carrying that header is refused.
//!
//! badkeys runs this only on request because a mostly-zero modulus hits it
//! too (`tests/data/rsa-pattern.key`). Here the sparse-modulus check runs
//! first and refuses such moduli with the reason that describes them; on a
//! random modulus `c` is uniform, so the header appears by chance with
//! probability 4/2^64 = 2^-62.

use super::{RsaKey, reject};
use crate::validate::reason::{Reason, Rejection};

/// Refuses a modulus carrying the backdoor's command header.
pub(super) fn check(key: &RsaKey<'_>) -> Result<(), Rejection> {
    if let Some(command) = command(key.n) {
        return Err(reject(
            Reason::RsaXzBackdoor,
            format!(
                "the rsa modulus carries the xz/liblzma backdoor's command header \
                 (cve-2024-3094): its first 16 bytes give command {command}"
            ),
        ));
    }
    Ok(())
}

/// The backdoor's command number (0 to 3) encoded in `n` (minimal,
/// big-endian magnitude), if any.
fn command(n: &[u8]) -> Option<u64> {
    if n.is_empty() {
        return None;
    }
    // The ASN.1 INTEGER form: a leading 0x00 keeps a set top bit positive
    // (X.690 section 8.3). Short moduli read as zero-extended.
    let mut header = [0u8; 16];
    let skip = usize::from(n[0] & 0x80 != 0);
    let take = n.len().min(16 - skip);
    header[skip..skip + take].copy_from_slice(&n[..take]);
    let word = |range: core::ops::Range<usize>| {
        let mut b = [0u8; 8];
        b[..range.len()].copy_from_slice(&header[range]);
        u64::from_le_bytes(b)
    };
    let (a, b, c) = (word(0..4), word(4..8), word(8..16));
    let cmd = a.wrapping_mul(b).wrapping_add(c);
    (cmd <= 3).then_some(cmd)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::validate::rsa::test_util::Rng;

    /// The command header, for the other checks' tests.
    pub(in crate::validate::rsa) fn command_of(n: &[u8]) -> Option<u64> {
        command(n)
    }

    /// badkeys' `xzbackdoor`, transcribed on bytes with u128 arithmetic.
    fn reference(n: &[u8]) -> bool {
        if n.is_empty() {
            return false;
        }
        let mut nb = n.to_vec();
        if nb[0] & 0x80 != 0 {
            nb.insert(0, 0);
        }
        let le = |s: &[u8]| {
            s.iter()
                .rev()
                .fold(0u128, |acc, &b| acc << 8 | u128::from(b))
        };
        let end = |k: usize| k.min(nb.len());
        let a = le(&nb[0..end(4)]);
        let b = le(&nb[end(4)..end(8)]);
        let c = le(&nb[end(8)..end(16)]);
        (a * b + c) % (1u128 << 64) <= 3
    }

    /// A 256-byte modulus whose header gives `cmd`, the rest random.
    fn with_header(rng: &mut Rng, top_bit: bool, cmd: u64) -> Vec<u8> {
        let mut n: Vec<u8> = (0..32).flat_map(|_| rng.next().to_be_bytes()).collect();
        n[0] = if top_bit {
            n[0] | 0x80
        } else {
            n[0] & 0x7f | 0x40
        };
        let skip = usize::from(top_bit);
        let mut h = [0u8; 16];
        h[skip..].copy_from_slice(&n[..16 - skip]);
        let a = u64::from(u32::from_le_bytes(h[0..4].try_into().unwrap()));
        let b = u64::from(u32::from_le_bytes(h[4..8].try_into().unwrap()));
        let c = cmd.wrapping_sub(a.wrapping_mul(b));
        h[8..16].copy_from_slice(&c.to_le_bytes());
        n[..16 - skip].copy_from_slice(&h[skip..]);
        n
    }

    #[test]
    fn the_header_is_found_with_and_without_the_leading_zero() {
        let mut rng = Rng(24);
        for top_bit in [true, false] {
            for cmd in 0..4 {
                let n = with_header(&mut rng, top_bit, cmd);
                assert_eq!(command(&n), Some(cmd));
                assert!(reference(&n));
            }
            // Command 4 is not one of the backdoor's.
            let n = with_header(&mut rng, top_bit, 4);
            assert_eq!(command(&n), None);
            assert!(!reference(&n));
        }
        // Without the 0x00 in front (top bit set) the header is elsewhere:
        // reading n's bytes directly would not find it.
        let n = with_header(&mut rng, true, 2);
        let mut shifted = [0u8; 16];
        shifted.copy_from_slice(&n[..16]);
        let a = u64::from(u32::from_le_bytes(shifted[0..4].try_into().unwrap()));
        let b = u64::from(u32::from_le_bytes(shifted[4..8].try_into().unwrap()));
        let c = u64::from_le_bytes(shifted[8..16].try_into().unwrap());
        assert!(a.wrapping_mul(b).wrapping_add(c) > 3);
    }

    #[test]
    fn agrees_with_badkeys_on_random_and_short_inputs() {
        let mut rng = Rng(99);
        for len in [0usize, 1, 3, 4, 7, 8, 15, 16, 17, 256, 512] {
            for _ in 0..50 {
                let mut n: Vec<u8> = (0..len.div_ceil(8))
                    .flat_map(|_| rng.next().to_be_bytes())
                    .take(len)
                    .collect();
                if let Some(b) = n.first_mut() {
                    *b |= 1;
                }
                assert_eq!(command(&n).is_some(), reference(&n), "{n:02x?}");
            }
        }
        // Mostly zero: the false positive that made badkeys run it only on
        // request (a·b + c = 0 + 1).
        let mut zero = vec![0u8; 256];
        zero[0] = 0x80;
        zero[255] = 1;
        assert_eq!(command(&zero), Some(0));
        zero[7] = 1;
        assert_eq!(command(&zero), Some(1));
        assert!(reference(&zero));
    }
}
