//! Logging: human-readable by default, JSON lines with `LOG_FORMAT=json`.
//! Filter with `RUST_LOG` (default `info`). JSON lines carry the current
//! span and the whole span list, so the request span's `request_id` is on
//! every line even inside nested spans.

use tracing_subscriber::EnvFilter;

pub fn init(json: bool) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    // try_init: tests may initialise more than once per process.
    let _ = if json {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .try_init()
    } else {
        builder.try_init()
    };
}
