//! Outgoing mail through a transactional outbox.
//!
//! Handlers never talk SMTP: they insert the message into `email_outbox` in
//! the same transaction as what it announces (an invitation, a reset
//! token), then wake the sender. The sender claims due messages across
//! tenants (through narrow SECURITY DEFINER functions), sends them over
//! SMTP, and on failure schedules a retry with exponential backoff. Nothing
//! is lost if SMTP is down or the process dies: the row stays until sent.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use qhub_lib::ApiError;
use sqlx::PgConnection;
use tokio::sync::Notify;
use uuid::Uuid;

use crate::state::AppState;

const BATCH: i32 = 20;
const SEND_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    wake: Arc<Notify>,
    poll: Duration,
}

/// A message to queue.
pub struct Mail<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub body: String,
}

impl Mailer {
    /// `smtp_url`: `smtp://host:port` (plain, for local sinks),
    /// `smtp://user:pass@host:587?tls=required` or `smtps://host`.
    pub fn new(smtp_url: &str, from: &str, poll: Duration) -> anyhow::Result<Mailer> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|e| anyhow::anyhow!("SMTP_URL: {e}"))?
            .timeout(Some(SEND_TIMEOUT))
            .build();
        let from = from
            .parse()
            .map_err(|e| anyhow::anyhow!("MAIL_FROM: {e}"))?;
        Ok(Mailer {
            transport,
            from,
            wake: Arc::new(Notify::new()),
            poll,
        })
    }

    /// Tells the sender that new mail was committed.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), String> {
        let to: Mailbox = to.parse().map_err(|e| format!("recipient: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .map_err(|e| format!("message: {e}"))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| format!("smtp: {e}"))
    }
}

/// Queues a message in the caller's tenant transaction.
pub async fn enqueue(
    conn: &mut PgConnection,
    tenant: Uuid,
    mail: Mail<'_>,
) -> Result<(), ApiError> {
    sqlx::query!(
        "INSERT INTO email_outbox (id, tenant_id, to_addr, subject, body) VALUES ($1, $2, $3, $4, $5)",
        Uuid::now_v7(),
        tenant,
        mail.to,
        mail.subject,
        mail.body,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Sends queued mail until the process ends. Safe to run on every replica.
pub async fn run_sender(state: AppState) {
    let mailer = state.mailer.clone();
    loop {
        match send_due(&state, &mailer).await {
            // A full batch: there may be more due right away.
            Ok(n) if n == BATCH as usize => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "mail outbox unavailable"),
        }
        let _ = tokio::time::timeout(mailer.poll, mailer.wake.notified()).await;
    }
}

async fn send_due(state: &AppState, mailer: &Mailer) -> Result<usize, ApiError> {
    let due = sqlx::query!(
        r#"SELECT id AS "id!", to_addr AS "to_addr!", subject AS "subject!", body AS "body!",
                  attempts AS "attempts!"
           FROM app.outbox_claim($1)"#,
        BATCH
    )
    .fetch_all(&state.db)
    .await?;
    let n = due.len();
    for mail in due {
        match mailer.send(&mail.to_addr, &mail.subject, &mail.body).await {
            Ok(()) => {
                sqlx::query!("SELECT app.outbox_sent($1)", mail.id)
                    .execute(&state.db)
                    .await?;
                tracing::info!(mail_id = %mail.id, "mail sent");
            }
            Err(e) => {
                tracing::warn!(mail_id = %mail.id, attempts = mail.attempts, error = %e, "mail send failed; will retry");
                sqlx::query!("SELECT app.outbox_failed($1, $2)", mail.id, e)
                    .execute(&state.db)
                    .await?;
            }
        }
    }
    Ok(n)
}
