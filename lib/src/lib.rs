//! Shared pieces of QHub: the error type every crate maps to HTTP, domain
//! types such as roles, and the list/pagination envelope.

pub mod error;
pub mod page;
mod rejection;
pub mod role;
pub mod scope;
mod text_enum;
pub mod time;
pub mod usage;

pub use error::{ApiError, FieldError, Problem};
pub use role::Role;
pub use scope::{Scope, ScopeSet};
