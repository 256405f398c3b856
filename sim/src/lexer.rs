//! OpenQASM 2.0 tokens with 1-based line and column (in characters).

use crate::{ErrorCode, ParseError};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Ident(String),
    Int(u64),
    Real(f64),
    Str(String),
    Sym(&'static str),
    Eof,
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub tok: Tok,
    pub line: u32,
    pub col: u32,
}

pub(crate) fn err(code: ErrorCode, line: u32, col: u32, message: impl Into<String>) -> ParseError {
    ParseError {
        code,
        line,
        column: col,
        message: message.into(),
    }
}

const SYMBOLS: &[&str] = &[
    "->", "==", ";", ",", "(", ")", "[", "]", "{", "}", "+", "-", "*", "/", "^",
];

/// A streaming lexer over the source bytes (non-ASCII is allowed only in
/// comments and strings); columns count characters.
pub(crate) struct Lexer<'a> {
    src: &'a str,
    b: &'a [u8],
    i: usize,
    line: u32,
    col: u32,
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(src: &'a str) -> Lexer<'a> {
        Lexer {
            src,
            b: src.as_bytes(),
            i: 0,
            line: 1,
            col: 1,
        }
    }

    #[inline]
    fn bump(&mut self) {
        let c = self.b[self.i];
        if c == b'\n' {
            self.line += 1;
            self.col = 1;
        } else if c & 0xC0 != 0x80 {
            // a character starts with any byte but a UTF-8 continuation byte
            self.col += 1;
        }
        self.i += 1;
        // the column advanced at the first byte of a character; do not count
        // its continuation bytes
        while self.i < self.b.len() && self.b[self.i] & 0xC0 == 0x80 {
            self.i += 1;
        }
    }

    fn at(&self, k: usize) -> Option<u8> {
        self.b.get(self.i + k).copied()
    }

    pub(crate) fn next_token(&mut self) -> Result<Token, ParseError> {
        loop {
            let Some(c) = self.at(0) else {
                return Ok(Token {
                    tok: Tok::Eof,
                    line: self.line,
                    col: self.col,
                });
            };
            if c == b' ' || c == b'\t' || c == b'\r' || c == b'\n' {
                self.bump();
                continue;
            }
            if c == b'/' && self.at(1) == Some(b'/') {
                while self.at(0).is_some_and(|c| c != b'\n') {
                    self.bump();
                }
                continue;
            }
            if c == b'/' && self.at(1) == Some(b'*') {
                let (l0, c0) = (self.line, self.col);
                self.bump();
                self.bump();
                loop {
                    match self.at(0) {
                        None => return Err(err(ErrorCode::Syntax, l0, c0, "unterminated comment")),
                        Some(b'*') if self.at(1) == Some(b'/') => {
                            self.bump();
                            self.bump();
                            break;
                        }
                        _ => self.bump(),
                    }
                }
                continue;
            }
            break;
        }
        let (l0, c0) = (self.line, self.col);
        let c = self.b[self.i];
        let start = self.i;
        if c.is_ascii_alphabetic() || c == b'_' {
            while self
                .at(0)
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
            {
                self.bump();
            }
            return Ok(Token {
                tok: Tok::Ident(self.src[start..self.i].to_string()),
                line: l0,
                col: c0,
            });
        }
        if c.is_ascii_digit() || (c == b'.' && self.at(1).is_some_and(|d| d.is_ascii_digit())) {
            let mut real = false;
            while self.at(0).is_some_and(|c| c.is_ascii_digit()) {
                self.bump();
            }
            if self.at(0) == Some(b'.') {
                real = true;
                self.bump();
                while self.at(0).is_some_and(|c| c.is_ascii_digit()) {
                    self.bump();
                }
            }
            if matches!(self.at(0), Some(b'e' | b'E')) {
                let k = if matches!(self.at(1), Some(b'+' | b'-')) {
                    2
                } else {
                    1
                };
                if self.at(k).is_some_and(|c| c.is_ascii_digit()) {
                    real = true;
                    for _ in 0..k {
                        self.bump();
                    }
                    while self.at(0).is_some_and(|c| c.is_ascii_digit()) {
                        self.bump();
                    }
                }
            }
            let text = &self.src[start..self.i];
            let tok = if real {
                match text.parse::<f64>() {
                    Ok(v) => Tok::Real(v),
                    Err(_) => {
                        return Err(err(
                            ErrorCode::Syntax,
                            l0,
                            c0,
                            format!("bad number '{text}'"),
                        ))
                    }
                }
            } else {
                match text.parse::<u64>() {
                    Ok(v) => Tok::Int(v),
                    Err(_) => {
                        return Err(err(
                            ErrorCode::Syntax,
                            l0,
                            c0,
                            format!("integer '{text}' is too large"),
                        ))
                    }
                }
            };
            return Ok(Token {
                tok,
                line: l0,
                col: c0,
            });
        }
        if c == b'"' {
            self.bump();
            let s0 = self.i;
            while let Some(c) = self.at(0) {
                if c == b'"' || c == b'\n' {
                    break;
                }
                if c < 0x20 || c == 0x7f {
                    return Err(err(
                        ErrorCode::Syntax,
                        self.line,
                        self.col,
                        "control character in string",
                    ));
                }
                self.bump();
            }
            if self.at(0) != Some(b'"') {
                return Err(err(ErrorCode::Syntax, l0, c0, "unterminated string"));
            }
            let s = self.src[s0..self.i].to_string();
            self.bump();
            return Ok(Token {
                tok: Tok::Str(s),
                line: l0,
                col: c0,
            });
        }
        if let Some(sym) = SYMBOLS
            .iter()
            .find(|s| self.b[self.i..].starts_with(s.as_bytes()))
        {
            for _ in 0..sym.len() {
                self.bump();
            }
            return Ok(Token {
                tok: Tok::Sym(sym),
                line: l0,
                col: c0,
            });
        }
        let ch = self.src[self.i..].chars().next().unwrap_or('\u{0}');
        let what = if ch.is_control() {
            format!("unexpected control character U+{:04X}", ch as u32)
        } else {
            format!("unexpected character '{ch}'")
        };
        Err(err(ErrorCode::Syntax, l0, c0, what))
    }
}
