//! Authentication: passwords, tokens, Redis-backed sessions, and the
//! extractors that turn a request into an authenticated principal.

pub mod extract;
pub mod password;
pub mod sessions;
pub mod tokens;
