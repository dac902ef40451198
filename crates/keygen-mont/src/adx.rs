//! The scalar kernel's Montgomery product on x86-64 CPUs with BMI2 and ADX
//! (Intel since Broadwell, AMD since Zen): rows of `mulx` with two carry
//! chains, `adcx` and `adox`, in inline assembly; also the doubling of a
//! square's sum and the final subtraction, whose carry chains the compiler
//! keeps in a register between words.
//!
//! The compiler's code for the word-by-word product in `scalar` keeps one
//! carry chain in the carry flag and spends an `add`/`adc`/`adc` triple and
//! spills on each word product. ADX has two independent carry flags, so a
//! row of products can add each product's high word to the next column
//! (carry flag) and the running sum's word (overflow flag) at the same
//! time: `mulx`, `adcx`, `adox` and a store per word product. The compiler
//! does not form the second chain from Rust code or intrinsics
//! (`_addcarryx_u64` becomes an ordinary `adc`). This file
//! holds the only inline assembly in the project; the assembler writes each
//! row out, so every offset is a constant, and it is checked against the
//! word-by-word product (and through it against num-bigint) on every CPU
//! that has ADX.
//!
//! # Arithmetic
//!
//! Separated operand scanning (Koç, Acar and Kaliski 1996): the 64-word
//! product t = a·b, row by row, then 32 reduction rows, row i adding
//! m_i·N at word i with m_i = −t_i·N⁻¹ mod 2^64 so that word i becomes zero.
//! R = 2^2048; for a, b below N the result t/R is below 2·N and one masked
//! subtraction brings it below N, as in `scalar`. A squaring computes each
//! product a_i·a_j with i < j once, doubles the sum and adds the squares
//! a_i² before the same reduction rows: 1,520 word products instead of
//! 2,048.
//!
//! # Constant time
//!
//! The rows are straight-line code without a branch or an index that
//! depends on a value; the loops around them have constant trip counts.
//! The final subtraction keeps or drops the difference by `cmov`, which
//! reads its memory operand whatever the flag says.

#[cfg(target_arch = "x86_64")]
use crate::Words;

/// Words of a number.
#[cfg(target_arch = "x86_64")]
const LIMBS: usize = crate::WORDS;

/// Does the scalar kernel (what CPUs without AVX-512 run) use its ADX
/// products here, i.e. does this CPU have `mulx` (BMI2) and `adcx`/`adox`
/// (ADX)? (Detected once, then cached by the standard library; always
/// false under Miri, which cannot run inline assembly.)
#[must_use]
pub fn adx_available() -> bool {
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    {
        std::arch::is_x86_feature_detected!("bmi2") && std::arch::is_x86_feature_detected!("adx")
    }
    #[cfg(not(all(target_arch = "x86_64", not(miri))))]
    {
        false
    }
}

/// Proof that [`adx_available`] said yes: the only way to reach the assembly.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Adx(());

impl Adx {
    /// The token, when the CPU has BMI2 and ADX.
    pub(crate) fn new() -> Option<Self> {
        adx_available().then_some(Self(()))
    }
}

/// What a row does with the words of `t` it writes.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
enum Rows {
    /// Adds to all L + 1 of them.
    Sum,
    /// Adds to the lower L and writes the top one, which it does not read:
    /// the rows of a product, whose top word no earlier row reached.
    FreshTop,
    /// Writes all L + 1 without reading them: a product's first row.
    Fresh,
}

/// One row of length L: the L + 1 words of `t` become
/// t₀…t_(L−1) + x·b + (t_L + carry)·2^(64·L), the words `into` does not
/// read counting as zero; returns the carry out of the top word (at most 2
/// when `carry` is at most 1).
///
/// Each step j < L multiplies x by b_j (`mulx`, the high word into one of
/// two registers in turn), adds the previous step's high word with the
/// carry flag (`adcx`) and t_j with the overflow flag (`adox`), and stores
/// the word; the assembler writes the steps out two at a time (`.rept`, the
/// offsets constants of an assembler symbol). The two chains end at the top
/// word. Writing rather than adding where `into` says so spares the
/// caller zeroing the buffer before each product.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn row<const L: usize>(_: Adx, into: Rows, t: &mut [u64], b: &[u64], x: u64, carry: u64) -> u64 {
    /// The assembly, ending in the register `$last` (which holds step
    /// L − 1's high word); `$add0` and `$add1` are the two steps' additions
    /// of t_j (or nothing), `$top` the top word's addend (t_L, or `out`,
    /// which is zero there).
    macro_rules! row_asm {
        ($t:expr, $b:expr, $x:expr, $carry:expr, $odd:literal, $last:literal, $add0:literal, $add1:literal, $top:literal) => {{
            let out: u64;
            // SAFETY: the `Adx` token exists only when the CPU has BMI2
            // (`mulx`) and ADX (`adcx`, `adox`). The assembly reads b[0..L]
            // and reads and writes t[0..=L] (byte offsets below 8·(L + 1)),
            // whose lengths the caller asserted; it touches no other memory,
            // no stack, and only the registers named below.
            #[allow(unsafe_code)]
            unsafe {
                core::arch::asm!(
                    // h1 = 0 is "step −1's high word"; xor clears CF and OF.
                    "xor {h1:e}, {h1:e}",
                    ".set keygen_adx_j, 0",
                    ".rept {pairs}",
                    "mulx {h0}, {lo}, qword ptr [{b} + 8*keygen_adx_j]",
                    "adcx {lo}, {h1}",
                    $add0,
                    "mov qword ptr [{t} + 8*keygen_adx_j], {lo}",
                    "mulx {h1}, {lo}, qword ptr [{b} + 8*keygen_adx_j + 8]",
                    "adcx {lo}, {h0}",
                    $add1,
                    "mov qword ptr [{t} + 8*keygen_adx_j + 8], {lo}",
                    ".set keygen_adx_j, keygen_adx_j + 2",
                    ".endr",
                    // An odd length's last step.
                    ".rept {odd}",
                    "mulx {h0}, {lo}, qword ptr [{b} + 8*keygen_adx_j]",
                    "adcx {lo}, {h1}",
                    $add0,
                    "mov qword ptr [{t} + 8*keygen_adx_j], {lo}",
                    ".endr",
                    // The top word: the last high word (at most 2^64 − 2)
                    // plus the carry flag cannot wrap; then t_L (or zero)
                    // with the overflow flag, whose carry goes to `out`,
                    // then `carry`.
                    "mov {out:e}, 0",
                    concat!("adcx {", $last, "}, {out}"),
                    concat!("adox {", $last, "}, ", $top),
                    "adox {out}, {out}",
                    concat!("add {", $last, "}, {carry}"),
                    "adc {out}, 0",
                    concat!("mov qword ptr [{t} + {top}], {", $last, "}"),
                    t = in(reg) $t.as_mut_ptr(),
                    b = in(reg) $b.as_ptr(),
                    carry = in(reg) $carry,
                    in("rdx") $x,
                    pairs = const L / 2,
                    odd = const $odd,
                    top = const 8 * L,
                    lo = out(reg) _,
                    h0 = out(reg) _,
                    h1 = out(reg) _,
                    out = out(reg) out,
                    options(nostack),
                );
            }
            out
        }};
    }
    const { assert!(L >= 1) };
    assert!(t.len() > L && b.len() >= L, "a row of {L} words");
    /// The row for the parity of L and for `into`.
    macro_rules! row_for {
        ($odd:literal, $last:literal) => {
            match into {
                Rows::Sum => row_asm!(
                    t,
                    b,
                    x,
                    carry,
                    $odd,
                    $last,
                    "adox {lo}, qword ptr [{t} + 8*keygen_adx_j]",
                    "adox {lo}, qword ptr [{t} + 8*keygen_adx_j + 8]",
                    "qword ptr [{t} + {top}]"
                ),
                Rows::FreshTop => row_asm!(
                    t,
                    b,
                    x,
                    carry,
                    $odd,
                    $last,
                    "adox {lo}, qword ptr [{t} + 8*keygen_adx_j]",
                    "adox {lo}, qword ptr [{t} + 8*keygen_adx_j + 8]",
                    "{out}"
                ),
                // No addition of t_j: the overflow flag stays clear.
                Rows::Fresh => row_asm!(t, b, x, carry, $odd, $last, "", "", "{out}"),
            }
        };
    }
    if L.is_multiple_of(2) {
        row_for!(0, "h1")
    } else {
        row_for!(1, "h0")
    }
}

/// The rows of [`crate::montgomery_remainder`] for a modulus of exactly
/// `L` words: for each word i of `t` below its top `L`, row i adds
/// `q·n·2^(64·i)` with `q = t_i·(−n⁻¹)`, clearing word i, and the carry
/// out of each row's top word goes on to the next row's top word. Returns
/// the carry out of the last row (the word above `t`). Variable time is
/// fine here (public numbers), but the rows have none anyway.
#[cfg(target_arch = "x86_64")]
pub(crate) fn remainder_rows<const L: usize>(
    adx: Adx,
    t: &mut [u64],
    n: &[u64],
    neg_inverse: u64,
) -> u64 {
    let mut owed = 0;
    for i in 0..t.len().saturating_sub(L) {
        let q = t[i].wrapping_mul(neg_inverse);
        owed = row::<L>(adx, Rows::Sum, &mut t[i..=i + L], n, q, owed);
    }
    owed
}

/// The caller's scratch for [`mul`] and [`sqr`]: the 64 words of the
/// product before and during its reduction.
#[cfg(target_arch = "x86_64")]
pub(crate) type Scratch = [u64; 2 * LIMBS];

/// t·R⁻¹ for the 64-word t, in place: the 32 reduction rows leave the
/// result in t's top 32 words and return the carry above them (t/R =
/// top + carry·2^2048).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn reduce(adx: Adx, t: &mut Scratch, n: &Words, n_prime: u64) -> u64 {
    let mut carry = 0;
    // The compiler counts an `asm!` block as one instruction and would
    // write this loop out 32 times (24 KiB of code, more than the
    // instruction cache holds beside the rest of the squaring); a bound it
    // cannot see keeps it a loop. The bound is a constant: no value of the
    // computation decides the trip count.
    for i in 0..core::hint::black_box(LIMBS) {
        let m = t[i].wrapping_mul(n_prime);
        carry = row::<LIMBS>(adx, Rows::Sum, &mut t[i..=i + LIMBS], n, m, carry);
    }
    carry
}

/// a·b·R⁻¹ for a, b below N, left in the top 32 words of `t` with the
/// carry above them returned (the value is below 2·N; the caller subtracts
/// N once, masked). `n_prime` is −N⁻¹ mod 2^64. `t` is scratch: whatever it
/// held is overwritten, and what it holds after is the caller's to wipe.
#[cfg(target_arch = "x86_64")]
pub(crate) fn mul(adx: Adx, t: &mut Scratch, a: &Words, b: &Words, n: &Words, n_prime: u64) -> u64 {
    // Row 0 writes words 0 to 32 and row i the top word i + 32, which no
    // earlier row reached: the partial product fits below word i + 33, so
    // there is no carry out. Every word of `t` is written.
    row::<LIMBS>(adx, Rows::Fresh, &mut t[..=LIMBS], b, a[0], 0);
    // A loop, not 31 written-out rows: see `reduce`.
    for i in 1..core::hint::black_box(LIMBS) {
        row::<LIMBS>(adx, Rows::FreshTop, &mut t[i..=i + LIMBS], b, a[i], 0);
    }
    reduce(adx, t, n, n_prime)
}

/// a²·R⁻¹ for a below N, left in `t` as [`mul`] leaves it: each product
/// a_i·a_j with i < j once (row i adds a_i·(a_(i+1)…a_31) at word 2i + 1:
/// 496 word products), then the sum doubled and the squares a_i² added at
/// word 2i, then the reduction rows.
#[cfg(target_arch = "x86_64")]
pub(crate) fn sqr(adx: Adx, t: &mut Scratch, a: &Words, n: &Words, n_prime: u64) -> u64 {
    // Row 0 writes words 1 to 32, row i ≥ 1 the top word i + 32 (see
    // `mul`); no row reaches words 0 and 63.
    row::<{ LIMBS - 1 }>(adx, Rows::Fresh, &mut t[1..=LIMBS], &a[1..], a[0], 0);
    t[0] = 0;
    t[2 * LIMBS - 1] = 0;
    /// Row i for each i, written out so that its length is a constant.
    macro_rules! off_diagonal {
        ($($i:literal)*) => {$(
            // Row i ends at word i + 32, above every earlier row, and the
            // partial sum fits below it (no carry out).
            row::<{ LIMBS - 1 - $i }>(adx, Rows::FreshTop, &mut t[2 * $i + 1..=$i + LIMBS], &a[$i + 1..], a[$i], 0);
        )*};
    }
    off_diagonal!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30);
    double_and_add_squares(adx, t, a);
    reduce(adx, t, n, n_prime)
}

/// t ← 2·t + Σ a_i²·2^(128·i), for the sum of a square's products a_i·a_j
/// with i < j in t: then t = a². Each word is doubled by adding it to
/// itself with the overflow flag (which carries the bit shifted out of the
/// word below) and gets its half of a_i² with the carry flag: two chains
/// through the 64 words, as the rows run theirs. a² < 2^4096, so neither
/// chain carries out of the top word.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn double_and_add_squares(_: Adx, t: &mut Scratch, a: &Words) {
    // SAFETY: the `Adx` token exists only when the CPU has BMI2 (`mulx`)
    // and ADX (`adcx`, `adox`). The assembly reads a[0..32] and reads and
    // writes t[0..64] (byte offsets below 256 and 512), whose lengths the
    // types fix; it touches no other memory, no stack, and only the
    // registers named below.
    #[allow(unsafe_code)]
    unsafe {
        core::arch::asm!(
            // Clears CF and OF.
            "xor {w0:e}, {w0:e}",
            ".set keygen_adx_i, 0",
            ".rept {words}",
            "mov rdx, qword ptr [{a} + 8*keygen_adx_i]",
            "mulx {hi}, {lo}, rdx",
            "mov {w0}, qword ptr [{t} + 16*keygen_adx_i]",
            "mov {w1}, qword ptr [{t} + 16*keygen_adx_i + 8]",
            "adox {w0}, {w0}",
            "adox {w1}, {w1}",
            "adcx {w0}, {lo}",
            "adcx {w1}, {hi}",
            "mov qword ptr [{t} + 16*keygen_adx_i], {w0}",
            "mov qword ptr [{t} + 16*keygen_adx_i + 8], {w1}",
            ".set keygen_adx_i, keygen_adx_i + 1",
            ".endr",
            t = in(reg) t.as_mut_ptr(),
            a = in(reg) a.as_ptr(),
            words = const LIMBS,
            out("rdx") _,
            lo = out(reg) _,
            hi = out(reg) _,
            w0 = out(reg) _,
            w1 = out(reg) _,
            options(nostack),
        );
    }
}

/// `out` = v + carry·2^2048 reduced below N, for v (the 32 words of
/// `value`) plus the carry below 2·N: out = v − N by one borrow chain
/// (`sbb`), then out takes v back, word by word by `cmov` (which loads its
/// operand whatever the condition), when the subtraction borrowed past the
/// carry. The plain-Rust `scalar::subtract_once` computes the same; the
/// compiler keeps its borrow in a register between words (`bt`, `sbb`,
/// `setb`), three times the instructions.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn subtract_once(_: Adx, n: &Words, out: &mut Words, value: &Words, carry: u64) {
    // SAFETY: the `Adx` token exists only on x86-64 CPUs with BMI2 and ADX
    // (the instructions here are baseline x86-64). The assembly reads
    // n[0..32] and value[0..32] and writes out[0..32] (byte offsets below
    // 256), whose lengths the types fix and which do not overlap (`out` is
    // borrowed mutably); it touches no other memory, no stack, and only the
    // registers named below.
    #[allow(unsafe_code)]
    unsafe {
        core::arch::asm!(
            "mov {w}, qword ptr [{v}]",
            "sub {w}, qword ptr [{n}]",
            "mov qword ptr [{out}], {w}",
            ".set keygen_adx_j, 8",
            ".rept {words} - 1",
            "mov {w}, qword ptr [{v} + keygen_adx_j]",
            "sbb {w}, qword ptr [{n} + keygen_adx_j]",
            "mov qword ptr [{out} + keygen_adx_j], {w}",
            ".set keygen_adx_j, keygen_adx_j + 8",
            ".endr",
            // Take v back when borrow = 1 and carry = 0: the borrow as a
            // mask, cleared by carry − 1 when the carry is set.
            "sbb {w}, {w}",
            "dec {carry}",
            "and {w}, {carry}",
            // `mov` and `cmov` leave the flags of this test alone.
            "test {w}, {w}",
            ".set keygen_adx_j, 0",
            ".rept {words}",
            "mov {carry}, qword ptr [{out} + keygen_adx_j]",
            "cmovnz {carry}, qword ptr [{v} + keygen_adx_j]",
            "mov qword ptr [{out} + keygen_adx_j], {carry}",
            ".set keygen_adx_j, keygen_adx_j + 8",
            ".endr",
            n = in(reg) n.as_ptr(),
            v = in(reg) value.as_ptr(),
            out = in(reg) out.as_mut_ptr(),
            carry = inout(reg) carry => _,
            words = const LIMBS,
            w = out(reg) _,
            options(nostack),
        );
    }
}
