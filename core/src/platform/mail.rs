//! Outgoing mail through a transactional outbox.
//!
//! Handlers never talk SMTP: they insert the message into `email_outbox` in
//! the same transaction as what it announces (an invitation, a reset
//! token), then wake the sender. The sender claims due messages across
//! tenants (through narrow SECURITY DEFINER functions), one at a time in a
//! transaction that holds the message's row lock while it is sent, and on
//! failure schedules a retry with exponential backoff. Nothing is lost if
//! SMTP is down or the process dies: the row stays until sent, and a dead
//! sender's transaction rolls back, freeing the message for another.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::Address;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use qhub_lib::ApiError;
use sqlx::PgConnection;
use tokio::sync::Notify;
use uuid::Uuid;

use crate::platform::state::AppState;
use crate::platform::tenancy;

const SEND_TIMEOUT: Duration = Duration::from_secs(15);

/// Why a send failed: worth retrying (the relay is down or refused for
/// now) or not (the message can never be sent).
enum SendError {
    Transient(String),
    Permanent(String),
}

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

    async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), SendError> {
        // A bare address, exactly as stored: never display-name syntax,
        // whose angle brackets would send the mail somewhere else.
        let to = Mailbox::new(
            None,
            to.parse::<Address>()
                .map_err(|e| SendError::Permanent(format!("recipient: {e}")))?,
        );
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .map_err(|e| SendError::Permanent(format!("message: {e}")))?;
        self.transport.send(message).await.map(|_| ()).map_err(|e| {
            if e.is_permanent() {
                SendError::Permanent(format!("smtp: {e}"))
            } else {
                SendError::Transient(format!("smtp: {e}"))
            }
        })
    }
}

/// Longest user-chosen text (an organization's name) put in a mail.
const MAX_QUOTED_CHARS: usize = 60;

/// Text chosen by a tenant's members, fit to put in a mail's subject or
/// body: on one line, at most `MAX_QUOTED_CHARS` characters (cut with an
/// ellipsis), and in quotation marks, so that it reads as a quoted name and
/// never as QHub's own words (an organization named like a security
/// warning stays a name).
pub fn quoted(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| {
            if c.is_control() || crate::platform::validate::is_invisible(c) {
                ' '
            } else {
                c
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('"', "'");
    let mut out: String = clean.chars().take(MAX_QUOTED_CHARS).collect();
    if clean.chars().count() > MAX_QUOTED_CHARS {
        out.push('…');
    }
    format!("\"{out}\"")
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
        match send_next(&state, &mailer).await {
            // There may be more due right away.
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "mail outbox unavailable"),
        }
        let _ = tokio::time::timeout(mailer.poll, mailer.wake.notified()).await;
    }
}

/// Sends the next due message, if any; true if there was one.
async fn send_next(state: &AppState, mailer: &Mailer) -> Result<bool, ApiError> {
    let mut tx = tenancy::without_tenant(&state.db).await?;
    let Some(mail) = sqlx::query!(
        r#"SELECT id AS "id!", to_addr AS "to_addr!", subject AS "subject!", body AS "body!",
                  attempts AS "attempts!"
           FROM app.outbox_next()"#
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(false);
    };
    match mailer.send(&mail.to_addr, &mail.subject, &mail.body).await {
        Ok(()) => {
            sqlx::query!("SELECT app.outbox_sent($1)", mail.id)
                .execute(&mut *tx)
                .await?;
            tracing::info!(mail_id = %mail.id, "mail sent");
        }
        Err(e) => {
            let (error, permanent) = match e {
                SendError::Transient(e) => (e, false),
                SendError::Permanent(e) => (e, true),
            };
            tracing::warn!(mail_id = %mail.id, attempts = mail.attempts, permanent, error = %error, "mail send failed");
            sqlx::query!(
                "SELECT app.outbox_failed($1, $2, $3)",
                mail.id,
                error,
                permanent
            )
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::quoted;

    #[test]
    fn quoted_text_is_one_bounded_line_in_quotes() {
        assert_eq!(quoted("Acme"), "\"Acme\"");
        assert_eq!(quoted("Evil\r\nSubject: x"), "\"Evil Subject: x\"");
        assert_eq!(quoted("say \"hi\""), "\"say 'hi'\"");
        let long = quoted(&"W".repeat(500));
        assert_eq!(long.chars().count(), 60 + 3);
        assert!(long.ends_with("…\""));
    }
}
