//! QHub's quantum circuit simulator: an OpenQASM 2.0 front end and a
//! complex128 statevector kernel (gate fusion, batched diagonals, cache
//! blocking, rayon across the state). See `sim/README.md`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::AtomicBool;

mod complex;
mod exec;
mod gates;
mod kernel;
mod lexer;
mod parser;

/// Caps applied while parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub max_qubits: u32,
    pub max_clbits: u32,
    /// Gate count after expanding user gate definitions.
    pub max_gates: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_qubits: 32,
            max_clbits: 1024,
            max_gates: 1_000_000,
        }
    }
}

/// Parses an OpenQASM 2.0 program.
pub fn parse(source: &str, limits: &Limits) -> Result<Circuit, ParseError> {
    parser::parse(source, limits, &BTreeMap::new())
}

/// Same, with named parameters: an identifier used in a top-level gate
/// argument expression that is not a gate parameter resolves to
/// `parameters[name]`. A referenced name missing from the map is
/// [`ErrorCode::MissingParameter`]; a map key the program never references is
/// [`ErrorCode::UnknownParameter`] (reported at line 1, column 1).
pub fn parse_with_parameters(
    source: &str,
    limits: &Limits,
    parameters: &BTreeMap<String, f64>,
) -> Result<Circuit, ParseError> {
    parser::parse(source, limits, parameters)
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub code: ErrorCode,
    /// 1-based
    pub line: u32,
    /// 1-based, in characters
    pub column: u32,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: {} ({})",
            self.line,
            self.column,
            self.message,
            self.code.as_str()
        )
    }
}

impl std::error::Error for ParseError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    Syntax,
    UnsupportedVersion,
    UnknownGate,
    UndefinedRegister,
    IndexOutOfRange,
    Redefinition,
    ArgumentMismatch,
    TooManyQubits,
    TooManyClbits,
    TooManyGates,
    MissingParameter,
    UnknownParameter,
    Unsupported,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Syntax => "syntax",
            ErrorCode::UnsupportedVersion => "unsupported_version",
            ErrorCode::UnknownGate => "unknown_gate",
            ErrorCode::UndefinedRegister => "undefined_register",
            ErrorCode::IndexOutOfRange => "index_out_of_range",
            ErrorCode::Redefinition => "redefinition",
            ErrorCode::ArgumentMismatch => "argument_mismatch",
            ErrorCode::TooManyQubits => "too_many_qubits",
            ErrorCode::TooManyClbits => "too_many_clbits",
            ErrorCode::TooManyGates => "too_many_gates",
            ErrorCode::MissingParameter => "missing_parameter",
            ErrorCode::UnknownParameter => "unknown_parameter",
            ErrorCode::Unsupported => "unsupported",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum OpKind {
    Gate(gates::Prim, [f64; 4]),
    /// measure into this clbit
    Measure(u32),
    Reset,
}

/// One primitive operation after expansion.
#[derive(Debug, Clone)]
pub(crate) struct Op {
    pub kind: OpKind,
    pub qubits: [u32; 5],
    pub nq: u8,
    /// (index into cregs, value)
    pub cond: Option<(u32, u64)>,
}

impl Op {
    pub(crate) fn new(kind: OpKind, qubits: &[u32], cond: Option<(u32, u64)>) -> Op {
        let mut q = [0u32; 5];
        q[..qubits.len()].copy_from_slice(qubits);
        Op {
            kind,
            qubits: q,
            nq: qubits.len() as u8,
            cond,
        }
    }

    pub(crate) fn qubits(&self) -> &[u32] {
        &self.qubits[..self.nq as usize]
    }
}

/// A parsed circuit: the expanded primitive operations.
#[derive(Debug, Clone)]
pub struct Circuit {
    num_qubits: u32,
    num_clbits: u32,
    ops: Vec<Op>,
    cregs: Vec<(String, u32)>,
    creg_offsets: Vec<u32>,
    depth: u32,
    names: BTreeSet<String>,
}

impl Circuit {
    pub fn num_qubits(&self) -> u32 {
        self.num_qubits
    }

    pub fn num_clbits(&self) -> u32 {
        self.num_clbits
    }

    /// Quantum operations after expansion (gates, measure and reset; not barrier).
    pub fn gate_count(&self) -> u64 {
        self.ops.len() as u64
    }

    /// As Qiskit's `QuantumCircuit.depth()` counts for the same program
    /// loaded with `qiskit.qasm2.loads`: each top-level instruction (a user
    /// gate counts once) takes one level over its qubits, its measured bit
    /// and its condition's register; barriers count nothing but line up
    /// their qubits.
    pub fn depth(&self) -> u32 {
        self.depth
    }

    /// Names of the primitive operations used after expansion (qelib1 gate
    /// names, `U`, `CX`, `measure`, `reset`).
    pub fn gate_names(&self) -> BTreeSet<String> {
        self.names.clone()
    }

    /// Classical registers (name, size) in declaration order.
    pub fn cregs(&self) -> &[(String, u32)] {
        &self.cregs
    }
}

/// Memory `run()` needs for the state (complex128): 16 · 2^n bytes.
pub fn statevector_bytes(num_qubits: u32) -> u64 {
    16u64.saturating_mul(1u64.checked_shl(num_qubits).unwrap_or(u64::MAX))
}

/// How many passes over the whole state in memory `run()` makes for one
/// evolution of this circuit (the unitary part; sampling not counted).
/// Used by the benchmark for its memory-bandwidth floor.
pub fn memory_passes(circuit: &Circuit) -> u64 {
    exec::memory_passes(circuit)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOptions {
    pub shots: u32,
    pub seed: u64,
    /// Return the final statevector too.
    pub statevector: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Qiskit's `get_counts()` format: bits of each classical register with
    /// the highest bit first, registers separated by a space, the
    /// last-declared register leftmost. With no classical bits, `{"": shots}`.
    pub counts: BTreeMap<String, u64>,
    /// The final state (re, im). With only terminal measurements it is the
    /// state before measurement; when shots are simulated one by one
    /// (mid-circuit measurement, reset, `if`), that of the last shot, before
    /// its trailing measurements (those are sampled, not collapsed).
    pub statevector: Option<Vec<[f64; 2]>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunError {
    Cancelled,
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("cancelled")
    }
}

impl std::error::Error for RunError {}

/// Runs on the current rayon pool (never spawns a global one); checks
/// `cancel` between and inside passes over the state.
pub fn run(
    circuit: &Circuit,
    options: &RunOptions,
    cancel: &AtomicBool,
) -> Result<Outcome, RunError> {
    exec::run(circuit, options, cancel)
}
