//! Fused kernels and their application to a (cache-resident) buffer.

use crate::complex::C;

/// Largest dense block fusion builds (qubits).
pub(crate) const DENSE_MAX: usize = 4;
/// Largest diagonal block (qubits); its phase table has 2^k entries.
pub(crate) const DIAG_MAX: usize = 10;
/// Largest monomial (permutation with phases) block (qubits).
pub(crate) const MONO_MAX: usize = 10;
/// Cost of one sweep over the buffer, in complex multiplies per amplitude.
const SWEEP: f64 = 1.0;

#[derive(Debug, Clone)]
pub(crate) enum KMat {
    /// row-major 2^k x 2^k
    Dense(Vec<C>),
    /// 2^k phases
    Diag(Vec<C>),
    /// a monomial matrix (permutation with phases): column j goes to row
    /// perm[j] times factor[j]
    Mono { perm: Vec<u32>, factor: Vec<C> },
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
            KMat::Mono { perm, factor } => {
                let active = (0..dim)
                    .filter(|&j| perm[j] as usize != j || factor[j] != C::ONE)
                    .count();
                active as f64 / dim as f64 + SWEEP
            }
        }
    }

    /// As a monomial over `to` (a superset of its qubits; Diag or Mono only).
    fn mono_over(&self, to: &[u32]) -> (Vec<u32>, Vec<C>) {
        let k = self.qubits.len();
        let dim = 1usize << k;
        let (perm, factor): (Vec<u32>, Vec<C>) = match &self.m {
            KMat::Mono { perm, factor } => (perm.clone(), factor.clone()),
            KMat::Diag(t) => ((0..dim as u32).collect(), t.clone()),
            KMat::Dense(_) => ((0..dim as u32).collect(), vec![C::ONE; dim]),
        };
        let map: Vec<usize> = self
            .qubits
            .iter()
            .map(|q| to.iter().position(|t| t == q).unwrap_or(0))
            .collect();
        let big = 1usize << to.len();
        let mask: usize = map.iter().fold(0, |a, &p| a | (1 << p));
        let mut bp = vec![0u32; big];
        let mut bf = vec![C::ONE; big];
        for x in 0..big {
            let sub = map
                .iter()
                .enumerate()
                .fold(0, |a, (j, &p)| a | (((x >> p) & 1) << j));
            let ps = perm[sub] as usize;
            let dep = map
                .iter()
                .enumerate()
                .fold(0, |a, (j, &p)| a | (((ps >> j) & 1) << p));
            bp[x] = ((x & !mask) | dep) as u32;
            bf[x] = factor[sub];
        }
        (bp, bf)
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
            KMat::Mono { perm, factor } => {
                let mut m = vec![C::ZERO; dim * dim];
                for col in 0..dim {
                    m[perm[col] as usize * dim + col] = factor[col];
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
    // one nonzero per column and per row: a monomial matrix
    let mut perm = vec![0u32; dim];
    let mut factor = vec![C::ZERO; dim];
    let mut seen = vec![false; dim];
    let mut mono = true;
    for c in 0..dim {
        let nz: Vec<usize> = (0..dim).filter(|&r| m[r * dim + c] != C::ZERO).collect();
        if nz.len() != 1 || seen[nz[0]] {
            mono = false;
            break;
        }
        seen[nz[0]] = true;
        perm[c] = nz[0] as u32;
        factor[c] = m[nz[0] * dim + c];
    }
    if mono {
        return Some(Kernel {
            qubits: qubits.to_vec(),
            m: KMat::Mono { perm, factor },
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
        (KMat::Diag(_) | KMat::Mono { .. }, KMat::Diag(_) | KMat::Mono { .. })
            if union.len() <= MONO_MAX =>
        {
            let (p1, f1) = earlier.mono_over(&union);
            let (p2, f2) = later.mono_over(&union);
            let dim = 1usize << union.len();
            let mut perm = vec![0u32; dim];
            let mut factor = vec![C::ZERO; dim];
            for j in 0..dim {
                let mid = p1[j] as usize;
                perm[j] = p2[mid];
                factor[j] = f2[mid] * f1[j];
            }
            Some(Kernel {
                qubits: union,
                m: KMat::Mono { perm, factor },
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
            // fast path: the same qubits in the same order, merged in place
            if let Some(k) = &mut self.kernels[j] {
                if k.qubits == g.qubits {
                    let dim = 1usize << g.qubits.len();
                    let merged = match (&mut k.m, g.m) {
                        (KMat::Diag(a), KMat::Diag(b)) => {
                            a.iter_mut().zip(&b).for_each(|(x, y)| *x = *x * *y);
                            None
                        }
                        (KMat::Dense(a), KMat::Diag(b)) => {
                            for r in 0..dim {
                                for c in 0..dim {
                                    a[r * dim + c] = b[r] * a[r * dim + c];
                                }
                            }
                            None
                        }
                        (KMat::Diag(a), KMat::Dense(mut b)) => {
                            for r in 0..dim {
                                for c in 0..dim {
                                    b[r * dim + c] = b[r * dim + c] * a[c];
                                }
                            }
                            Some(KMat::Dense(b))
                        }
                        (KMat::Dense(a), KMat::Dense(b)) => Some(KMat::Dense(matmul(&b, a, dim))),
                        (_, m) => {
                            // other combinations go the general way
                            let g = Kernel {
                                qubits: g.qubits,
                                m,
                            };
                            return self.push_general(g, Some(j));
                        }
                    };
                    if let Some(m) = merged {
                        k.m = m;
                    }
                    return;
                }
            }
        }
        self.push_general(g, j)
    }

    fn push_general(&mut self, g: Kernel, j: Option<usize>) {
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

#[inline(never)]
fn apply_mono(buf: &mut [C], pos: &[u32], perm: &[u32], factor: &[C]) {
    const R: usize = 16;
    let offs = offsets(pos);
    // only the entries that move or change: (source, destination, factor)
    let active: Vec<(usize, usize, C)> = (0..perm.len())
        .filter(|&j| perm[j] as usize != j || factor[j] != C::ONE)
        .map(|j| (offs[j], offs[perm[j] as usize], factor[j]))
        .collect();
    let mut tmp = vec![C::ZERO; active.len() * R];
    let mut sorted = pos.to_vec();
    sorted.sort_unstable();
    let len = buf.len();
    let p = buf.as_mut_ptr();
    let t = tmp.as_mut_ptr();
    for_runs(len, &sorted, |start, run| {
        let mut i0 = start;
        while i0 < start + run {
            let w = R.min(start + run - i0);
            // SAFETY: i0 + w <= start + run, and base index + offset stays
            // below len for every base for_runs yields; tmp holds R per entry.
            unsafe {
                if w == 1 {
                    for (ai, a) in active.iter().enumerate() {
                        *t.add(ai * R) = *p.add(i0 + a.0);
                    }
                    for (ai, a) in active.iter().enumerate() {
                        *p.add(i0 + a.1) = *t.add(ai * R) * a.2;
                    }
                } else {
                    for (ai, a) in active.iter().enumerate() {
                        std::ptr::copy_nonoverlapping(p.add(i0 + a.0), t.add(ai * R), w);
                    }
                    for (ai, a) in active.iter().enumerate() {
                        let (src, dst) = (t.add(ai * R), p.add(i0 + a.1));
                        if a.2 == C::ONE {
                            std::ptr::copy_nonoverlapping(src, dst, w);
                        } else {
                            for k in 0..w {
                                *dst.add(k) = *src.add(k) * a.2;
                            }
                        }
                    }
                }
            }
            i0 += w;
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
            KMat::Mono { perm, factor } => apply_mono(buf, &k.qubits, perm, factor),
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::*;
    use std::arch::x86_64::*;

    /// 2x2 on position t (any t).
    #[inline(never)]
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn dense1(buf: &mut [C], t: u32, m: &[C]) {
        let len = buf.len();
        let p = buf.as_mut_ptr() as *mut f64;
        if t == 0 {
            // [a, b] adjacent: out = [m0, m3]·[a, b] + [m1, m2]·[b, a]
            let c1r = _mm256_setr_pd(m[0].re, m[0].re, m[3].re, m[3].re);
            let c1i = _mm256_setr_pd(m[0].im, m[0].im, m[3].im, m[3].im);
            let c2r = _mm256_setr_pd(m[1].re, m[1].re, m[2].re, m[2].re);
            let c2i = _mm256_setr_pd(m[1].im, m[1].im, m[2].im, m[2].im);
            let mut i = 0;
            while i < len {
                let q = p.add(2 * i);
                let v = _mm256_loadu_pd(q);
                let w = _mm256_permute2f128_pd(v, v, 1);
                let vs = _mm256_permute_pd(v, 0b0101);
                let ws = _mm256_permute_pd(w, 0b0101);
                let r = _mm256_fmadd_pd(v, c1r, _mm256_mul_pd(w, c2r));
                let im = _mm256_fmadd_pd(vs, c1i, _mm256_mul_pd(ws, c2i));
                _mm256_storeu_pd(q, _mm256_addsub_pd(r, im));
                i += 2;
            }
            return;
        }
        let s = 1usize << t;
        let (m0r, m0i) = (_mm256_set1_pd(m[0].re), _mm256_set1_pd(m[0].im));
        let (m1r, m1i) = (_mm256_set1_pd(m[1].re), _mm256_set1_pd(m[1].im));
        let (m2r, m2i) = (_mm256_set1_pd(m[2].re), _mm256_set1_pd(m[2].im));
        let (m3r, m3i) = (_mm256_set1_pd(m[3].re), _mm256_set1_pd(m[3].im));
        let mut blk = 0;
        while blk < len {
            let mut i = blk;
            while i < blk + s {
                let pa = p.add(2 * i);
                let pb = p.add(2 * (i + s));
                let a = _mm256_loadu_pd(pa);
                let b = _mm256_loadu_pd(pb);
                let asw = _mm256_permute_pd(a, 0b0101);
                let bsw = _mm256_permute_pd(b, 0b0101);
                let r0 = _mm256_fmadd_pd(a, m0r, _mm256_mul_pd(b, m1r));
                let i0 = _mm256_fmadd_pd(asw, m0i, _mm256_mul_pd(bsw, m1i));
                let r1 = _mm256_fmadd_pd(a, m2r, _mm256_mul_pd(b, m3r));
                let i1 = _mm256_fmadd_pd(asw, m2i, _mm256_mul_pd(bsw, m3i));
                _mm256_storeu_pd(pa, _mm256_addsub_pd(r0, i0));
                _mm256_storeu_pd(pb, _mm256_addsub_pd(r1, i1));
                i += 2;
            }
            blk += 2 * s;
        }
    }

    /// N x N dense (N = 4, 8, 16, 32) at the given positions.
    #[inline(never)]
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn dense_n<const N: usize>(buf: &mut [C], pos: &[u32], m: &[C]) {
        let offs = offsets(pos);
        let half = N / 2;
        // row pairs: [m[2r][j].re x2, m[2r+1][j].re x2] and the same for .im
        let mut mr = vec![_mm256_setzero_pd(); half * N];
        let mut mi = vec![_mm256_setzero_pd(); half * N];
        for rp in 0..half {
            for j in 0..N {
                let (x, y) = (m[2 * rp * N + j], m[(2 * rp + 1) * N + j]);
                mr[rp * N + j] = _mm256_setr_pd(x.re, x.re, y.re, y.re);
                mi[rp * N + j] = _mm256_setr_pd(x.im, x.im, y.im, y.im);
            }
        }
        let mut sorted = pos.to_vec();
        sorted.sort_unstable();
        let p = buf.as_mut_ptr() as *mut f64;
        let mut ad = [_mm256_setzero_pd(); N];
        let mut asw = [_mm256_setzero_pd(); N];
        for_runs(buf.len(), &sorted, |start, run| {
            for i in start..start + run {
                for j in 0..N {
                    let v = _mm_loadu_pd(p.add(2 * (i + offs[j])));
                    let d = _mm256_broadcast_pd(&v);
                    ad[j] = d;
                    asw[j] = _mm256_permute_pd(d, 0b0101);
                }
                for rp in 0..half {
                    let row_r = &mr[rp * N..rp * N + N];
                    let row_i = &mi[rp * N..rp * N + N];
                    let mut acc_r = _mm256_mul_pd(row_r[0], ad[0]);
                    let mut acc_i = _mm256_mul_pd(row_i[0], asw[0]);
                    for j in 1..N {
                        acc_r = _mm256_fmadd_pd(row_r[j], ad[j], acc_r);
                        acc_i = _mm256_fmadd_pd(row_i[j], asw[j], acc_i);
                    }
                    let out = _mm256_addsub_pd(acc_r, acc_i);
                    _mm_storeu_pd(p.add(2 * (i + offs[2 * rp])), _mm256_castpd256_pd128(out));
                    _mm_storeu_pd(
                        p.add(2 * (i + offs[2 * rp + 1])),
                        _mm256_extractf128_pd(out, 1),
                    );
                }
            }
        });
    }

    /// N x N dense (N = 4, 8, 16, 32) with AVX-512: four rows per register.
    #[inline(never)]
    #[target_feature(enable = "avx512f,avx512dq,avx2,fma")]
    pub(super) unsafe fn dense_n_512<const N: usize>(buf: &mut [C], pos: &[u32], m: &[C]) {
        let offs = offsets(pos);
        let quads = N / 4;
        // row quads: [m[4q][j].re x2, m[4q+1][j].re x2, m[4q+2][j].re x2, m[4q+3][j].re x2]
        let mut mr = vec![_mm512_setzero_pd(); quads * N];
        let mut mi = vec![_mm512_setzero_pd(); quads * N];
        for q in 0..quads {
            for j in 0..N {
                let e: [C; 4] = std::array::from_fn(|k| m[(4 * q + k) * N + j]);
                mr[q * N + j] = _mm512_setr_pd(
                    e[0].re, e[0].re, e[1].re, e[1].re, e[2].re, e[2].re, e[3].re, e[3].re,
                );
                mi[q * N + j] = _mm512_setr_pd(
                    e[0].im, e[0].im, e[1].im, e[1].im, e[2].im, e[2].im, e[3].im, e[3].im,
                );
            }
        }
        let ones = _mm512_set1_pd(1.0);
        let mut sorted = pos.to_vec();
        sorted.sort_unstable();
        let p = buf.as_mut_ptr() as *mut f64;
        let mut ad = [_mm512_setzero_pd(); N];
        let mut asw = [_mm512_setzero_pd(); N];
        for_runs(buf.len(), &sorted, |start, run| {
            for i in start..start + run {
                for j in 0..N {
                    let v = _mm_loadu_pd(p.add(2 * (i + offs[j])));
                    let d = _mm512_broadcast_f64x2(v);
                    ad[j] = d;
                    asw[j] = _mm512_permute_pd(d, 0b0101_0101);
                }
                for q in 0..quads {
                    let row_r = &mr[q * N..q * N + N];
                    let row_i = &mi[q * N..q * N + N];
                    let mut acc_r = _mm512_mul_pd(row_r[0], ad[0]);
                    let mut acc_i = _mm512_mul_pd(row_i[0], asw[0]);
                    for j in 1..N {
                        acc_r = _mm512_fmadd_pd(row_r[j], ad[j], acc_r);
                        acc_i = _mm512_fmadd_pd(row_i[j], asw[j], acc_i);
                    }
                    // even lanes acc_r - acc_i, odd lanes acc_r + acc_i
                    let out = _mm512_fmaddsub_pd(acc_r, ones, acc_i);
                    _mm_storeu_pd(
                        p.add(2 * (i + offs[4 * q])),
                        _mm512_extractf64x2_pd::<0>(out),
                    );
                    _mm_storeu_pd(
                        p.add(2 * (i + offs[4 * q + 1])),
                        _mm512_extractf64x2_pd::<1>(out),
                    );
                    _mm_storeu_pd(
                        p.add(2 * (i + offs[4 * q + 2])),
                        _mm512_extractf64x2_pd::<2>(out),
                    );
                    _mm_storeu_pd(
                        p.add(2 * (i + offs[4 * q + 3])),
                        _mm512_extractf64x2_pd::<3>(out),
                    );
                }
            }
        });
    }

    /// Multiplies `run` amplitudes from `start` by v.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn scale_run(buf: &mut [C], start: usize, run: usize, v: C) {
        let p = buf.as_mut_ptr() as *mut f64;
        if run == 1 {
            let a = buf[start];
            buf[start] = a * v;
            return;
        }
        let vr = _mm256_set1_pd(v.re);
        let vi = _mm256_set1_pd(v.im);
        let mut i = start;
        while i < start + run {
            let q = p.add(2 * i);
            let a = _mm256_loadu_pd(q);
            let s = _mm256_permute_pd(a, 0b0101);
            _mm256_storeu_pd(
                q,
                _mm256_addsub_pd(_mm256_mul_pd(a, vr), _mm256_mul_pd(s, vi)),
            );
            i += 2;
        }
    }

    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn apply(buf: &mut [C], kernels: &[Kernel], avx512: bool) {
        for k in kernels {
            match &k.m {
                KMat::Dense(m) => match (k.qubits.len(), avx512) {
                    (1, _) => dense1(buf, k.qubits[0], m),
                    (2, false) => dense_n::<4>(buf, &k.qubits, m),
                    (3, false) => dense_n::<8>(buf, &k.qubits, m),
                    (4, false) => dense_n::<16>(buf, &k.qubits, m),
                    (_, false) => dense_n::<32>(buf, &k.qubits, m),
                    (2, true) => dense_n_512::<4>(buf, &k.qubits, m),
                    (3, true) => dense_n_512::<8>(buf, &k.qubits, m),
                    (4, true) => dense_n_512::<16>(buf, &k.qubits, m),
                    (_, true) => dense_n_512::<32>(buf, &k.qubits, m),
                },
                KMat::Diag(t) => diag(buf, k, t),
                KMat::Mono { perm, factor } => apply_mono(buf, &k.qubits, perm, factor),
            }
        }
    }
    #[inline(never)]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn diag(buf: &mut [C], k: &Kernel, t: &[C]) {
        let offs = offsets(&k.qubits);
        let active: Vec<(usize, C)> = offs
            .iter()
            .zip(t)
            .filter(|(_, v)| **v != C::ONE)
            .map(|(o, v)| (*o, *v))
            .collect();
        let mut sorted = k.qubits.clone();
        sorted.sort_unstable();
        for_runs(buf.len(), &sorted, |start, run| {
            for &(o, v) in &active {
                scale_run(buf, start + o, run, v);
            }
        });
    }
}

/// Applies kernels (buffer-local positions) to a buffer in order.
pub(crate) fn apply_kernels(buf: &mut [C], kernels: &[Kernel]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU supports the features the functions were
            // compiled for; kernel positions are below log2(buf.len()).
            let avx512 = std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512dq");
            unsafe { avx2::apply(buf, kernels, avx512) };
            return;
        }
    }
    apply_kernels_generic(buf, kernels)
}
