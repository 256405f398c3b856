//! The primitive operations and their matrices (Qiskit's conventions: the
//! first qubit argument is the least significant bit of the matrix index).

use crate::complex::C;

/// A primitive gate: a qelib1 gate the kernel knows natively.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Prim {
    BigU,
    BigCx,
    U3,
    U2,
    U1,
    U,
    P,
    U0,
    Id,
    X,
    Y,
    Z,
    H,
    S,
    Sdg,
    T,
    Tdg,
    Sx,
    Sxdg,
    Rx,
    Ry,
    Rz,
    Cx,
    Cy,
    Cz,
    Ch,
    Csx,
    Crx,
    Cry,
    Crz,
    Cu1,
    Cp,
    Cu3,
    Cu,
    Swap,
    Ccx,
    Cswap,
    Rxx,
    Rzz,
    C3x,
    C4x,
    C3sqrtx,
}

/// (name, primitive, number of parameters, number of qubits); `U` and `CX`
/// are built into the language, the rest come with `include "qelib1.inc";`.
pub(crate) const QELIB1: &[(&str, Prim, usize, usize)] = &[
    ("u3", Prim::U3, 3, 1),
    ("u2", Prim::U2, 2, 1),
    ("u1", Prim::U1, 1, 1),
    ("u", Prim::U, 3, 1),
    ("p", Prim::P, 1, 1),
    ("u0", Prim::U0, 1, 1),
    ("id", Prim::Id, 0, 1),
    ("x", Prim::X, 0, 1),
    ("y", Prim::Y, 0, 1),
    ("z", Prim::Z, 0, 1),
    ("h", Prim::H, 0, 1),
    ("s", Prim::S, 0, 1),
    ("sdg", Prim::Sdg, 0, 1),
    ("t", Prim::T, 0, 1),
    ("tdg", Prim::Tdg, 0, 1),
    ("sx", Prim::Sx, 0, 1),
    ("sxdg", Prim::Sxdg, 0, 1),
    ("rx", Prim::Rx, 1, 1),
    ("ry", Prim::Ry, 1, 1),
    ("rz", Prim::Rz, 1, 1),
    ("cx", Prim::Cx, 0, 2),
    ("cy", Prim::Cy, 0, 2),
    ("cz", Prim::Cz, 0, 2),
    ("ch", Prim::Ch, 0, 2),
    ("csx", Prim::Csx, 0, 2),
    ("crx", Prim::Crx, 1, 2),
    ("cry", Prim::Cry, 1, 2),
    ("crz", Prim::Crz, 1, 2),
    ("cu1", Prim::Cu1, 1, 2),
    ("cp", Prim::Cp, 1, 2),
    ("cu3", Prim::Cu3, 3, 2),
    ("cu", Prim::Cu, 4, 2),
    ("swap", Prim::Swap, 0, 2),
    ("ccx", Prim::Ccx, 0, 3),
    ("cswap", Prim::Cswap, 0, 3),
    ("rxx", Prim::Rxx, 1, 2),
    ("rzz", Prim::Rzz, 1, 2),
    ("c3x", Prim::C3x, 0, 4),
    ("c4x", Prim::C4x, 0, 5),
    ("c3sqrtx", Prim::C3sqrtx, 0, 4),
];

/// qelib1 gates that Qiskit's qelib1.inc defines in terms of others; they are
/// expanded from these definitions.
pub(crate) const QELIB1_DEFINED: &str = "
gate rccx a,b,c { u2(0,pi) c; u1(pi/4) c; cx b, c; u1(-pi/4) c; cx a, c; u1(pi/4) c; cx b, c; u1(-pi/4) c; u2(0,pi) c; }
gate rc3x a,b,c,d { u2(0,pi) d; u1(pi/4) d; cx c,d; u1(-pi/4) d; u2(0,pi) d; cx a,d; u1(pi/4) d; cx b,d; u1(-pi/4) d; cx a,d; u1(pi/4) d; cx b,d; u1(-pi/4) d; u2(0,pi) d; u1(pi/4) d; cx c,d; u1(-pi/4) d; u2(0,pi) d; }
";

impl Prim {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Prim::BigU => "U",
            Prim::BigCx => "CX",
            other => QELIB1
                .iter()
                .find(|(_, p, _, _)| *p == other)
                .map(|(n, _, _, _)| *n)
                .unwrap_or("?"),
        }
    }

    /// The dense matrix, row-major, dimension 2^num_qubits.
    pub(crate) fn matrix(self, p: &[f64; 4]) -> Vec<C> {
        let o = C::ZERO;
        let l = C::ONE;
        let i = C::new(0.0, 1.0);
        let r = std::f64::consts::FRAC_1_SQRT_2;
        let sx = [
            C::new(0.5, 0.5),
            C::new(0.5, -0.5),
            C::new(0.5, -0.5),
            C::new(0.5, 0.5),
        ];
        match self {
            Prim::BigU | Prim::U3 | Prim::U => u3(p[0], p[1], p[2]),
            Prim::U2 => u3(std::f64::consts::FRAC_PI_2, p[0], p[1]),
            Prim::U1 | Prim::P => vec![l, o, o, C::cis(p[0])],
            Prim::U0 | Prim::Id => vec![l, o, o, l],
            Prim::X => vec![o, l, l, o],
            Prim::Y => vec![o, -i, i, o],
            Prim::Z => vec![l, o, o, -l],
            Prim::H => vec![
                C::new(r, 0.0),
                C::new(r, 0.0),
                C::new(r, 0.0),
                C::new(-r, 0.0),
            ],
            Prim::S => vec![l, o, o, i],
            Prim::Sdg => vec![l, o, o, -i],
            Prim::T => vec![l, o, o, C::cis(std::f64::consts::FRAC_PI_4)],
            Prim::Tdg => vec![l, o, o, C::cis(-std::f64::consts::FRAC_PI_4)],
            Prim::Sx => sx.to_vec(),
            Prim::Sxdg => sx.iter().map(|c| c.conj()).collect(),
            Prim::Rx => rx(p[0]),
            Prim::Ry => ry(p[0]),
            Prim::Rz => rz(p[0]),
            Prim::BigCx | Prim::Cx => controlled(&[o, l, l, o], 1),
            Prim::Cy => controlled(&[o, -i, i, o], 1),
            Prim::Cz => controlled(&[l, o, o, -l], 1),
            Prim::Ch => controlled(&Prim::H.matrix(p), 1),
            Prim::Csx => controlled(&sx, 1),
            Prim::Crx => controlled(&rx(p[0]), 1),
            Prim::Cry => controlled(&ry(p[0]), 1),
            Prim::Crz => controlled(&rz(p[0]), 1),
            Prim::Cu1 | Prim::Cp => controlled(&[l, o, o, C::cis(p[0])], 1),
            Prim::Cu3 => controlled(&u3(p[0], p[1], p[2]), 1),
            Prim::Cu => {
                let g = C::cis(p[3]);
                let m: Vec<C> = u3(p[0], p[1], p[2]).iter().map(|&c| c * g).collect();
                controlled(&m, 1)
            }
            Prim::Swap => {
                let mut m = vec![o; 16];
                for (row, col) in [(0, 0), (1, 2), (2, 1), (3, 3)] {
                    m[row * 4 + col] = l;
                }
                m
            }
            Prim::Ccx => controlled(&[o, l, l, o], 2),
            Prim::Cswap => {
                // control is bit 0; swap bits 1 and 2 when it is set
                let mut m = vec![o; 64];
                for col in 0..8usize {
                    let row = if col & 1 == 1 {
                        (col & 1) | ((col >> 1) & 1) << 2 | ((col >> 2) & 1) << 1
                    } else {
                        col
                    };
                    m[row * 8 + col] = l;
                }
                m
            }
            Prim::Rxx => {
                let (c, s) = ((p[0] / 2.0).cos(), (p[0] / 2.0).sin());
                let mut m = vec![o; 16];
                for k in 0..4 {
                    m[k * 4 + k] = C::new(c, 0.0);
                    m[k * 4 + (3 - k)] = C::new(0.0, -s);
                }
                m
            }
            Prim::Rzz => {
                let a = C::cis(-p[0] / 2.0);
                let b = C::cis(p[0] / 2.0);
                let mut m = vec![o; 16];
                for (k, v) in [a, b, b, a].into_iter().enumerate() {
                    m[k * 4 + k] = v;
                }
                m
            }
            Prim::C3x => controlled(&[o, l, l, o], 3),
            Prim::C4x => controlled(&[o, l, l, o], 4),
            Prim::C3sqrtx => controlled(&sx, 3),
        }
    }
}

pub(crate) fn u3(theta: f64, phi: f64, lam: f64) -> Vec<C> {
    let (c, s) = ((theta / 2.0).cos(), (theta / 2.0).sin());
    vec![
        C::new(c, 0.0),
        -(C::cis(lam) * s),
        C::cis(phi) * s,
        C::cis(phi + lam) * c,
    ]
}

fn rx(t: f64) -> Vec<C> {
    let (c, s) = ((t / 2.0).cos(), (t / 2.0).sin());
    vec![
        C::new(c, 0.0),
        C::new(0.0, -s),
        C::new(0.0, -s),
        C::new(c, 0.0),
    ]
}

fn ry(t: f64) -> Vec<C> {
    let (c, s) = ((t / 2.0).cos(), (t / 2.0).sin());
    vec![
        C::new(c, 0.0),
        C::new(-s, 0.0),
        C::new(s, 0.0),
        C::new(c, 0.0),
    ]
}

fn rz(t: f64) -> Vec<C> {
    vec![C::cis(-t / 2.0), C::ZERO, C::ZERO, C::cis(t / 2.0)]
}

/// `u` (2x2) controlled on the `nc` least significant bits; the target is
/// the most significant bit.
pub(crate) fn controlled(u: &[C], nc: usize) -> Vec<C> {
    let dim = 1usize << (nc + 1);
    let mask = (1usize << nc) - 1;
    let mut m = vec![C::ZERO; dim * dim];
    for row in 0..dim {
        if row & mask == mask {
            let tr = row >> nc;
            for tc in 0..2 {
                m[row * dim + (mask | (tc << nc))] = u[tr * 2 + tc];
            }
        } else {
            m[row * dim + row] = C::ONE;
        }
    }
    m
}
