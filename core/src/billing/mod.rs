//! Billing: monthly bills from subscriptions and metered usage (`close`),
//! integer pricing (`price`), invoice PDFs (`invoice`), and the API.

pub mod close;
pub mod http;
pub mod invoice;
pub mod price;
