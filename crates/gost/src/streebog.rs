//! GOST R 34.11-2012 (Streebog) hash functions, 256 and 512 bits
//! (RFC 6986).
//!
//! [`Streebog256`] and [`Streebog512`] implement the RustCrypto `digest`
//! 0.11 traits (`Digest`, `FixedOutput`, `Reset`, the block-level
//! `block_api` ones through [`CoreProxy`]), so `hmac::Hmac<Streebog512>`
//! and everything else generic over a hash works with them. Each carries its
//! object identifier (`const_oid::AssociatedOid`): 1.2.643.7.1.1.2.2 and
//! 1.2.643.7.1.1.2.3 (RFC 9215 §3.2).
//!
//! ## How it is computed
//! The standard's round transformation `LPS = L ∘ P ∘ S` (substitution π,
//! byte transposition τ, linear map `l`) is evaluated through eight tables
//! of 256 words, `LPS_TABLES[j][x] = l(π(x) · 2^(8j))`, built at compile
//! time from π and the matrix A. A 64-byte state is eight little-endian
//! 64-bit words; word `i` of `LPS(a)` is the XOR over `j` of
//! `LPS_TABLES[j][byte i of word j of a]`. The byte order is the one the
//! standard's examples use once their big-endian printing is reversed: the
//! first byte of the message is the least significant byte of the first
//! block.
//!
//! All table indices are state bytes: like every table-driven Streebog
//! (OpenSSL's GOST engine, RustCrypto `streebog`), the timing of cache
//! accesses depends on the data being hashed.

use core::fmt;

use const_oid::{AssociatedOid, ObjectIdentifier};
use digest::{
    FixedOutput, FixedOutputReset, HashMarker, Output, OutputSizeUser, Reset, Update,
    block_api::{
        AlgorithmName, Block, BlockSizeUser, Buffer, BufferKindUser, CoreProxy, Eager,
        FixedOutputCore, UpdateCore,
    },
    consts::{U32, U64},
};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// The substitution π (GOST R 34.11-2012 §5.2, RFC 6986 §5.2); the same
/// byte permutation as Kuznyechik's.
const PI: [u8; 256] = [
    0xfc, 0xee, 0xdd, 0x11, 0xcf, 0x6e, 0x31, 0x16, 0xfb, 0xc4, 0xfa, 0xda, 0x23, 0xc5, 0x04, 0x4d,
    0xe9, 0x77, 0xf0, 0xdb, 0x93, 0x2e, 0x99, 0xba, 0x17, 0x36, 0xf1, 0xbb, 0x14, 0xcd, 0x5f, 0xc1,
    0xf9, 0x18, 0x65, 0x5a, 0xe2, 0x5c, 0xef, 0x21, 0x81, 0x1c, 0x3c, 0x42, 0x8b, 0x01, 0x8e, 0x4f,
    0x05, 0x84, 0x02, 0xae, 0xe3, 0x6a, 0x8f, 0xa0, 0x06, 0x0b, 0xed, 0x98, 0x7f, 0xd4, 0xd3, 0x1f,
    0xeb, 0x34, 0x2c, 0x51, 0xea, 0xc8, 0x48, 0xab, 0xf2, 0x2a, 0x68, 0xa2, 0xfd, 0x3a, 0xce, 0xcc,
    0xb5, 0x70, 0x0e, 0x56, 0x08, 0x0c, 0x76, 0x12, 0xbf, 0x72, 0x13, 0x47, 0x9c, 0xb7, 0x5d, 0x87,
    0x15, 0xa1, 0x96, 0x29, 0x10, 0x7b, 0x9a, 0xc7, 0xf3, 0x91, 0x78, 0x6f, 0x9d, 0x9e, 0xb2, 0xb1,
    0x32, 0x75, 0x19, 0x3d, 0xff, 0x35, 0x8a, 0x7e, 0x6d, 0x54, 0xc6, 0x80, 0xc3, 0xbd, 0x0d, 0x57,
    0xdf, 0xf5, 0x24, 0xa9, 0x3e, 0xa8, 0x43, 0xc9, 0xd7, 0x79, 0xd6, 0xf6, 0x7c, 0x22, 0xb9, 0x03,
    0xe0, 0x0f, 0xec, 0xde, 0x7a, 0x94, 0xb0, 0xbc, 0xdc, 0xe8, 0x28, 0x50, 0x4e, 0x33, 0x0a, 0x4a,
    0xa7, 0x97, 0x60, 0x73, 0x1e, 0x00, 0x62, 0x44, 0x1a, 0xb8, 0x38, 0x82, 0x64, 0x9f, 0x26, 0x41,
    0xad, 0x45, 0x46, 0x92, 0x27, 0x5e, 0x55, 0x2f, 0x8c, 0xa3, 0xa5, 0x7d, 0x69, 0xd5, 0x95, 0x3b,
    0x07, 0x58, 0xb3, 0x40, 0x86, 0xac, 0x1d, 0xf7, 0x30, 0x37, 0x6b, 0xe4, 0x88, 0xd9, 0xe7, 0x89,
    0xe1, 0x1b, 0x83, 0x49, 0x4c, 0x3f, 0xf8, 0xfe, 0x8d, 0x53, 0xaa, 0x90, 0xca, 0xd8, 0x85, 0x61,
    0x20, 0x71, 0x67, 0xa4, 0x2d, 0x2b, 0x09, 0x5b, 0xcb, 0x9b, 0x25, 0xd0, 0xbe, 0xe5, 0x6c, 0x52,
    0x59, 0xa6, 0x74, 0xd2, 0xe6, 0xf4, 0xb4, 0xc0, 0xd1, 0x66, 0xaf, 0xc2, 0x39, 0x4b, 0x63, 0xb6,
];

/// The rows A_0 .. A_63 of the matrix of the linear map `l`
/// (GOST R 34.11-2012 §5.4, RFC 6986 §5.4), in the standard's order:
/// `l(b_63 ‖ … ‖ b_0) = ⊕ b_(63−i) · A_i`.
#[rustfmt::skip]
const A: [u64; 64] = [
    0x8e20faa7_2ba0b470, 0x47107ddd_9b505a38, 0xad08b0e0_c3282d1c, 0xd8045870_ef14980e,
    0x6c022c38_f90a4c07, 0x3601161c_f205268d, 0x1b8e0b0e_798c13c8, 0x83478b07_b2468764,
    0xa011d380_818e8f40, 0x5086e740_ce47c920, 0x2843fd20_67adea10, 0x14aff010_bdd87508,
    0x0ad97808_d06cb404, 0x05e23c04_68365a02, 0x8c711e02_341b2d01, 0x46b60f01_1a83988e,
    0x90dab52a_387ae76f, 0x486dd415_1c3dfdb9, 0x24b86a84_0e90f0d2, 0x125c3542_07487869,
    0x092e9421_8d243cba, 0x8a174a9e_c8121e5d, 0x4585254f_64090fa0, 0xaccc9ca9_328a8950,
    0x9d4df05d_5f661451, 0xc0a878a0_a1330aa6, 0x60543c50_de970553, 0x302a1e28_6fc58ca7,
    0x18150f14_b9ec46dd, 0x0c84890a_d27623e0, 0x0642ca05_693b9f70, 0x0321658c_ba93c138,
    0x86275df0_9ce8aaa8, 0x439da078_4e745554, 0xafc0503c_273aa42a, 0xd960281e_9d1d5215,
    0xe230140f_c0802984, 0x71180a89_60409a42, 0xb60c05ca_30204d21, 0x5b068c65_1810a89e,
    0x456c3488_7a3805b9, 0xac361a44_3d1c8cd2, 0x561b0d22_900e4669, 0x2b838811_480723ba,
    0x9bcf4486_248d9f5d, 0xc3e92243_12c8c1a0, 0xeffa11af_0964ee50, 0xf97d86d9_8a327728,
    0xe4fa2054_a80b329c, 0x727d102a_548b194e, 0x39b00815_2acb8227, 0x92580484_15eb419d,
    0x492c0242_84fbaec0, 0xaa160121_42f35760, 0x550b8e9e_21f7a530, 0xa48b474f_9ef5dc18,
    0x70a6a56e_2440598e, 0x3853dc37_1220a247, 0x1ca76e95_091051ad, 0x0edd37c4_8a08a6d8,
    0x07e09562_4504536c, 0x8d70c431_ac02a736, 0xc8386296_5601dd1b, 0x641c314b_2b8ee083,
];

/// The iteration constants C_1 .. C_12 (GOST R 34.11-2012 §5.5,
/// RFC 6986 §5.5), written as the standard prints them: 512-bit numbers,
/// most significant hex digit first.
const C: [[u64; 8]; 12] = [
    be512(
        "b1085bda1ecadae9ebcb2f81c0657c1f2f6a76432e45d016714eb88d7585c4fc\
         4b7ce09192676901a2422a08a460d31505767436cc744d23dd806559f2a64507",
    ),
    be512(
        "6fa3b58aa99d2f1a4fe39d460f70b5d7f3feea720a232b9861d55e0f16b50131\
         9ab5176b12d699585cb561c2db0aa7ca55dda21bd7cbcd56e679047021b19bb7",
    ),
    be512(
        "f574dcac2bce2fc70a39fc286a3d843506f15e5f529c1f8bf2ea7514b1297b7b\
         d3e20fe490359eb1c1c93a376062db09c2b6f443867adb31991e96f50aba0ab2",
    ),
    be512(
        "ef1fdfb3e81566d2f948e1a05d71e4dd488e857e335c3c7d9d721cad685e353f\
         a9d72c82ed03d675d8b71333935203be3453eaa193e837f1220cbebc84e3d12e",
    ),
    be512(
        "4bea6bacad4747999a3f410c6ca923637f151c1f1686104a359e35d7800fffbd\
         bfcd1747253af5a3dfff00b723271a167a56a27ea9ea63f5601758fd7c6cfe57",
    ),
    be512(
        "ae4faeae1d3ad3d96fa4c33b7a3039c02d66c4f95142a46c187f9ab49af08ec6\
         cffaa6b71c9ab7b40af21f66c2bec6b6bf71c57236904f35fa68407a46647d6e",
    ),
    be512(
        "f4c70e16eeaac5ec51ac86febf240954399ec6c7e6bf87c9d3473e33197a93c9\
         0992abc52d822c3706476983284a05043517454ca23c4af38886564d3a14d493",
    ),
    be512(
        "9b1f5b424d93c9a703e7aa020c6e41414eb7f8719c36de1e89b4443b4ddbc49a\
         f4892bcb929b069069d18d2bd1a5c42f36acc2355951a8d9a47f0dd4bf02e71e",
    ),
    be512(
        "378f5a541631229b944c9ad8ec165fde3a7d3a1b258942243cd955b7e00d0984\
         800a440bdbb2ceb17b2b8a9aa6079c540e38dc92cb1f2a607261445183235adb",
    ),
    be512(
        "abbedea680056f52382ae548b2e4f3f38941e71cff8a78db1fffe18a1b336103\
         9fe76702af69334b7a1e6c303b7652f43698fad1153bb6c374b4c7fb98459ced",
    ),
    be512(
        "7bcd9ed0efc889fb3002c6cd635afe94d8fa6bbbebab07612001802114846679\
         8a1d71efea48b9caefbacd1d7d476e98dea2594ac06fd85d6bcaa4cd81f32d1b",
    ),
    be512(
        "378ee767f11631bad21380b00449b17acda43c32bcdf1d77f82012d430219f9b\
         5d80ef9d1891cc86e71da4aa88e12852faf417d5d9b21b9948bc924af11bd720",
    ),
];

/// Parses a 512-bit number printed as 128 hex digits (most significant
/// first) into eight little-endian 64-bit words. Runs at compile time only:
/// a malformed literal is a compile error.
const fn be512(hex: &str) -> [u64; 8] {
    let s = hex.as_bytes();
    assert!(s.len() == 128, "a 512-bit constant has 128 hex digits");
    let mut words = [0u64; 8];
    let mut k = 0;
    while k < 128 {
        let d = match s[k] {
            b'0'..=b'9' => s[k] - b'0',
            b'a'..=b'f' => s[k] - b'a' + 10,
            _ => 0xff,
        };
        assert!(d < 16, "not a lower-case hex digit");
        // Digit k (from the left) is bit 4·(127 − k) of the number.
        let bit = 4 * (127 - k);
        words[bit / 64] |= (d as u64) << (bit % 64);
        k += 1;
    }
    words
}

/// `LPS_TABLES[j][x] = l(π(x) · 2^(8j))`: the contribution of byte `x` at
/// byte position `j` of an input word to the output of `L ∘ P ∘ S`.
static LPS_TABLES: [[u64; 256]; 8] = lps_tables();

const fn lps_tables() -> [[u64; 256]; 8] {
    let mut t = [[0u64; 256]; 8];
    let mut j = 0;
    while j < 8 {
        let mut x = 0;
        while x < 256 {
            let s = PI[x];
            let mut acc = 0u64;
            let mut bit = 0;
            while bit < 8 {
                if (s >> bit) & 1 == 1 {
                    // Bit number 8j + bit of l's input multiplies A_(63 − 8j − bit).
                    acc ^= A[63 - 8 * j - bit];
                }
                bit += 1;
            }
            t[j][x] = acc;
            x += 1;
        }
        j += 1;
    }
    t
}

/// Words `i` and `i + 1` of `LPS(x)` for the input `x` stored as 64 bytes
/// in `b`: word `i` is the XOR over `j` of `LPS_TABLES[j][b[8j + i]]`.
/// Bytes `i` and `i + 1` of each input word are read with one 16-bit load
/// and split in registers, which balances the loads against the ALU work.
#[inline(always)]
fn lps_pair(b: &[u8; 64], i: usize) -> (u64, u64) {
    let t = &LPS_TABLES;
    let w: [u16; 8] =
        core::array::from_fn(|j| u16::from_le_bytes([b[8 * j + i], b[8 * j + i + 1]]));
    macro_rules! look {
        ($f:expr) => {
            t[0][usize::from($f(w[0]))]
                ^ t[1][usize::from($f(w[1]))]
                ^ t[2][usize::from($f(w[2]))]
                ^ t[3][usize::from($f(w[3]))]
                ^ t[4][usize::from($f(w[4]))]
                ^ t[5][usize::from($f(w[5]))]
                ^ t[6][usize::from($f(w[6]))]
                ^ t[7][usize::from($f(w[7]))]
        };
    }
    (look!(|x: u16| x as u8), look!(|x: u16| (x >> 8) as u8))
}

/// `LPS(x)`, fully unrolled, for `x` stored as bytes.
#[inline(always)]
fn lps_bytes(b: &[u8; 64]) -> [u64; 8] {
    let (r0, r1) = lps_pair(b, 0);
    let (r2, r3) = lps_pair(b, 2);
    let (r4, r5) = lps_pair(b, 4);
    let (r6, r7) = lps_pair(b, 6);
    [r0, r1, r2, r3, r4, r5, r6, r7]
}

#[inline(always)]
fn store_xor(buf: &mut [u8; 64], a: &[u64; 8], b: &[u64; 8]) {
    for (chunk, (x, y)) in buf.chunks_exact_mut(8).zip(a.iter().zip(b)) {
        chunk.copy_from_slice(&(x ^ y).to_le_bytes());
    }
}

#[inline(always)]
fn lps(a: &[u64; 8], b: &[u64; 8]) -> [u64; 8] {
    let mut buf = [0u8; 64];
    store_xor(&mut buf, a, b);
    core::hint::black_box(&mut buf);
    lps_bytes(&buf)
}

/// The constant used after round `r` (0-based) of [`g`]: `C_(r+2)`, and
/// zero after the last round, whose key output is not needed.
const C_NEXT: [[u64; 8]; 12] = {
    let mut t = [[0u64; 8]; 12];
    let mut r = 0;
    while r < 11 {
        t[r] = C[r + 1];
        r += 1;
    }
    t
};

#[inline(always)]
fn put(buf: &mut [u8; 64], i: usize, w: u64) {
    buf[8 * i..8 * i + 8].copy_from_slice(&w.to_le_bytes());
}

/// One round of `E` with the next key interleaved: from `bs = s ⊕ K_i`
/// and `bk = K_i ⊕ C_i`, computes `s' = LPS(bs)`, `K_(i+1) = LPS(bk)`
/// and writes `s' ⊕ K_(i+1)` to `ds` and `K_(i+1) ⊕ c` to `dk`. The two
/// LPS are independent chains of table loads, which the CPU overlaps.
#[inline(always)]
fn round(bs: &[u8; 64], bk: &[u8; 64], ds: &mut [u8; 64], dk: &mut [u8; 64], c: &[u64; 8]) {
    macro_rules! rows {
        ($i:literal) => {
            let (s0, s1) = lps_pair(bs, $i);
            let (k0, k1) = lps_pair(bk, $i);
            put(ds, $i, s0 ^ k0);
            put(ds, $i + 1, s1 ^ k1);
            put(dk, $i, k0 ^ c[$i]);
            put(dk, $i + 1, k1 ^ c[$i + 1]);
        };
    }
    rows!(0);
    rows!(2);
    rows!(4);
    rows!(6);
}

/// The compression function `g_N(h, m) = E(LPS(h ⊕ N), m) ⊕ h ⊕ m`
/// (GOST R 34.11-2012 §7, RFC 6986 §7), with
/// `E(K, m) = X[K_13] LPSX[K_12] … LPSX[K_1](m)` and the key schedule
/// `K_1 = K`, `K_(i+1) = LPS(K_i ⊕ C_i)`.
///
/// The cipher state lives in byte buffers: each round reads `s ⊕ K_i`
/// and `K_i ⊕ C_i` from one pair and writes the next round's from the
/// other. [`core::hint::black_box`] keeps the buffers in memory, so that
/// every table index is a narrow load rather than shifts of a register
/// (fewer instructions, and the loads balance the ALU work).
fn g(h: &mut [u64; 8], n: &[u64; 8], m: &[u64; 8]) {
    let k = lps(h, n);
    let mut b = [[0u8; 64]; 4];
    for i in 0..8 {
        put(&mut b[0], i, m[i] ^ k[i]);
        put(&mut b[1], i, k[i] ^ C[0][i]);
    }
    for r in (0..12).step_by(2) {
        core::hint::black_box(&mut b);
        let [b0, b1, b2, b3] = &mut b;
        round(b0, b1, b2, b3, &C_NEXT[r]);
        core::hint::black_box(&mut b);
        let [b0, b1, b2, b3] = &mut b;
        round(b2, b3, b0, b1, &C_NEXT[r + 1]);
    }
    // b[0] now holds s ⊕ K_13.
    let e = words(&b[0]);
    // Best-effort wipe of the round states (plain stores kept alive by
    // black_box; `zeroize`'s volatile byte loop costs about 5 % here).
    b = [[0; 64]; 4];
    core::hint::black_box(&mut b);
    for i in 0..8 {
        h[i] ^= e[i] ^ m[i];
    }
}

/// `a += b mod 2^512`, both as eight little-endian 64-bit words.
#[inline(always)]
fn add512(a: &mut [u64; 8], b: &[u64; 8]) {
    let mut carry = false;
    for (x, y) in a.iter_mut().zip(b) {
        let (s1, c1) = x.overflowing_add(*y);
        let (s2, c2) = s1.overflowing_add(u64::from(carry));
        *x = s2;
        carry = c1 | c2;
    }
}

/// `a += b mod 2^512` for a small `b` (the bit length of one block).
#[inline(always)]
fn add512_small(a: &mut [u64; 8], b: u64) {
    let (s, mut carry) = a[0].overflowing_add(b);
    a[0] = s;
    for x in &mut a[1..] {
        let (s, c) = x.overflowing_add(u64::from(carry));
        *x = s;
        carry = c;
    }
}

#[inline(always)]
fn words(block: &[u8]) -> [u64; 8] {
    let mut w = [0u64; 8];
    for (wi, chunk) in w.iter_mut().zip(block.chunks_exact(8)) {
        let mut b = [0u8; 8];
        b.copy_from_slice(chunk);
        *wi = u64::from_le_bytes(b);
    }
    w
}

/// The chaining state of GOST R 34.11-2012 §8: `h`, the processed length
/// `N` in bits and the checksum `Σ`, each a 512-bit little-endian number.
#[derive(Clone)]
struct State {
    h: [u64; 8],
    n: [u64; 8],
    sigma: [u64; 8],
}

impl State {
    const fn new(iv: u64) -> Self {
        Self {
            h: [iv; 8],
            n: [0; 8],
            sigma: [0; 8],
        }
    }

    /// Stage 2 for full blocks (§8.2): `h = g_N(h, m)`, `N += 512`,
    /// `Σ += m`.
    #[inline(always)]
    fn compress(&mut self, block: &[u8]) {
        let mut m = words(block);
        g(&mut self.h, &self.n, &m);
        add512_small(&mut self.n, 512);
        add512(&mut self.sigma, &m);
        m.zeroize();
    }

    /// Stage 3 (§8.3) over the last `tail.len() < 64` bytes: pad with 0x01
    /// and zeros, compress, then `h = g_0(h, N)`, `h = g_0(h, Σ)`.
    fn finalize(&mut self, tail: &[u8]) -> [u64; 8] {
        let mut block = [0u8; 64];
        block[..tail.len()].copy_from_slice(tail);
        block[tail.len()] = 0x01;
        let mut m = words(&block);
        block.zeroize();
        g(&mut self.h, &self.n, &m);
        add512_small(&mut self.n, 8 * tail.len() as u64);
        add512(&mut self.sigma, &m);
        m.zeroize();
        const ZERO: [u64; 8] = [0; 8];
        let (n, sigma) = (self.n, self.sigma);
        g(&mut self.h, &ZERO, &n);
        g(&mut self.h, &ZERO, &sigma);
        self.h
    }
}

impl Drop for State {
    fn drop(&mut self) {
        self.h.zeroize();
        self.n.zeroize();
        self.sigma.zeroize();
    }
}

fn write_bytes(words: &[u64], out: &mut [u8]) {
    for (chunk, w) in out.chunks_exact_mut(8).zip(words) {
        chunk.copy_from_slice(&w.to_le_bytes());
    }
}

macro_rules! streebog {
    (
        $(#[$doc:meta])*
        $name:ident, $core:ident, $out:ty, $iv:expr, $skip:expr, $oid:literal, $alg:literal
    ) => {
        /// Block-level core of
        #[doc = concat!("[`", stringify!($name), "`]")]
        /// (the `digest::block_api` traits); use that type instead.
        #[derive(Clone)]
        pub struct $core(State);

        impl Default for $core {
            #[inline]
            fn default() -> Self {
                Self(State::new($iv))
            }
        }

        impl HashMarker for $core {}

        impl BlockSizeUser for $core {
            type BlockSize = U64;
        }

        impl BufferKindUser for $core {
            type BufferKind = Eager;
        }

        impl OutputSizeUser for $core {
            type OutputSize = $out;
        }

        impl UpdateCore for $core {
            #[inline]
            fn update_blocks(&mut self, blocks: &[Block<Self>]) {
                for b in blocks {
                    self.0.compress(b);
                }
            }
        }

        impl FixedOutputCore for $core {
            #[inline]
            fn finalize_fixed_core(&mut self, buffer: &mut Buffer<Self>, out: &mut Output<Self>) {
                let mut h = self.0.finalize(buffer.get_data());
                buffer.reset();
                // The 256-bit hash is the most significant half: words 4..8.
                write_bytes(&h[$skip..], out);
                h.zeroize();
            }
        }

        impl Reset for $core {
            #[inline]
            fn reset(&mut self) {
                *self = Self::default();
            }
        }

        impl AlgorithmName for $core {
            fn write_alg_name(f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str($alg)
            }
        }

        impl fmt::Debug for $core {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($core), " { ... }"))
            }
        }

        impl ZeroizeOnDrop for $core {}

        $(#[$doc])*
        #[derive(Clone, Default)]
        pub struct $name {
            core: $core,
            buffer: Buffer<$core>,
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), " { ... }"))
            }
        }

        impl HashMarker for $name {}

        impl BlockSizeUser for $name {
            type BlockSize = U64;
        }

        impl OutputSizeUser for $name {
            type OutputSize = $out;
        }

        impl CoreProxy for $name {
            type Core = $core;

            fn compose(core: $core, buffer: Buffer<$core>) -> Self {
                Self { core, buffer }
            }

            fn decompose(self) -> ($core, Buffer<$core>) {
                let Self { core, buffer } = self;
                (core, buffer)
            }
        }

        impl Update for $name {
            #[inline]
            fn update(&mut self, data: &[u8]) {
                let Self { core, buffer } = self;
                buffer.digest_blocks(data, |blocks| core.update_blocks(blocks));
            }
        }

        impl FixedOutput for $name {
            #[inline]
            fn finalize_into(mut self, out: &mut Output<Self>) {
                let Self { core, buffer } = &mut self;
                core.finalize_fixed_core(buffer, out);
            }
        }

        impl Reset for $name {
            #[inline]
            fn reset(&mut self) {
                self.core.reset();
                self.buffer.reset();
            }
        }

        impl FixedOutputReset for $name {
            #[inline]
            fn finalize_into_reset(&mut self, out: &mut Output<Self>) {
                let Self { core, buffer } = self;
                core.finalize_fixed_core(buffer, out);
                self.reset();
            }
        }

        impl AlgorithmName for $name {
            fn write_alg_name(f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str($alg)
            }
        }

        impl AssociatedOid for $name {
            const OID: ObjectIdentifier = ObjectIdentifier::new_unwrap($oid);
        }

        /// The state and the buffered input are wiped when dropped.
        impl ZeroizeOnDrop for $name {}
    };
}

streebog!(
    /// Streebog-256: GOST R 34.11-2012 with a 256-bit result
    /// (`id-tc26-gost3411-12-256`, 1.2.643.7.1.1.2.2).
    Streebog256, Streebog256Core, U32, 0x0101_0101_0101_0101, 4, "1.2.643.7.1.1.2.2", "Streebog256"
);

streebog!(
    /// Streebog-512: GOST R 34.11-2012 with a 512-bit result
    /// (`id-tc26-gost3411-12-512`, 1.2.643.7.1.1.2.3).
    Streebog512, Streebog512Core, U64, 0, 0, "1.2.643.7.1.1.2.3", "Streebog512"
);

#[cfg(test)]
mod tests {
    use super::*;

    /// The table for byte position 7 maps x to l(π(x) · 2^56): π(0) = 0xfc
    /// has bits 2..7 set, i.e. input bits 58..63, which multiply A_5 .. A_0.
    #[test]
    fn lps_table_from_pi_and_a() {
        let expect = A[0] ^ A[1] ^ A[2] ^ A[3] ^ A[4] ^ A[5];
        assert_eq!(LPS_TABLES[7][0], expect);
        // l is linear and π a permutation: the 256 entries of a table are
        // distinct.
        for t in &LPS_TABLES {
            let mut v = t.to_vec();
            v.sort_unstable();
            v.dedup();
            assert_eq!(v.len(), 256);
        }
    }

    #[test]
    fn be512_reads_most_significant_digit_first() {
        let mut s = [b'0'; 128];
        s[0] = b'8';
        s[127] = b'1';
        let w = be512(core::str::from_utf8(&s).unwrap_or_default());
        assert_eq!(w, [1, 0, 0, 0, 0, 0, 0, 0x8000_0000_0000_0000]);
    }

    #[test]
    fn counters_carry_across_words() {
        let mut n = [u64::MAX, u64::MAX, 0, 0, 0, 0, 0, 0];
        add512_small(&mut n, 512);
        assert_eq!(n, [511, 0, 1, 0, 0, 0, 0, 0]);
        let mut s = [u64::MAX; 8];
        add512(&mut s, &[1, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(s, [0; 8]);
    }
}
