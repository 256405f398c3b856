//! OpenQASM 2.0 parser: tokens → expanded list of primitive operations.
//! User gates are expanded at their use, counting primitives against
//! `Limits::max_gates` before anything is allocated for them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::gates::{Prim, QELIB1, QELIB1_DEFINED};
use crate::lexer::{err, Lexer, Tok, Token};
use crate::{Circuit, ErrorCode, Limits, Op, OpKind, ParseError};

const MAX_EXPR_DEPTH: u32 = 64;
const MAX_GATE_NESTING: u32 = 256;
/// Hard cap on qubits, whatever `Limits` says.
pub(crate) const MAX_QUBITS: u32 = 48;

#[derive(Debug, Clone)]
enum Expr {
    Num(f64),
    Param(usize),
    Neg(Box<Expr>),
    Bin(char, Box<Expr>, Box<Expr>),
    Func(Func, Box<Expr>),
}

#[derive(Debug, Clone, Copy)]
enum Func {
    Sin,
    Cos,
    Tan,
    Exp,
    Ln,
    Sqrt,
    Asin,
    Acos,
    Atan,
}

impl Expr {
    fn eval(&self, p: &[f64]) -> f64 {
        match self {
            Expr::Num(v) => *v,
            Expr::Param(i) => p.get(*i).copied().unwrap_or(0.0),
            Expr::Neg(e) => -e.eval(p),
            Expr::Bin(op, a, b) => {
                let (a, b) = (a.eval(p), b.eval(p));
                match op {
                    '+' => a + b,
                    '-' => a - b,
                    '*' => a * b,
                    '/' => a / b,
                    _ => a.powf(b),
                }
            }
            Expr::Func(f, e) => {
                let v = e.eval(p);
                match f {
                    Func::Sin => v.sin(),
                    Func::Cos => v.cos(),
                    Func::Tan => v.tan(),
                    Func::Exp => v.exp(),
                    Func::Ln => v.ln(),
                    Func::Sqrt => v.sqrt(),
                    Func::Asin => v.asin(),
                    Func::Acos => v.acos(),
                    Func::Atan => v.atan(),
                }
            }
        }
    }
}

#[derive(Debug)]
struct BodyCall {
    gate: usize,
    params: Vec<Expr>,
    args: Vec<usize>,
}

#[derive(Debug)]
enum GateKind {
    Native(Prim),
    User(Vec<BodyCall>),
    Opaque,
}

#[derive(Debug)]
struct GateDef {
    name: String,
    nparams: usize,
    nqubits: usize,
    kind: GateKind,
    /// primitive ops one application expands to (saturating)
    count: u64,
    nesting: u32,
    /// an opaque gate this one uses, if any
    opaque: Option<String>,
}

/// One argument of a gate application: a register (start, size) or one bit.
#[derive(Debug, Clone, Copy)]
enum Arg {
    Reg(u32, u32),
    Bit(u32),
}

struct Parser<'a> {
    lex: Lexer<'a>,
    cur: Token,
    limits: &'a Limits,
    params: &'a BTreeMap<String, f64>,
    used_params: BTreeSet<String>,
    gates: Vec<GateDef>,
    gate_index: HashMap<String, usize>,
    qregs: HashMap<String, (u32, u32)>,
    cregs: Vec<(String, u32)>,
    creg_index: HashMap<String, (usize, u32)>,
    nq: u32,
    nc: u32,
    ops: Vec<Op>,
    qlevel: Vec<u32>,
    clevel: Vec<u32>,
    qelib: bool,
}

pub(crate) fn parse(
    source: &str,
    limits: &Limits,
    parameters: &BTreeMap<String, f64>,
) -> Result<Circuit, ParseError> {
    let mut lex = Lexer::new(source);
    let cur = lex.next_token()?;
    let mut p = Parser {
        lex,
        cur,
        limits,
        params: parameters,
        used_params: BTreeSet::new(),
        gates: Vec::new(),
        gate_index: HashMap::new(),
        qregs: HashMap::new(),
        cregs: Vec::new(),
        creg_index: HashMap::new(),
        nq: 0,
        nc: 0,
        ops: Vec::new(),
        qlevel: Vec::new(),
        clevel: Vec::new(),
        qelib: false,
    };
    p.define_native("U", Prim::BigU, 3, 1);
    p.define_native("CX", Prim::BigCx, 0, 2);
    p.program()?;
    if let Some(unused) = parameters.keys().find(|k| !p.used_params.contains(*k)) {
        return Err(err(
            ErrorCode::UnknownParameter,
            1,
            1,
            format!("parameter '{unused}' is not used by the program"),
        ));
    }
    let depth = p
        .qlevel
        .iter()
        .chain(p.clevel.iter())
        .copied()
        .max()
        .unwrap_or(0);
    let mut names = BTreeSet::new();
    for op in &p.ops {
        names.insert(match op.kind {
            OpKind::Gate(g, _) => g.name().to_string(),
            OpKind::Measure(_) => "measure".to_string(),
            OpKind::Reset => "reset".to_string(),
        });
    }
    let mut creg_offsets = Vec::with_capacity(p.cregs.len());
    let mut off = 0u32;
    for (_, size) in &p.cregs {
        creg_offsets.push(off);
        off += size;
    }
    Ok(Circuit {
        num_qubits: p.nq,
        num_clbits: p.nc,
        ops: p.ops,
        cregs: p.cregs,
        creg_offsets,
        depth,
        names,
    })
}

impl<'a> Parser<'a> {
    fn define_native(&mut self, name: &str, prim: Prim, np: usize, nq: usize) {
        self.gate_index.insert(name.to_string(), self.gates.len());
        self.gates.push(GateDef {
            name: name.to_string(),
            nparams: np,
            nqubits: nq,
            kind: GateKind::Native(prim),
            count: 1,
            nesting: 0,
            opaque: None,
        });
    }

    fn peek(&self) -> &Token {
        &self.cur
    }

    fn next(&mut self) -> Result<Token, ParseError> {
        if self.cur.tok == Tok::Eof {
            return Ok(self.cur.clone());
        }
        let t = self.lex.next_token()?;
        Ok(std::mem::replace(&mut self.cur, t))
    }

    fn error_at(&self, t: &Token, code: ErrorCode, msg: impl Into<String>) -> ParseError {
        err(code, t.line, t.col, msg)
    }

    fn describe(t: &Token) -> String {
        match &t.tok {
            Tok::Ident(s) => format!("'{s}'"),
            Tok::Int(v) => format!("'{v}'"),
            Tok::Real(v) => format!("'{v}'"),
            Tok::Str(s) => format!("\"{s}\""),
            Tok::Sym(s) => format!("'{s}'"),
            Tok::Eof => "end of input".to_string(),
        }
    }

    fn expect_sym(&mut self, s: &'static str) -> Result<Token, ParseError> {
        let t = self.next()?;
        if t.tok == Tok::Sym(s) {
            Ok(t)
        } else {
            Err(self.error_at(
                &t,
                ErrorCode::Syntax,
                format!("expected '{s}', found {}", Self::describe(&t)),
            ))
        }
    }

    fn is_sym(&self, s: &'static str) -> bool {
        self.peek().tok == Tok::Sym(s)
    }

    fn expect_ident(&mut self) -> Result<(String, Token), ParseError> {
        let t = self.next()?;
        match &t.tok {
            Tok::Ident(s) => Ok((s.clone(), t)),
            _ => Err(self.error_at(
                &t,
                ErrorCode::Syntax,
                format!("expected an identifier, found {}", Self::describe(&t)),
            )),
        }
    }

    fn expect_int(&mut self) -> Result<(u64, Token), ParseError> {
        let t = self.next()?;
        match t.tok {
            Tok::Int(v) => Ok((v, t)),
            _ => Err(self.error_at(
                &t,
                ErrorCode::Syntax,
                format!("expected an integer, found {}", Self::describe(&t)),
            )),
        }
    }

    fn program(&mut self) -> Result<(), ParseError> {
        if let Tok::Ident(s) = &self.peek().tok {
            if s == "OPENQASM" {
                self.next()?;
                let t = self.next()?;
                let ok = match t.tok {
                    Tok::Real(v) => v == 2.0,
                    Tok::Int(v) => v == 2,
                    _ => {
                        return Err(self.error_at(
                            &t,
                            ErrorCode::Syntax,
                            "expected a version number",
                        ));
                    }
                };
                if !ok {
                    return Err(self.error_at(
                        &t,
                        ErrorCode::UnsupportedVersion,
                        format!(
                            "OpenQASM version {} is not supported; only OpenQASM 2.0 is",
                            Self::describe(&t).trim_matches('\'')
                        ),
                    ));
                }
                self.expect_sym(";")?;
            }
        }
        while self.peek().tok != Tok::Eof {
            self.statement()?;
        }
        Ok(())
    }

    fn statement(&mut self) -> Result<(), ParseError> {
        let t = self.peek().clone();
        let word = match &t.tok {
            Tok::Ident(s) => s.clone(),
            _ => {
                return Err(self.error_at(
                    &t,
                    ErrorCode::Syntax,
                    format!("expected a statement, found {}", Self::describe(&t)),
                ))
            }
        };
        match word.as_str() {
            "OPENQASM" => Err(self.error_at(
                &t,
                ErrorCode::Syntax,
                "the version statement must come first",
            )),
            "include" => {
                self.next()?;
                let f = self.next()?;
                let name = match &f.tok {
                    Tok::Str(s) => s.clone(),
                    _ => {
                        return Err(self.error_at(
                            &f,
                            ErrorCode::Syntax,
                            "expected a file name in quotes",
                        ))
                    }
                };
                self.expect_sym(";")?;
                if name != "qelib1.inc" {
                    return Err(self.error_at(
                        &f,
                        ErrorCode::Unsupported,
                        format!("only \"qelib1.inc\" can be included, not \"{name}\""),
                    ));
                }
                if !self.qelib {
                    self.include_qelib1(&f)?;
                }
                Ok(())
            }
            "qreg" | "creg" => self.register(word == "qreg"),
            "gate" => self.gate_def(false),
            "opaque" => self.gate_def(true),
            "if" => {
                self.next()?;
                self.expect_sym("(")?;
                let (name, nt) = self.expect_ident()?;
                let Some(&(ci, size)) = self.creg_index.get(&name) else {
                    return Err(self.error_at(
                        &nt,
                        ErrorCode::UndefinedRegister,
                        format!("'{name}' is not a classical register"),
                    ));
                };
                self.expect_sym("==")?;
                let (value, _) = self.expect_int()?;
                self.expect_sym(")")?;
                let _ = size;
                let q = self.peek().clone();
                match &q.tok {
                    Tok::Ident(s)
                        if s == "measure"
                            || s == "reset"
                            || !matches!(
                                s.as_str(),
                                "barrier" | "if" | "qreg" | "creg" | "gate" | "opaque" | "include"
                            ) => {}
                    _ => {
                        return Err(self.error_at(
                            &q,
                            ErrorCode::Syntax,
                            "expected a quantum operation after 'if (...)'",
                        ))
                    }
                }
                self.quantum_op(Some((ci as u32, value)))
            }
            _ => self.quantum_op(None),
        }
    }

    fn include_qelib1(&mut self, at: &Token) -> Result<(), ParseError> {
        self.qelib = true;
        for &(name, prim, np, nq) in QELIB1 {
            if self.gate_index.contains_key(name) {
                return Err(self.error_at(
                    at,
                    ErrorCode::Redefinition,
                    format!("gate '{name}' is already defined"),
                ));
            }
            self.define_native(name, prim, np, nq);
        }
        let mut lex = Lexer::new(QELIB1_DEFINED);
        let first = lex.next_token()?;
        let saved_lex = std::mem::replace(&mut self.lex, lex);
        let saved_cur = std::mem::replace(&mut self.cur, first);
        let r = (|| {
            while self.peek().tok != Tok::Eof {
                self.gate_def(false)?;
            }
            Ok(())
        })();
        self.lex = saved_lex;
        self.cur = saved_cur;
        r.map_err(|e: ParseError| {
            self.error_at(at, e.code, format!("in qelib1.inc: {}", e.message))
        })
    }

    fn register(&mut self, quantum: bool) -> Result<(), ParseError> {
        self.next()?;
        let (name, nt) = self.expect_ident()?;
        self.expect_sym("[")?;
        let (size, st) = self.expect_int()?;
        self.expect_sym("]")?;
        self.expect_sym(";")?;
        if self.qregs.contains_key(&name) || self.creg_index.contains_key(&name) {
            return Err(self.error_at(
                &nt,
                ErrorCode::Redefinition,
                format!("register '{name}' is already defined"),
            ));
        }
        if size == 0 {
            return Err(self.error_at(&st, ErrorCode::Syntax, "a register needs at least one bit"));
        }
        if quantum {
            let total = self.nq as u64 + size;
            // whatever the limits say, a statevector past 2^48 amplitudes
            // cannot be held (and state indices must fit a u64 mask)
            let max = self.limits.max_qubits.min(MAX_QUBITS);
            if total > max as u64 {
                return Err(self.error_at(
                    &st,
                    ErrorCode::TooManyQubits,
                    format!("{total} qubits exceed the limit of {max}"),
                ));
            }
            self.qregs.insert(name, (self.nq, size as u32));
            self.nq = total as u32;
            self.qlevel.resize(self.nq as usize, 0);
        } else {
            let total = self.nc as u64 + size;
            if total > self.limits.max_clbits as u64 {
                return Err(self.error_at(
                    &st,
                    ErrorCode::TooManyClbits,
                    format!(
                        "{total} classical bits exceed the limit of {}",
                        self.limits.max_clbits
                    ),
                ));
            }
            self.creg_index
                .insert(name.clone(), (self.cregs.len(), self.nc));
            self.cregs.push((name, size as u32));
            self.nc = total as u32;
            self.clevel.resize(self.nc as usize, 0);
        }
        Ok(())
    }

    fn ident_list(&mut self) -> Result<Vec<(String, Token)>, ParseError> {
        let mut v = vec![self.expect_ident()?];
        while self.is_sym(",") {
            self.next()?;
            v.push(self.expect_ident()?);
        }
        Ok(v)
    }

    fn gate_def(&mut self, opaque: bool) -> Result<(), ParseError> {
        self.next()?;
        let (name, nt) = self.expect_ident()?;
        if self.gate_index.contains_key(&name) {
            return Err(self.error_at(
                &nt,
                ErrorCode::Redefinition,
                format!("gate '{name}' is already defined"),
            ));
        }
        let mut pnames: Vec<String> = Vec::new();
        if self.is_sym("(") {
            self.next()?;
            if !self.is_sym(")") {
                for (p, pt) in self.ident_list()? {
                    if pnames.contains(&p) {
                        return Err(self.error_at(
                            &pt,
                            ErrorCode::Redefinition,
                            format!("parameter '{p}' is repeated"),
                        ));
                    }
                    pnames.push(p);
                }
            }
            self.expect_sym(")")?;
        }
        let mut qnames: Vec<String> = Vec::new();
        for (q, qt) in self.ident_list()? {
            if qnames.contains(&q) || pnames.contains(&q) {
                return Err(self.error_at(
                    &qt,
                    ErrorCode::Redefinition,
                    format!("argument '{q}' is repeated"),
                ));
            }
            qnames.push(q);
        }
        if opaque {
            self.expect_sym(";")?;
            self.gate_index.insert(name.clone(), self.gates.len());
            self.gates.push(GateDef {
                name: name.clone(),
                nparams: pnames.len(),
                nqubits: qnames.len(),
                kind: GateKind::Opaque,
                count: 0,
                nesting: 0,
                opaque: Some(name),
            });
            return Ok(());
        }
        self.expect_sym("{")?;
        let mut body = Vec::new();
        let mut count = 0u64;
        let mut nesting = 0u32;
        let mut opaque_used = None;
        while !self.is_sym("}") {
            let (cname, ct) = self.expect_ident()?;
            if cname == "barrier" {
                for (a, at) in self.ident_list()? {
                    if !qnames.contains(&a) {
                        return Err(self.error_at(
                            &at,
                            ErrorCode::UndefinedRegister,
                            format!("'{a}' is not an argument of gate '{name}'"),
                        ));
                    }
                }
                self.expect_sym(";")?;
                continue;
            }
            let Some(&gi) = self.gate_index.get(&cname) else {
                let code = if matches!(cname.as_str(), "measure" | "reset" | "if") {
                    ErrorCode::Syntax
                } else {
                    ErrorCode::UnknownGate
                };
                return Err(self.error_at(
                    &ct,
                    code,
                    format!("unknown gate '{cname}' in the body of '{name}'"),
                ));
            };
            let mut params = Vec::new();
            if self.is_sym("(") {
                self.next()?;
                if !self.is_sym(")") {
                    params.push(self.expr(Some(&pnames), 0)?);
                    while self.is_sym(",") {
                        self.next()?;
                        params.push(self.expr(Some(&pnames), 0)?);
                    }
                }
                self.expect_sym(")")?;
            }
            let mut args = Vec::new();
            for (a, at) in self.ident_list()? {
                let Some(ai) = qnames.iter().position(|q| *q == a) else {
                    return Err(self.error_at(
                        &at,
                        ErrorCode::UndefinedRegister,
                        format!("'{a}' is not an argument of gate '{name}'"),
                    ));
                };
                if args.contains(&ai) {
                    return Err(self.error_at(
                        &at,
                        ErrorCode::ArgumentMismatch,
                        format!("qubit '{a}' is used twice in one gate"),
                    ));
                }
                args.push(ai);
            }
            self.expect_sym(";")?;
            let g = &self.gates[gi];
            if g.nparams != params.len() || g.nqubits != args.len() {
                return Err(self.error_at(
                    &ct,
                    ErrorCode::ArgumentMismatch,
                    format!(
                        "gate '{cname}' takes {} parameters and {} qubits, given {} and {}",
                        g.nparams,
                        g.nqubits,
                        params.len(),
                        args.len()
                    ),
                ));
            }
            count = count.saturating_add(g.count);
            nesting = nesting.max(g.nesting + 1);
            if opaque_used.is_none() {
                opaque_used.clone_from(&g.opaque);
            }
            body.push(BodyCall {
                gate: gi,
                params,
                args,
            });
        }
        let close = self.next()?;
        if nesting > MAX_GATE_NESTING {
            return Err(self.error_at(
                &close,
                ErrorCode::Unsupported,
                format!("gate definitions nested deeper than {MAX_GATE_NESTING}"),
            ));
        }
        self.gate_index.insert(name.clone(), self.gates.len());
        self.gates.push(GateDef {
            name,
            nparams: pnames.len(),
            nqubits: qnames.len(),
            kind: GateKind::User(body),
            count,
            nesting,
            opaque: opaque_used,
        });
        Ok(())
    }

    // ---- expressions ----

    fn expr(&mut self, ctx: Option<&[String]>, depth: u32) -> Result<Expr, ParseError> {
        if depth > MAX_EXPR_DEPTH {
            let t = self.peek().clone();
            return Err(self.error_at(&t, ErrorCode::Syntax, "expression nested too deeply"));
        }
        let mut a = self.term(ctx, depth + 1)?;
        loop {
            let op = match self.peek().tok {
                Tok::Sym("+") => '+',
                Tok::Sym("-") => '-',
                _ => return Ok(a),
            };
            self.next()?;
            let b = self.term(ctx, depth + 1)?;
            a = Expr::Bin(op, Box::new(a), Box::new(b));
        }
    }

    fn term(&mut self, ctx: Option<&[String]>, depth: u32) -> Result<Expr, ParseError> {
        let mut a = self.unary(ctx, depth + 1)?;
        loop {
            let op = match self.peek().tok {
                Tok::Sym("*") => '*',
                Tok::Sym("/") => '/',
                _ => return Ok(a),
            };
            self.next()?;
            let b = self.unary(ctx, depth + 1)?;
            a = Expr::Bin(op, Box::new(a), Box::new(b));
        }
    }

    fn unary(&mut self, ctx: Option<&[String]>, depth: u32) -> Result<Expr, ParseError> {
        if depth > MAX_EXPR_DEPTH {
            let t = self.peek().clone();
            return Err(self.error_at(&t, ErrorCode::Syntax, "expression nested too deeply"));
        }
        match self.peek().tok {
            Tok::Sym("-") => {
                self.next()?;
                Ok(Expr::Neg(Box::new(self.unary(ctx, depth + 1)?)))
            }
            Tok::Sym("+") => {
                self.next()?;
                self.unary(ctx, depth + 1)
            }
            _ => {
                let base = self.primary(ctx, depth + 1)?;
                if self.is_sym("^") {
                    self.next()?;
                    let e = self.unary(ctx, depth + 1)?;
                    Ok(Expr::Bin('^', Box::new(base), Box::new(e)))
                } else {
                    Ok(base)
                }
            }
        }
    }

    fn primary(&mut self, ctx: Option<&[String]>, depth: u32) -> Result<Expr, ParseError> {
        if depth > MAX_EXPR_DEPTH {
            let t = self.peek().clone();
            return Err(self.error_at(&t, ErrorCode::Syntax, "expression nested too deeply"));
        }
        let t = self.next()?;
        match &t.tok {
            Tok::Int(v) => Ok(Expr::Num(*v as f64)),
            Tok::Real(v) => Ok(Expr::Num(*v)),
            Tok::Sym("(") => {
                let e = self.expr(ctx, depth + 1)?;
                self.expect_sym(")")?;
                Ok(e)
            }
            Tok::Ident(name) => {
                let f = match name.as_str() {
                    "sin" => Some(Func::Sin),
                    "cos" => Some(Func::Cos),
                    "tan" => Some(Func::Tan),
                    "exp" => Some(Func::Exp),
                    "ln" => Some(Func::Ln),
                    "sqrt" => Some(Func::Sqrt),
                    "asin" => Some(Func::Asin),
                    "acos" => Some(Func::Acos),
                    "atan" => Some(Func::Atan),
                    _ => None,
                };
                if let Some(f) = f {
                    if self.is_sym("(") {
                        self.next()?;
                        let e = self.expr(ctx, depth + 1)?;
                        self.expect_sym(")")?;
                        return Ok(Expr::Func(f, Box::new(e)));
                    }
                }
                if name == "pi" {
                    return Ok(Expr::Num(std::f64::consts::PI));
                }
                match ctx {
                    Some(pn) => match pn.iter().position(|p| p == name) {
                        Some(i) => Ok(Expr::Param(i)),
                        None => Err(self.error_at(
                            &t,
                            ErrorCode::Syntax,
                            format!("'{name}' is not a parameter of this gate"),
                        )),
                    },
                    None => match self.params.get(name) {
                        Some(v) => {
                            self.used_params.insert(name.clone());
                            Ok(Expr::Num(*v))
                        }
                        None => Err(self.error_at(
                            &t,
                            ErrorCode::MissingParameter,
                            format!("no value given for parameter '{name}'"),
                        )),
                    },
                }
            }
            _ => Err(self.error_at(
                &t,
                ErrorCode::Syntax,
                format!("expected an expression, found {}", Self::describe(&t)),
            )),
        }
    }

    // ---- quantum operations ----

    fn qarg(&mut self) -> Result<(Arg, Token), ParseError> {
        let (name, nt) = self.expect_ident()?;
        let Some(&(start, size)) = self.qregs.get(&name) else {
            let msg = if self.creg_index.contains_key(&name) {
                format!("'{name}' is a classical register, a quantum one is needed")
            } else {
                format!("quantum register '{name}' is not defined")
            };
            return Err(self.error_at(&nt, ErrorCode::UndefinedRegister, msg));
        };
        self.index_arg(start, size, nt)
    }

    fn carg(&mut self) -> Result<(Arg, Token), ParseError> {
        let (name, nt) = self.expect_ident()?;
        let Some(&(_, start)) = self.creg_index.get(&name) else {
            return Err(self.error_at(
                &nt,
                ErrorCode::UndefinedRegister,
                format!("classical register '{name}' is not defined"),
            ));
        };
        let size = self.cregs[self.creg_index[&name].0].1;
        self.index_arg(start, size, nt)
    }

    fn index_arg(&mut self, start: u32, size: u32, nt: Token) -> Result<(Arg, Token), ParseError> {
        if self.is_sym("[") {
            self.next()?;
            let (i, it) = self.expect_int()?;
            self.expect_sym("]")?;
            if i >= size as u64 {
                return Err(self.error_at(
                    &it,
                    ErrorCode::IndexOutOfRange,
                    format!("index {i} is out of range for a register of size {size}"),
                ));
            }
            Ok((Arg::Bit(start + i as u32), nt))
        } else {
            Ok((Arg::Reg(start, size), nt))
        }
    }

    fn reserve(&self, n: u64, at: &Token) -> Result<(), ParseError> {
        if (self.ops.len() as u64).saturating_add(n) > self.limits.max_gates {
            return Err(self.error_at(
                at,
                ErrorCode::TooManyGates,
                format!(
                    "the circuit expands to more than {} operations",
                    self.limits.max_gates
                ),
            ));
        }
        Ok(())
    }

    fn level(&mut self, qubits: &[u32], clbits: &[u32], cond: Option<(u32, u64)>, counts: bool) {
        let cond_bits = cond.map(|(ci, _)| {
            let off = self.creg_index[&self.cregs[ci as usize].0].1;
            (off, self.cregs[ci as usize].1)
        });
        let mut lvl = 0;
        for &q in qubits {
            lvl = lvl.max(self.qlevel[q as usize]);
        }
        for &c in clbits {
            lvl = lvl.max(self.clevel[c as usize]);
        }
        if let Some((off, n)) = cond_bits {
            for c in off..off + n {
                lvl = lvl.max(self.clevel[c as usize]);
            }
        }
        if counts {
            lvl += 1;
        }
        for &q in qubits {
            self.qlevel[q as usize] = lvl;
        }
        for &c in clbits {
            self.clevel[c as usize] = lvl;
        }
        if let Some((off, n)) = cond_bits {
            for c in off..off + n {
                self.clevel[c as usize] = lvl;
            }
        }
    }

    fn quantum_op(&mut self, cond: Option<(u32, u64)>) -> Result<(), ParseError> {
        let (word, wt) = self.expect_ident()?;
        match word.as_str() {
            "measure" => {
                let (a, at) = self.qarg()?;
                self.expect_sym("->")?;
                let (b, _) = self.carg()?;
                self.expect_sym(";")?;
                let pairs: Vec<(u32, u32)> =
                    match (a, b) {
                        (Arg::Bit(q), Arg::Bit(c)) => vec![(q, c)],
                        (Arg::Reg(qs, n), Arg::Reg(cs, m)) if n == m => {
                            (0..n).map(|i| (qs + i, cs + i)).collect()
                        }
                        _ => return Err(self.error_at(
                            &at,
                            ErrorCode::ArgumentMismatch,
                            "measure needs a qubit and a bit, or two registers of the same size",
                        )),
                    };
                self.reserve(pairs.len() as u64, &wt)?;
                for (q, c) in pairs {
                    self.level(&[q], &[c], cond, true);
                    self.ops.push(Op::new(OpKind::Measure(c), &[q], cond));
                }
                Ok(())
            }
            "reset" => {
                let (a, _) = self.qarg()?;
                self.expect_sym(";")?;
                let qs: Vec<u32> = match a {
                    Arg::Bit(q) => vec![q],
                    Arg::Reg(s, n) => (s..s + n).collect(),
                };
                self.reserve(qs.len() as u64, &wt)?;
                for q in qs {
                    self.level(&[q], &[], cond, true);
                    self.ops.push(Op::new(OpKind::Reset, &[q], cond));
                }
                Ok(())
            }
            "barrier" if cond.is_none() => {
                let mut qs = Vec::new();
                loop {
                    let (a, _) = self.qarg()?;
                    match a {
                        Arg::Bit(q) => qs.push(q),
                        Arg::Reg(s, n) => qs.extend(s..s + n),
                    }
                    if !self.is_sym(",") {
                        break;
                    }
                    self.next()?;
                }
                self.expect_sym(";")?;
                qs.sort_unstable();
                qs.dedup();
                self.level(&qs, &[], None, false);
                Ok(())
            }
            _ => self.apply(word, wt, cond),
        }
    }

    fn apply(
        &mut self,
        name: String,
        nt: Token,
        cond: Option<(u32, u64)>,
    ) -> Result<(), ParseError> {
        let Some(&gi) = self.gate_index.get(&name) else {
            let hint = if !self.qelib && QELIB1.iter().any(|(n, _, _, _)| *n == name) {
                " (did you forget include \"qelib1.inc\"?)"
            } else {
                ""
            };
            return Err(self.error_at(
                &nt,
                ErrorCode::UnknownGate,
                format!("unknown gate '{name}'{hint}"),
            ));
        };
        let mut params = Vec::new();
        if self.is_sym("(") {
            self.next()?;
            if !self.is_sym(")") {
                params.push(self.expr(None, 0)?.eval(&[]));
                while self.is_sym(",") {
                    self.next()?;
                    params.push(self.expr(None, 0)?.eval(&[]));
                }
            }
            self.expect_sym(")")?;
        }
        let mut args = vec![self.qarg()?];
        while self.is_sym(",") {
            self.next()?;
            args.push(self.qarg()?);
        }
        self.expect_sym(";")?;
        let g = &self.gates[gi];
        if g.nparams != params.len() || g.nqubits != args.len() {
            return Err(self.error_at(
                &nt,
                ErrorCode::ArgumentMismatch,
                format!(
                    "gate '{name}' takes {} parameters and {} qubits, given {} and {}",
                    g.nparams,
                    g.nqubits,
                    params.len(),
                    args.len()
                ),
            ));
        }
        if let Some(op) = &g.opaque {
            return Err(self.error_at(
                &nt,
                ErrorCode::Unsupported,
                format!("opaque gate '{op}' cannot be simulated"),
            ));
        }
        // broadcast
        let mut width: Option<u32> = None;
        for (a, at) in &args {
            if let Arg::Reg(_, n) = a {
                match width {
                    None => width = Some(*n),
                    Some(w) if w != *n => {
                        return Err(self.error_at(
                            at,
                            ErrorCode::ArgumentMismatch,
                            "registers of different sizes in one gate",
                        ));
                    }
                    _ => {}
                }
            }
        }
        let reps = width.unwrap_or(1);
        let per = self.gates[gi].count;
        self.reserve(per.saturating_mul(reps as u64), &nt)?;
        let mut qubits = Vec::with_capacity(args.len());
        for r in 0..reps {
            qubits.clear();
            for (a, _) in &args {
                qubits.push(match a {
                    Arg::Bit(q) => *q,
                    Arg::Reg(s, _) => s + r,
                });
            }
            for (i, q) in qubits.iter().enumerate() {
                if qubits[..i].contains(q) {
                    return Err(self.error_at(
                        &args[i].1,
                        ErrorCode::ArgumentMismatch,
                        "the same qubit is used twice in one gate",
                    ));
                }
            }
            self.level(&qubits.clone(), &[], cond, true);
            expand(&self.gates, gi, &params, &qubits, cond, &mut self.ops);
        }
        Ok(())
    }
}

fn expand(
    gates: &[GateDef],
    gi: usize,
    params: &[f64],
    qubits: &[u32],
    cond: Option<(u32, u64)>,
    out: &mut Vec<Op>,
) {
    match &gates[gi].kind {
        GateKind::Native(prim) => {
            let mut p = [0.0; 4];
            for (d, s) in p.iter_mut().zip(params) {
                *d = *s;
            }
            out.push(Op::new(OpKind::Gate(*prim, p), qubits, cond));
        }
        GateKind::User(body) => {
            let mut sub_q = Vec::with_capacity(8);
            let mut sub_p = Vec::with_capacity(4);
            for call in body {
                sub_p.clear();
                sub_p.extend(call.params.iter().map(|e| e.eval(params)));
                sub_q.clear();
                sub_q.extend(call.args.iter().map(|&a| qubits[a]));
                expand(gates, call.gate, &sub_p, &sub_q, cond, out);
            }
        }
        GateKind::Opaque => {}
    }
}

#[allow(dead_code)]
fn gate_name(gates: &[GateDef], gi: usize) -> &str {
    &gates[gi].name
}
