#!/usr/bin/env python3
"""Derives and checks the twisted Edwards constants of the two cofactor-4
GOST R 34.10-2012 curves, tc26-256-A and tc26-512-C.

Each curve is published twice (RFC 7836 App. A.2, R 1323565.1.024-2019):
as a short Weierstrass curve  y^2 = x^3 + a*x + b  with base point (x, y),
which is what keys and signatures use, and as the twisted Edwards curve
e*u^2 + v^2 = 1 + d*u^2*v^2 with the same group. The standard relates them by

    s = (e - d)/4,  t = (e + d)/6,
    a = s^2 - 3*t^2,  b = 2*t^3 - t*s^2,
    x = s*(1 + v)/(1 - v) + t,   y = s*(1 + v)/((1 - v)*u),
    u = (x - t)/y,               v = (x - t - s)/(x - t + s).

This script starts from the Weierstrass parameters (as in
src/curve/constants.rs) and the published e, d, and checks:

  1. a and b equal the values implied by e and d;
  2. t is a root of x^3 + a*x + b (so (t, 0) is the point of order 2), and
     s^2 = a + 3*t^2;
  3. the Weierstrass G maps onto the Edwards curve, to the published Edwards
     base point where the standard lists one, and maps back to G;
  4. completeness of the extended-coordinate formulas (Hisil-Wong-Carter-
     Dawson 2008, add-2008-hwcd and dbl-2008-hwcd): e is a square and d is
     not, so the denominators 1 +- d*u1*u2*v1*v2 never vanish (Bernstein-
     Lange, "Faster addition and doubling on elliptic curves", Thm 3.3, as
     twisted in Bernstein-Birkner-Joye-Lange-Peters 2008, Thm 6.1);
  5. consequently no Weierstrass point has x = t - s (the map's other pole),
     checked directly: x^3 + a*x + b is a non-square there;
  6. q*G = (0, 1) on the Edwards curve, and the map is a homomorphism on a
     few multiples of G (k*G computed on both forms and mapped).

It then prints the constants as Rust hex literals. With
`--check FILE` it instead verifies that FILE (src/curve/edwards.rs) contains
every derived constant exactly, and exits non-zero otherwise.

Standard library only. Usage:
    python3 crates/gost/tools/edwards_constants.py
    python3 crates/gost/tools/edwards_constants.py --check crates/gost/src/curve/edwards.rs
"""

import sys

CURVES = [
    {
        "name": "tc26-256-A",
        "rust": "CurveTc26A256",
        "bytes": 32,
        "p": 2**256 - 617,
        "q": 0x400000000000000000000000000000000FD8CDDFC87B6635C115AF556C360C67,
        "a": 0xC2173F1513981673AF4892C23035A27CE25E2013BF95AA33B22C656F277E7335,
        "b": 0x295F9BAE7428ED9CCC20E7C359A9D41A22FCCD9108E17BF7BA9337A6F8AE9513,
        "x": 0x91E38443A5E82C0D880923425712B2BB658B9196932E02C78B2582FE742DAA28,
        "y": 0x32879423AB1A0375895786C4BB46E9565FDE0B5344766740AF268ADB32322E5C,
        "e": 1,
        "d": 0x0605F6B7C183FA81578BC39CFAD518132B9DF62897009AF7E522C32D6DC7BFFB,
        # The Edwards base point as published (R 1323565.1.024-2019).
        "u": 0x0D,
        "v": 0x60CA1E32AA475B348488C38FAB07649CE7EF8DBE87F22E81F92B2592DBA300E7,
    },
    {
        "name": "tc26-512-C",
        "rust": "CurveTc26C512",
        "bytes": 64,
        "p": 2**512 - 569,
        "q": int(
            "3FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
            "C98CDBA46506AB004C33A9FF5147502CC8EDA9E7A769A12694623CEF47F023ED",
            16,
        ),
        "a": int(
            "DC9203E514A721875485A529D2C722FB187BC8980EB866644DE41C68E1430645"
            "46E861C0E2C9EDD92ADE71F46FCF50FF2AD97F951FDA9F2A2EB6546F39689BD3",
            16,
        ),
        "b": int(
            "B4C4EE28CEBC6C2C8AC12952CF37F16AC7EFB6A9F69F4B57FFDA2E4F0DE5ADE0"
            "38CBC2FFF719D2C18DE0284B8BFEF3B52B8CC7A5F5BF0A3C8D2319A5312557E1",
            16,
        ),
        "x": int(
            "E2E31EDFC23DE7BDEBE241CE593EF5DE2295B7A9CBAEF021D385F7074CEA043A"
            "A27272A7AE602BF2A7B9033DB9ED3610C6FB85487EAE97AAC5BC7928C1950148",
            16,
        ),
        "y": int(
            "F5CE40D95B5EB899ABBCCFF5911CB8577939804D6527378B8C108C3D2090FF9B"
            "E18E2D33E3021ED2EF32D85822423B6304F726AA854BAE07D0396E9A9ADDC40F",
            16,
        ),
        "e": 1,
        "d": int(
            "9E4F5D8C017D8D9F13A5CF3CDF5BFE4DAB402D54198E31EBDE28A0621050439C"
            "A6B39E0A515C06B304E2CE43E79E369E91A0CFC2BC2A22B4CA302DBB33EE7550",
            16,
        ),
        "u": None,
        "v": None,
    },
]


def inv(z, p):
    z %= p
    if z == 0:
        raise ZeroDivisionError("inverse of zero")
    return pow(z, p - 2, p)


def is_square(z, p):
    """Euler's criterion (0 counts as a square)."""
    z %= p
    return z == 0 or pow(z, (p - 1) // 2, p) == 1


def w_add(P, Q, a, p):
    """Affine Weierstrass addition; None is the point at infinity."""
    if P is None:
        return Q
    if Q is None:
        return P
    (x1, y1), (x2, y2) = P, Q
    if x1 == x2 and (y1 + y2) % p == 0:
        return None
    if P == Q:
        lam = (3 * x1 * x1 + a) * inv(2 * y1, p) % p
    else:
        lam = (y2 - y1) * inv(x2 - x1, p) % p
    x3 = (lam * lam - x1 - x2) % p
    return (x3, (lam * (x1 - x3) - y1) % p)


def w_mul(k, P, a, p):
    R = None
    for bit in bin(k)[2:]:
        R = w_add(R, R, a, p)
        if bit == "1":
            R = w_add(R, P, a, p)
    return R


def e_add(P, Q, e, d, p):
    """Affine twisted Edwards addition (complete when e is a square and d is not)."""
    (u1, v1), (u2, v2) = P, Q
    k = d * u1 * u2 * v1 * v2 % p
    return ((u1 * v2 + v1 * u2) * inv(1 + k, p) % p, (v1 * v2 - e * u1 * u2) * inv(1 - k, p) % p)


def e_mul(k, P, e, d, p):
    R = (0, 1)
    for bit in bin(k)[2:]:
        R = e_add(R, R, e, d, p)
        if bit == "1":
            R = e_add(R, P, e, d, p)
    return R


def w_to_e(P, s, t, p):
    x, y = P
    return ((x - t) * inv(y, p) % p, (x - t - s) * inv(x - t + s, p) % p)


def e_to_w(P, s, t, p):
    u, v = P
    w = s * (1 + v) * inv(1 - v, p) % p
    return ((w + t) % p, w * inv(u, p) % p)


def check(c):
    p, q, a, b, e, d = c["p"], c["q"], c["a"], c["b"], c["e"], c["d"]
    name = c["name"]
    g = (c["x"], c["y"])

    def ensure(cond, what):
        if not cond:
            raise SystemExit(f"{name}: FAILED: {what}")
        print(f"  ok  {what}")

    print(f"{name}: p = 2^{p.bit_length()} - {2**p.bit_length() - p if p.bit_length() % 64 == 0 else '?'}")
    ensure((c["y"] ** 2 - c["x"] ** 3 - a * c["x"] - b) % p == 0, "G is on the Weierstrass curve")
    s = (e - d) * inv(4, p) % p
    t = (e + d) * inv(6, p) % p
    # 1. a, b from e, d.
    ensure((s * s - 3 * t * t) % p == a, "a = s^2 - 3t^2 with s = (e-d)/4, t = (e+d)/6")
    ensure((2 * t**3 - t * s * s) % p == b, "b = 2t^3 - t*s^2")
    # 2. (t, 0) is the point of order 2; s^2 = a + 3t^2.
    ensure((t**3 + a * t + b) % p == 0, "t is a root of x^3 + a*x + b: (t, 0) has order 2")
    ensure((s * s - a - 3 * t * t) % p == 0, "s^2 = a + 3t^2")
    ensure((3 * t + 2 * s) % p == e and (3 * t - 2 * s) % p == d, "e = 3t + 2s, d = 3t - 2s")
    # 3. G <-> Edwards G.
    ge = w_to_e(g, s, t, p)
    u, v = ge
    ensure((e * u * u + v * v - 1 - d * u * u * v * v) % p == 0, "G maps onto e*u^2 + v^2 = 1 + d*u^2*v^2")
    if c["u"] is not None:
        ensure(ge == (c["u"], c["v"]), "mapped G equals the published Edwards base point")
    ensure(e_to_w(ge, s, t, p) == g, "the inverse map takes Edwards G back to G")
    # 4. Completeness.
    ensure(is_square(e, p), "e is a square")
    ensure(not is_square(d, p), "d is a non-square: the HWCD formulas are complete")
    ensure(p % 4 == 3, "p = 3 (mod 4): -1 is a non-square, so no a = -1 model by scaling")
    # 5. No Weierstrass point has x = t - s (it would map to infinity).
    x0 = (t - s) % p
    ensure(not is_square(x0**3 + a * x0 + b, p), "no Weierstrass point has x = t - s")
    # 6. Group order and homomorphism.
    ensure(e_mul(q, ge, e, d, p) == (0, 1), "q*G = (0, 1) on the Edwards curve")
    for k in [2, 3, 5, 0x1234567, q - 1, (q - 1) // 2]:
        wk = w_mul(k, g, a, p)
        ek = e_mul(k, ge, e, d, p)
        if ek == (0, 1) or wk is None:
            raise SystemExit(f"{name}: FAILED: k*G is the identity for k = {k}")
        if w_to_e(wk, s, t, p) != ek or e_to_w(ek, s, t, p) != wk:
            raise SystemExit(f"{name}: FAILED: map is not a homomorphism at k = {k}")
    print("  ok  k*G agrees on both forms for sample k (incl. q-1, (q-1)/2)")
    n = c["bytes"] * 2
    return {
        "D": format(d, f"0{n}x"),
        "MAP_S": format(s, f"0{n}x"),
        "MAP_T": format(t, f"0{n}x"),
        "GU": format(u, f"0{n}x"),
        "GV": format(v, f"0{n}x"),
    }


def main(argv):
    check_file = None
    if len(argv) == 3 and argv[1] == "--check":
        check_file = argv[2]
    elif len(argv) != 1:
        raise SystemExit(__doc__)
    text = open(check_file, encoding="utf-8").read() if check_file else None
    missing = []
    for c in CURVES:
        consts = check(c)
        print(f"\n// {c['name']} ({c['rust']}), e = {c['e']}")
        for k, v in consts.items():
            print(f'{k}: "{v}",')
            if text is not None and f'"{v}"' not in text:
                missing.append(f"{c['name']} {k}")
        print()
    if check_file:
        if missing:
            raise SystemExit(f"{check_file}: missing or different constants: {', '.join(missing)}")
        print(f"{check_file}: all constants present")


if __name__ == "__main__":
    main(sys.argv)
