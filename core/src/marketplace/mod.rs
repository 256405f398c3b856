//! The marketplace: listings with plans, subscriptions owned by the
//! consumer, subscription keys, and the scheduler that moves subscriptions
//! along (docs/marketplace.md).

pub mod http;
pub mod model;
pub mod rules;
pub mod scheduler;
pub mod store;
