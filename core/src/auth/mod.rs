//! Authentication: passwords, tokens, Redis-backed sessions, API keys,
//! one-time mailed tokens, and the extractors that turn a request into an
//! authenticated principal.

pub mod apikeys;
pub mod cookie;
pub mod extract;
pub mod onetime;
pub mod password;
pub mod sessions;
pub mod tokens;
