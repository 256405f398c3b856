//! Fused kernels and their application to a (cache-resident) buffer.

use crate::complex::C;

/// Largest dense block fusion builds (qubits).
pub(crate) const DENSE_MAX: usize = 4;
/// Largest diagonal block (qubits); its phase table has 2^k entries.
pub(crate) const DIAG_MAX: usize = 10;
/// Cost of one sweep over the buffer, in complex multiplies per amplitude.
const SWEEP: f64 = 1.0;

#[derive(Debug, Clone)]
pub(crate) enum KMat {
    /// row-major 2^k x 2^k
    Dense(Vec<C>),
    /// 2^k phases
    Diag(Vec<C>),
    /// disjoint transpositions of matrix indices (a permutation that is its own inverse)
    Swaps(Vec<(u32, u32)>),
}

/// A kernel: `qubits[j]` is bit j of the matrix index. Qubits are global
/// before planning and buffer-local positions after.
#[derive(Debug, Clone)]
pub(crate) struct Kernel {
    pub qubits: Vec<u32>,
    pub m: KMat,
}

impl Kernel {
    pub(crate) fn mask(&self) -> u64 {
        self.qubits.iter().fold(0u64, |m, &q| m | (1u64 << q))
    }

    fn cost(&self) -> f64 {
        let dim = 1usize << self.qubits.len();
        match &self.m {
            KMat::Dense(_) => dim as f64 + SWEEP,
            KMat::Diag(t) => t.iter().filter(|c| **c != C::ONE).count() as f64 / dim as f64 + SWEEP,
            KMat::Swaps(s) => s.len() as f64 / dim as f64 + SWEEP,
        }
    }

    fn dense(&self) -> Vec<C> {
        let dim = 1usize << self.qubits.len();
        match &self.m {
            KMat::Dense(m) => m.clone(),
            KMat::Diag(t) => {
                let mut m = vec![C::ZERO; dim * dim];
                for (i, v) in t.iter().enumerate() {
                    m[i * dim + i] = *v;
                }
                m
            }
            KMat::Swaps(s) => {
                let mut perm: Vec<usize> = (0..dim).collect();
                for &(a, b) in s {
                    perm.swap(a as usize, b as usize);
                }
                let mut m = vec![C::ZERO; dim * dim];
                for (col, &row) in perm.iter().enumerate() {
                    m[row * dim + col] = C::ONE;
                }
                m
            }
        }
    }
}

/// Classifies a dense gate matrix: diagonal, a swap permutation, or dense.
/// Returns None for the identity.
pub(crate) fn classify(qubits: &[u32], m: Vec<C>) -> Option<Kernel> {
    let dim = 1usize << qubits.len();
    let diag = (0..dim).all(|r| (0..dim).all(|c| r == c || m[r * dim + c] == C::ZERO));
    if diag {
        let t: Vec<C> = (0..dim).map(|i| m[i * dim + i]).collect();
        if t.iter().all(|c| *c == C::ONE) {
            return None;
        }
        return Some(Kernel {
            qubits: qubits.to_vec(),
            m: KMat::Diag(t),
        });
    }
    // permutation with unit entries that is an involution
    let mut perm = vec![usize::MAX; dim];
    let mut is_perm = true;
    'cols: for c in 0..dim {
        for r in 0..dim {
            let v = m[r * dim + c];
            if v == C::ONE {
                if perm[c] != usize::MAX {
                    is_perm = false;
                    break 'cols;
                }
                perm[c] = r;
            } else if v != C::ZERO {
                is_perm = false;
                break 'cols;
            }
        }
        if perm[c] == usize::MAX {
            is_perm = false;
            break;
        }
    }
    if is_perm && (0..dim).all(|i| perm[perm[i]] == i) {
        let swaps: Vec<(u32, u32)> = (0..dim)
            .filter(|&i| perm[i] > i)
            .map(|i| (i as u32, perm[i] as u32))
            .collect();
        return Some(Kernel {
            qubits: qubits.to_vec(),
            m: KMat::Swaps(swaps),
        });
    }
    Some(Kernel {
        qubits: qubits.to_vec(),
        m: KMat::Dense(m),
    })
}

/// Expands a matrix over `from` qubits to the `to` qubits (a superset).
fn embed_dense(m: &[C], from: &[u32], to: &[u32]) -> Vec<C> {
    let dim = 1usize << to.len();
    let sub = 1usize << from.len();
    let map: Vec<usize> = from
        .iter()
        .map(|q| to.iter().position(|t| t == q).unwrap_or(0))
        .collect();
    let fmask: usize = map.iter().fold(0, |a, &p| a | (1 << p));
    let extract = |x: usize| -> usize {
        map.iter()
            .enumerate()
            .fold(0, |a, (j, &p)| a | (((x >> p) & 1) << j))
    };
    let mut out = vec![C::ZERO; dim * dim];
    for r in 0..dim {
        for c in 0..dim {
            if r & !fmask == c & !fmask {
                out[r * dim + c] = m[extract(r) * sub + extract(c)];
            }
        }
    }
    out
}

fn embed_diag(t: &[C], from: &[u32], to: &[u32]) -> Vec<C> {
    let dim = 1usize << to.len();
    let map: Vec<usize> = from
        .iter()
        .map(|q| to.iter().position(|x| x == q).unwrap_or(0))
        .collect();
    (0..dim)
        .map(|x| {
            let i = map
                .iter()
                .enumerate()
                .fold(0, |a, (j, &p)| a | (((x >> p) & 1) << j));
            t[i]
        })
        .collect()
}

fn matmul(a: &[C], b: &[C], dim: usize) -> Vec<C> {
    let mut out = vec![C::ZERO; dim * dim];
    for r in 0..dim {
        for k in 0..dim {
            let x = a[r * dim + k];
            if x == C::ZERO {
                continue;
            }
            for c in 0..dim {
                out[r * dim + c] += x * b[k * dim + c];
            }
        }
    }
    out
}

/// `later` applied after `earlier`, as one kernel over the union of their qubits.
fn merge(earlier: &Kernel, later: &Kernel) -> Option<Kernel> {
    let mut union = earlier.qubits.clone();
    for &q in &later.qubits {
        if !union.contains(&q) {
            union.push(q);
        }
    }
    match (&earlier.m, &later.m) {
        (KMat::Diag(a), KMat::Diag(b)) => {
            if union.len() > DIAG_MAX {
                return None;
            }
            let a = embed_diag(a, &earlier.qubits, &union);
            let b = embed_diag(b, &later.qubits, &union);
            Some(Kernel {
                qubits: union,
                m: KMat::Diag(a.iter().zip(&b).map(|(x, y)| *x * *y).collect()),
            })
        }
        _ => {
            if union.len() > DENSE_MAX {
                return None;
            }
            let dim = 1usize << union.len();
            let a = embed_dense(&earlier.dense(), &earlier.qubits, &union);
            let b = embed_dense(&later.dense(), &later.qubits, &union);
            Some(Kernel {
                qubits: union,
                m: KMat::Dense(matmul(&b, &a, dim)),
            })
        }
    }
}

/// Fuses a sequence of gate kernels (global qubits) into fewer kernels.
pub(crate) struct Fuser {
    pub kernels: Vec<Option<Kernel>>,
    last: Vec<Option<usize>>,
}

impl Fuser {
    pub(crate) fn new(n: u32) -> Fuser {
        Fuser {
            kernels: Vec::new(),
            last: vec![None; n as usize],
        }
    }

    pub(crate) fn push(&mut self, g: Kernel) {
        let j = g.qubits.iter().filter_map(|&q| self.last[q as usize]).max();
        if let Some(j) = j {
            if let Some(k) = &self.kernels[j] {
                if let Some(m) = merge(k, &g) {
                    if m.cost() <= k.cost() + g.cost() {
                        for &q in &g.qubits {
                            self.last[q as usize] = Some(j);
                        }
                        self.kernels[j] = Some(m);
                        return;
                    }
                }
            }
        }
        let idx = self.kernels.len();
        for &q in &g.qubits {
            self.last[q as usize] = Some(idx);
        }
        self.kernels.push(Some(g));
    }

    pub(crate) fn finish(self) -> Vec<Kernel> {
        self.kernels
            .into_iter()
            .flatten()
            .filter(|k| match &k.m {
                KMat::Diag(t) => t.iter().any(|c| *c != C::ONE),
                _ => true,
            })
            .collect()
    }
}

// ---- application to a buffer of 2^L amplitudes ----

#[inline(always)]
fn insert_zeros(mut x: usize, sorted: &[u32]) -> usize {
    for &p in sorted {
        let low = x & ((1usize << p) - 1);
        x = ((x >> p) << (p + 1)) | low;
    }
    x
}

fn offsets(pos: &[u32]) -> Vec<usize> {
    let dim = 1usize << pos.len();
    (0..dim)
        .map(|x| {
            pos.iter()
                .enumerate()
                .fold(0, |a, (j, &p)| a | (((x >> j) & 1) << p))
        })
        .collect()
}

/// Calls `f(start, run)` for each run of `run` consecutive base indices
/// (indices with zeros at the sorted positions).
#[inline(always)]
fn for_runs(len: usize, sorted: &[u32], mut f: impl FnMut(usize, usize)) {
    let k = sorted.len();
    let p0 = sorted[0] as usize;
    let run = 1usize << p0;
    let nb = len >> k;
    let mut hb = 0;
    while hb < nb {
        f(insert_zeros(hb, sorted), run);
        hb += run;
    }
}

#[inline(always)]
fn apply_dense1(buf: &mut [C], t: u32, m: &[C]) {
    let (m0, m1, m2, m3) = (m[0], m[1], m[2], m[3]);
    let s = 1usize << t;
    for blk in buf.chunks_exact_mut(2 * s) {
        let (lo, hi) = blk.split_at_mut(s);
        for (a, b) in lo.iter_mut().zip(hi.iter_mut()) {
            let (x, y) = (*a, *b);
            *a = m0 * x + m1 * y;
            *b = m2 * x + m3 * y;
        }
    }
}

#[inline(always)]
fn apply_dense_n<const N: usize>(buf: &mut [C], pos: &[u32], m: &[C]) {
    let offs = offsets(pos);
    let mut o = [0usize; N];
    o.copy_from_slice(&offs);
    let mut mm = [[C::ZERO; N]; N];
    for r in 0..N {
        mm[r].copy_from_slice(&m[r * N..(r + 1) * N]);
    }
    let mut sorted = pos.to_vec();
    sorted.sort_unstable();
    let len = buf.len();
    for_runs(len, &sorted, |start, run| {
        for i in start..start + run {
            let mut a = [C::ZERO; N];
            for j in 0..N {
                a[j] = buf[i + o[j]];
            }
            for r in 0..N {
                let mut s = C::ZERO;
                for j in 0..N {
                    s += mm[r][j] * a[j];
                }
                buf[i + o[r]] = s;
            }
        }
    });
}

#[inline(always)]
fn apply_diag(buf: &mut [C], pos: &[u32], t: &[C]) {
    let offs = offsets(pos);
    let active: Vec<(usize, C)> = offs
        .iter()
        .zip(t)
        .filter(|(_, v)| **v != C::ONE)
        .map(|(o, v)| (*o, *v))
        .collect();
    let mut sorted = pos.to_vec();
    sorted.sort_unstable();
    for_runs(buf.len(), &sorted, |start, run| {
        for &(o, v) in &active {
            for a in &mut buf[start + o..start + o + run] {
                *a = *a * v;
            }
        }
    });
}

#[inline(always)]
fn apply_swaps(buf: &mut [C], pos: &[u32], pairs: &[(u32, u32)]) {
    let offs = offsets(pos);
    let mut sorted = pos.to_vec();
    sorted.sort_unstable();
    for_runs(buf.len(), &sorted, |start, run| {
        for &(a, b) in pairs {
            let (x, y) = (start + offs[a as usize], start + offs[b as usize]);
            let (lo, hi) = if x < y { (x, y) } else { (y, x) };
            let (l, h) = buf.split_at_mut(hi);
            l[lo..lo + run].swap_with_slice(&mut h[..run]);
        }
    });
}

#[inline(always)]
fn apply_kernels_generic(buf: &mut [C], kernels: &[Kernel]) {
    for k in kernels {
        match &k.m {
            KMat::Dense(m) => match k.qubits.len() {
                1 => apply_dense1(buf, k.qubits[0], m),
                2 => apply_dense_n::<4>(buf, &k.qubits, m),
                3 => apply_dense_n::<8>(buf, &k.qubits, m),
                4 => apply_dense_n::<16>(buf, &k.qubits, m),
                _ => apply_dense_n::<32>(buf, &k.qubits, m),
            },
            KMat::Diag(t) => apply_diag(buf, &k.qubits, t),
            KMat::Swaps(s) => apply_swaps(buf, &k.qubits, s),
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn apply_kernels_avx2(buf: &mut [C], kernels: &[Kernel]) {
    apply_kernels_generic(buf, kernels)
}

/// Applies kernels (buffer-local positions) to a buffer in order.
pub(crate) fn apply_kernels(buf: &mut [C], kernels: &[Kernel]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU supports the features the function was compiled for.
            unsafe { apply_kernels_avx2(buf, kernels) };
            return;
        }
    }
    apply_kernels_generic(buf, kernels)
}
