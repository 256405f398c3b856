//! Planning (fusion → cache-blocked passes) and execution.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::complex::C;
use crate::kernel::{apply_kernels, classify, Fuser, KMat, Kernel};
use crate::{Circuit, Op, OpKind, Outcome, RunError, RunOptions};

/// Buffer size of one pass, in qubits: 2^16 amplitudes = 1 MiB (L2 holds it).
const LOCAL_BITS: u32 = 16;
/// At most this many qubits outside the contiguous low block in one pass.
const MAX_HIGH: u32 = 8;
/// Registers this large run across the rayon pool; smaller ones on the caller's thread.
const PAR_MIN: u32 = 14;
/// Fixed chunk for reductions, so sums do not depend on the thread count.
const SUM_CHUNK: usize = 1 << 12;

/// A pass over the whole state: the buffer holds, for each group, the
/// 2^c contiguous amplitudes at each combination of the `high` qubits.
#[derive(Debug, Clone)]
pub(crate) struct Pass {
    c: u32,
    high: Vec<u32>,
    /// kernels with buffer-local positions
    kernels: Vec<Kernel>,
}

fn par_wanted(n: u32) -> bool {
    n >= PAR_MIN && rayon::current_num_threads() > 1
}

fn local_bits(n: u32) -> u32 {
    if par_wanted(n) {
        LOCAL_BITS.min(n - 2)
    } else {
        LOCAL_BITS.min(n)
    }
}

/// Fuses the gates and groups the kernels into passes.
pub(crate) fn plan(n: u32, gates: &[&Op]) -> Vec<Pass> {
    let mut f = Fuser::new(n);
    for op in gates {
        if let OpKind::Gate(prim, p) = op.kind {
            if let Some(k) = classify(op.qubits(), prim.matrix(&p)) {
                f.push(k);
            }
        }
    }
    let kernels = f.finish();
    if kernels.is_empty() || n == 0 {
        return Vec::new();
    }
    let l = local_bits(n);
    if l >= n {
        return vec![Pass {
            c: n,
            high: Vec::new(),
            kernels,
        }];
    }
    let all: u64 = if n >= 64 { u64::MAX } else { (1u64 << n) - 1 };
    let max_high = MAX_HIGH.min(l.saturating_sub(5));
    let c_min = l - max_high;
    let masks: Vec<u64> = kernels.iter().map(|k| k.mask()).collect();
    let mut order: Vec<usize> = (0..kernels.len()).collect();
    let mut head = 0usize;
    let mut passes = Vec::new();
    while head < order.len() {
        let mut local: u64 = (1u64 << c_min) - 1;
        let mut nhigh = 0u32;
        let mut blocked = 0u64;
        let mut taken = Vec::new();
        let mut kept = Vec::new();
        let mut i = head;
        while i < order.len() {
            let ki = order[i];
            let qm = masks[ki];
            i += 1;
            if qm & blocked != 0 {
                blocked |= qm;
                kept.push(ki);
            } else {
                let new = qm & !local;
                // the first kernel is always taken, so every pass makes progress
                if taken.is_empty() || nhigh + new.count_ones() <= max_high {
                    local |= new;
                    nhigh += new.count_ones();
                    taken.push(ki);
                } else {
                    blocked |= qm;
                    kept.push(ki);
                }
            }
            if blocked == all {
                break;
            }
        }
        // the not-taken scanned kernels go back just before position i
        let start = i - kept.len();
        order[start..i].copy_from_slice(&kept);
        head = start;
        // fill the local set up to l qubits with the lowest others
        let mut q = 0;
        while local.count_ones() < l && q < n {
            local |= 1u64 << q;
            q += 1;
        }
        let c = (!local).trailing_zeros().min(n);
        let high: Vec<u32> = (c..n).filter(|&q| local & (1u64 << q) != 0).collect();
        let to_local = |q: u32| -> u32 {
            if q < c {
                q
            } else {
                c + high.iter().position(|&h| h == q).unwrap_or(0) as u32
            }
        };
        let ks = taken
            .iter()
            .map(|&ki| {
                let k = &kernels[ki];
                Kernel {
                    qubits: k.qubits.iter().map(|&q| to_local(q)).collect(),
                    m: k.m.clone(),
                }
            })
            .collect();
        passes.push(Pass {
            c,
            high,
            kernels: ks,
        });
    }
    passes
}

thread_local! {
    /// Each thread's pass buffer, kept across passes and runs.
    static BUF: std::cell::RefCell<Vec<C>> = const { std::cell::RefCell::new(Vec::new()) };
}

#[derive(Clone, Copy)]
struct Ptr(*mut C);
// SAFETY: groups write disjoint parts of the state.
unsafe impl Send for Ptr {}
unsafe impl Sync for Ptr {}
impl Ptr {
    fn get(self) -> *mut C {
        self.0
    }
}

#[inline]
fn deposit(mut x: usize, positions: &[u32]) -> usize {
    let mut out = 0;
    for &p in positions {
        out |= (x & 1) << p;
        x >>= 1;
    }
    out
}

/// Runs one pass over the state.
fn exec_pass(state: &mut [C], n: u32, pass: &Pass, cancel: &AtomicBool) -> Result<(), RunError> {
    if cancel.load(Ordering::Relaxed) {
        return Err(RunError::Cancelled);
    }
    let par = par_wanted(n);
    if pass.high.is_empty() {
        let chunk = 1usize << pass.c;
        let body = |buf: &mut [C]| {
            if !cancel.load(Ordering::Relaxed) {
                apply_kernels(buf, &pass.kernels);
            }
        };
        if par {
            state.par_chunks_mut(chunk).for_each(body);
        } else {
            state.chunks_mut(chunk).for_each(body);
        }
    } else {
        let c = pass.c;
        let h = pass.high.len() as u32;
        let l = c + h;
        let outer: Vec<u32> = (c..n).filter(|q| !pass.high.contains(q)).collect();
        let seg = 1usize << c;
        let nseg = 1usize << h;
        let high_offs: Vec<usize> = (0..nseg).map(|j| deposit(j, &pass.high)).collect();
        let groups = 1usize << (n - l);
        let ptr = Ptr(state.as_mut_ptr());
        let body = |g: usize| {
            if cancel.load(Ordering::Relaxed) {
                return;
            }
            BUF.with(|b| {
                let mut buf = b.borrow_mut();
                if buf.len() < 1usize << l {
                    buf.resize(1usize << l, C::ZERO);
                }
                let buf = &mut buf[..1usize << l];
                let base = deposit(g, &outer);
                let p = ptr.get();
                for (j, &ho) in high_offs.iter().enumerate() {
                    // SAFETY: segment [base+ho, base+ho+seg) lies in the state and
                    // belongs to group g only; groups are processed once each.
                    unsafe {
                        std::ptr::copy_nonoverlapping(
                            p.add(base + ho),
                            buf.as_mut_ptr().add(j * seg),
                            seg,
                        );
                    }
                }
                apply_kernels(buf, &pass.kernels);
                for (j, &ho) in high_offs.iter().enumerate() {
                    // SAFETY: as above.
                    unsafe {
                        std::ptr::copy_nonoverlapping(
                            buf.as_ptr().add(j * seg),
                            p.add(base + ho),
                            seg,
                        );
                    }
                }
            });
        };
        if par {
            (0..groups).into_par_iter().for_each(body);
        } else {
            (0..groups).for_each(body);
        }
    }
    if cancel.load(Ordering::Relaxed) {
        return Err(RunError::Cancelled);
    }
    Ok(())
}

fn exec_passes(
    state: &mut [C],
    n: u32,
    passes: &[Pass],
    cancel: &AtomicBool,
) -> Result<(), RunError> {
    for p in passes {
        exec_pass(state, n, p, cancel)?;
    }
    Ok(())
}

fn zeroed_state(len: usize) -> Vec<C> {
    let v = vec![0f64; 2 * len];
    let mut v = std::mem::ManuallyDrop::new(v);
    // SAFETY: C is repr(C) of two f64: same alignment, twice the size, so the
    // allocation's layout (16·len bytes, align 8) is the same for both types.
    unsafe { Vec::from_raw_parts(v.as_mut_ptr() as *mut C, len, len) }
}

fn into_pairs(v: Vec<C>) -> Vec<[f64; 2]> {
    let mut v = std::mem::ManuallyDrop::new(v);
    let (p, len, cap) = (v.as_mut_ptr(), v.len(), v.capacity());
    // SAFETY: C is repr(C) {re, im}: the same layout as [f64; 2].
    unsafe { Vec::from_raw_parts(p as *mut [f64; 2], len, cap) }
}

fn chunk_sums(state: &[C], n: u32, f: impl Fn(usize, &C) -> f64 + Sync) -> Vec<f64> {
    let g = |(ci, ch): (usize, &[C])| -> f64 {
        let base = ci * SUM_CHUNK;
        ch.iter().enumerate().map(|(i, a)| f(base + i, a)).sum()
    };
    if par_wanted(n) {
        state.par_chunks(SUM_CHUNK).enumerate().map(g).collect()
    } else {
        state.chunks(SUM_CHUNK).enumerate().map(g).collect()
    }
}

/// Samples `shots` basis indices from |amplitude|²; returns (index, count)
/// in increasing index order.
fn sample_indices(state: &[C], n: u32, shots: u64, rng_seed: u64) -> Vec<(usize, u64)> {
    let sums = chunk_sums(state, n, |_, a| a.norm_sqr());
    let total: f64 = sums.iter().sum();
    // sorted uniforms from exponential spacings, in O(1) memory: one pass for
    // the normalizer, a second with the same stream for the points
    let exp = |rng: &mut ChaCha8Rng| -> f64 { -(1.0 - rng.gen::<f64>()).ln() };
    let mut rng = ChaCha8Rng::seed_from_u64(rng_seed);
    let mut norm = 0.0;
    for _ in 0..=shots {
        norm += exp(&mut rng);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(rng_seed);
    let last_nonzero = state.iter().rposition(|a| a.norm_sqr() > 0.0).unwrap_or(0);
    let mut out: Vec<(usize, u64)> = Vec::new();
    let (mut idx, mut cum, mut k) = (0usize, 0.0f64, 0usize);
    let mut acc = 0.0;
    for _ in 0..shots {
        acc += exp(&mut rng);
        let t = acc / norm * total;
        loop {
            // skip whole chunks while at a chunk start
            while idx == k * SUM_CHUNK && k + 1 < sums.len() && cum + sums[k] <= t {
                cum += sums[k];
                k += 1;
                idx = k * SUM_CHUNK;
            }
            if idx >= last_nonzero {
                idx = last_nonzero;
                break;
            }
            let p = state[idx].norm_sqr();
            if cum + p > t {
                break;
            }
            cum += p;
            idx += 1;
            if idx == (k + 1) * SUM_CHUNK {
                k += 1;
            }
        }
        match out.last_mut() {
            Some((i, c)) if *i == idx => *c += 1,
            _ => out.push((idx, 1)),
        }
    }
    out
}

fn key(cbits: &[bool], circuit: &Circuit) -> String {
    let mut s = String::with_capacity(cbits.len() + circuit.cregs.len());
    for (ri, (_, size)) in circuit.cregs.iter().enumerate().rev() {
        if !s.is_empty() {
            s.push(' ');
        }
        let off = circuit.creg_offsets[ri] as usize;
        for b in (0..*size as usize).rev() {
            s.push(if cbits[off + b] { '1' } else { '0' });
        }
    }
    s
}

fn cond_holds(cbits: &[bool], circuit: &Circuit, cond: Option<(u32, u64)>) -> bool {
    let Some((ci, value)) = cond else { return true };
    let off = circuit.creg_offsets[ci as usize] as usize;
    let size = circuit.cregs[ci as usize].1 as usize;
    if size < 64 && value >> size != 0 {
        return false;
    }
    (0..size).all(|b| {
        let want = b < 64 && (value >> b) & 1 == 1;
        cbits[off + b] == want
    })
}

/// Whether all measurements are terminal: no reset, no condition, no gate on
/// a qubit after it was measured.
fn terminal(circuit: &Circuit) -> bool {
    let mut measured = vec![false; circuit.num_qubits as usize];
    for op in &circuit.ops {
        if op.cond.is_some() {
            return false;
        }
        match op.kind {
            OpKind::Reset => return false,
            OpKind::Measure(_) => measured[op.qubits[0] as usize] = true,
            OpKind::Gate(..) => {
                if op.qubits().iter().any(|&q| measured[q as usize]) {
                    return false;
                }
            }
        }
    }
    true
}

enum StepKind {
    Unitary(Vec<Pass>),
    Measure(u32, u32),
    Reset(u32),
    /// trailing measurements: sample one outcome for all of them
    Final(Vec<(u32, u32)>),
}

struct Step {
    cond: Option<(u32, u64)>,
    kind: StepKind,
}

/// (passes of the shared prefix, per-shot steps)
fn per_shot_plan(circuit: &Circuit) -> (Vec<Pass>, Vec<Step>) {
    let n = circuit.num_qubits;
    let ops = &circuit.ops;
    let first = ops
        .iter()
        .position(|o| o.cond.is_some() || !matches!(o.kind, OpKind::Gate(..)))
        .unwrap_or(ops.len());
    let prefix: Vec<&Op> = ops[..first].iter().collect();
    let prefix_passes = plan(n, &prefix);
    let rest = &ops[first..];
    let mut tail = rest.len();
    while tail > 0
        && rest[tail - 1].cond.is_none()
        && matches!(rest[tail - 1].kind, OpKind::Measure(_))
    {
        tail -= 1;
    }
    let mut steps = Vec::new();
    let mut i = 0;
    while i < tail {
        let op = &rest[i];
        match op.kind {
            OpKind::Gate(..) => {
                let mut j = i;
                while j < tail
                    && matches!(rest[j].kind, OpKind::Gate(..))
                    && rest[j].cond == op.cond
                {
                    j += 1;
                }
                let run: Vec<&Op> = rest[i..j].iter().collect();
                steps.push(Step {
                    cond: op.cond,
                    kind: StepKind::Unitary(plan(n, &run)),
                });
                i = j;
            }
            OpKind::Measure(c) => {
                steps.push(Step {
                    cond: op.cond,
                    kind: StepKind::Measure(op.qubits[0], c),
                });
                i += 1;
            }
            OpKind::Reset => {
                steps.push(Step {
                    cond: op.cond,
                    kind: StepKind::Reset(op.qubits[0]),
                });
                i += 1;
            }
        }
    }
    if tail < rest.len() {
        let ms = rest[tail..]
            .iter()
            .filter_map(|o| match o.kind {
                OpKind::Measure(c) => Some((o.qubits[0], c)),
                _ => None,
            })
            .collect();
        steps.push(Step {
            cond: None,
            kind: StepKind::Final(ms),
        });
    }
    (prefix_passes, steps)
}

pub(crate) fn memory_passes(circuit: &Circuit) -> u64 {
    let n = circuit.num_qubits;
    if terminal(circuit) {
        let gates: Vec<&Op> = circuit
            .ops
            .iter()
            .filter(|o| matches!(o.kind, OpKind::Gate(..)))
            .collect();
        plan(n, &gates).len() as u64
    } else {
        let (pre, steps) = per_shot_plan(circuit);
        let mut total = pre.len() as u64;
        for s in &steps {
            total += match &s.kind {
                StepKind::Unitary(p) => p.len() as u64,
                _ => 1,
            };
        }
        total
    }
}

/// Measures qubit q: returns the outcome and collapses the state.
fn measure(state: &mut [C], n: u32, q: u32, u: f64, reset: bool) -> bool {
    let bit = 1usize << q;
    let sums = chunk_sums(
        state,
        n,
        |i, a| if i & bit != 0 { a.norm_sqr() } else { 0.0 },
    );
    let p1: f64 = sums.iter().sum();
    let total: f64 = chunk_sums(state, n, |_, a| a.norm_sqr()).iter().sum();
    let one = u * total < p1;
    let p = if one { p1 } else { total - p1 };
    let scale = if p > 0.0 { 1.0 / p.sqrt() } else { 0.0 };
    let body = |(ci, ch): (usize, &mut [C])| {
        let base = ci * SUM_CHUNK;
        for (i, a) in ch.iter_mut().enumerate() {
            let set = (base + i) & bit != 0;
            *a = if set == one { *a * scale } else { C::ZERO };
        }
    };
    if par_wanted(n) {
        state.par_chunks_mut(SUM_CHUNK).enumerate().for_each(body);
    } else {
        state.chunks_mut(SUM_CHUNK).enumerate().for_each(body);
    }
    if reset && one {
        // move |1> to |0> on qubit q
        for i in 0..state.len() {
            if i & bit == 0 {
                state.swap(i, i | bit);
            }
        }
    }
    one
}

fn sample_one(state: &[C], u: f64) -> usize {
    let total: f64 = state.iter().map(|a| a.norm_sqr()).sum();
    let t = u * total;
    let mut cum = 0.0;
    let mut last = 0;
    for (i, a) in state.iter().enumerate() {
        let p = a.norm_sqr();
        if p > 0.0 {
            last = i;
            cum += p;
            if cum > t {
                return i;
            }
        }
    }
    last
}

fn copy_state(dst: &mut [C], src: &[C], n: u32) {
    if par_wanted(n) {
        dst.par_chunks_mut(1 << 16)
            .zip(src.par_chunks(1 << 16))
            .for_each(|(d, s)| d.copy_from_slice(s));
    } else {
        dst.copy_from_slice(src);
    }
}

pub(crate) fn run(
    circuit: &Circuit,
    options: &RunOptions,
    cancel: &AtomicBool,
) -> Result<Outcome, RunError> {
    let n = circuit.num_qubits;
    let len = 1usize << n;
    let mut state = zeroed_state(len);
    state[0] = C::ONE;
    let shots = options.shots as u64;
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let nc = circuit.num_clbits as usize;
    if terminal(circuit) {
        let gates: Vec<&Op> = circuit
            .ops
            .iter()
            .filter(|o| matches!(o.kind, OpKind::Gate(..)))
            .collect();
        exec_passes(&mut state, n, &plan(n, &gates), cancel)?;
        // clbit <- qubit (the last measurement into a clbit wins)
        let mut map: Vec<Option<u32>> = vec![None; nc];
        for op in &circuit.ops {
            if let OpKind::Measure(c) = op.kind {
                map[c as usize] = Some(op.qubits[0]);
            }
        }
        if shots > 0 {
            if map.iter().all(|m| m.is_none()) {
                counts.insert(key(&vec![false; nc], circuit), shots);
            } else {
                let mut cbits = vec![false; nc];
                for (idx, cnt) in sample_indices(&state, n, shots, options.seed) {
                    for (c, m) in map.iter().enumerate() {
                        cbits[c] = m.is_some_and(|q| idx >> q & 1 == 1);
                    }
                    *counts.entry(key(&cbits, circuit)).or_insert(0) += cnt;
                }
            }
        }
    } else {
        let (pre, steps) = per_shot_plan(circuit);
        exec_passes(&mut state, n, &pre, cancel)?;
        let prefix = state.clone();
        let mut cbits = vec![false; nc];
        for shot in 0..shots {
            if shot > 0 {
                copy_state(&mut state, &prefix, n);
            }
            cbits.iter_mut().for_each(|b| *b = false);
            let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
            rng.set_stream(shot + 1);
            for step in &steps {
                if cancel.load(Ordering::Relaxed) {
                    return Err(RunError::Cancelled);
                }
                if !cond_holds(&cbits, circuit, step.cond) {
                    continue;
                }
                match &step.kind {
                    StepKind::Unitary(p) => exec_passes(&mut state, n, p, cancel)?,
                    StepKind::Measure(q, c) => {
                        let u = rng.gen::<f64>();
                        cbits[*c as usize] = measure(&mut state, n, *q, u, false);
                    }
                    StepKind::Reset(q) => {
                        let u = rng.gen::<f64>();
                        measure(&mut state, n, *q, u, true);
                    }
                    StepKind::Final(ms) => {
                        let u = rng.gen::<f64>();
                        let idx = sample_one(&state, u);
                        for &(q, c) in ms {
                            cbits[c as usize] = idx >> q & 1 == 1;
                        }
                    }
                }
            }
            *counts.entry(key(&cbits, circuit)).or_insert(0) += 1;
        }
        if shots == 0 {
            // the state is the prefix's; run one evolution for the statevector
            let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
            for step in &steps {
                if !cond_holds(&cbits, circuit, step.cond) {
                    continue;
                }
                match &step.kind {
                    StepKind::Unitary(p) => exec_passes(&mut state, n, p, cancel)?,
                    StepKind::Measure(q, c) => {
                        let u = rng.gen::<f64>();
                        cbits[*c as usize] = measure(&mut state, n, *q, u, false);
                    }
                    StepKind::Reset(q) => {
                        let u = rng.gen::<f64>();
                        measure(&mut state, n, *q, u, true);
                    }
                    StepKind::Final(_) => {}
                }
            }
        }
    }
    Ok(Outcome {
        counts,
        statevector: if options.statevector {
            Some(into_pairs(state))
        } else {
            None
        },
    })
}

#[allow(dead_code)]
fn kernel_kind(k: &Kernel) -> &'static str {
    match k.m {
        KMat::Dense(_) => "dense",
        KMat::Diag(_) => "diag",
        KMat::Mono { .. } => "monomial",
    }
}
