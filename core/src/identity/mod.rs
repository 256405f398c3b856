//! Identity: tenants, users and their roles, sessions and tokens, API keys,
//! invitations, the account flows that need no session, and the extractors
//! that turn a request into an authenticated principal with its tenant
//! transaction.

pub mod account;
pub mod apikeys;
pub mod cookie;
pub mod extract;
pub mod http;
pub mod issue;
pub mod onetime;
pub mod password;
pub mod sessions;
pub mod subkeys;
pub mod tenants;
pub mod tokens;
pub mod users;
