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

pub(crate) fn lex(src: &str) -> Result<Vec<Token>, ParseError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line, mut col) = (0usize, 1u32, 1u32);
    macro_rules! bump {
        () => {{
            if chars[i] == '\n' {
                line += 1;
                col = 1;
            } else {
                col += 1;
            }
            i += 1;
        }};
    }
    while i < chars.len() {
        let c = chars[i];
        if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
            bump!();
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                bump!();
            }
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'*') {
            let (l0, c0) = (line, col);
            bump!();
            bump!();
            loop {
                if i >= chars.len() {
                    return Err(err(ErrorCode::Syntax, l0, c0, "unterminated comment"));
                }
                if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    bump!();
                    bump!();
                    break;
                }
                bump!();
            }
            continue;
        }
        let (l0, c0) = (line, col);
        if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                bump!();
            }
            out.push(Token {
                tok: Tok::Ident(chars[start..i].iter().collect()),
                line: l0,
                col: c0,
            });
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let start = i;
            let mut real = false;
            while i < chars.len() && chars[i].is_ascii_digit() {
                bump!();
            }
            if i < chars.len() && chars[i] == '.' {
                real = true;
                bump!();
                while i < chars.len() && chars[i].is_ascii_digit() {
                    bump!();
                }
            }
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                let save = (i, line, col);
                bump!();
                if i < chars.len() && (chars[i] == '+' || chars[i] == '-') {
                    bump!();
                }
                if i < chars.len() && chars[i].is_ascii_digit() {
                    real = true;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        bump!();
                    }
                } else {
                    (i, line, col) = save;
                }
            }
            let text: String = chars[start..i].iter().collect();
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
            out.push(Token {
                tok,
                line: l0,
                col: c0,
            });
            continue;
        }
        if c == '"' {
            bump!();
            let start = i;
            while i < chars.len() && chars[i] != '"' && chars[i] != '\n' {
                if chars[i].is_control() {
                    return Err(err(
                        ErrorCode::Syntax,
                        line,
                        col,
                        "control character in string",
                    ));
                }
                bump!();
            }
            if i >= chars.len() || chars[i] != '"' {
                return Err(err(ErrorCode::Syntax, l0, c0, "unterminated string"));
            }
            let s: String = chars[start..i].iter().collect();
            bump!();
            out.push(Token {
                tok: Tok::Str(s),
                line: l0,
                col: c0,
            });
            continue;
        }
        if let Some(sym) = SYMBOLS.iter().find(|s| {
            let b: Vec<char> = s.chars().collect();
            chars[i..].starts_with(&b)
        }) {
            for _ in 0..sym.len() {
                bump!();
            }
            out.push(Token {
                tok: Tok::Sym(sym),
                line: l0,
                col: c0,
            });
            continue;
        }
        let what = if c.is_control() {
            format!("unexpected control character U+{:04X}", c as u32)
        } else {
            format!("unexpected character '{c}'")
        };
        return Err(err(ErrorCode::Syntax, l0, c0, what));
    }
    out.push(Token {
        tok: Tok::Eof,
        line,
        col,
    });
    Ok(out)
}
