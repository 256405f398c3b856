//! The live side of notifications across replicas: each process holds one
//! Redis subscription to `qhub:notifications` and fans every message out to
//! its own streams through a broadcast channel; streams keep their user's.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::broadcast;

use super::Wire;

pub const CHANNEL: &str = "qhub:notifications";

/// One per process.
#[derive(Clone)]
pub struct Hub {
    tx: broadcast::Sender<Arc<Wire>>,
}

impl Hub {
    /// Subscribes to Redis in the background, reconnecting after a failure.
    pub fn start(redis_url: &str) -> anyhow::Result<Hub> {
        let client = redis::Client::open(redis_url)?;
        let (tx, _) = broadcast::channel(1024);
        let hub = Hub { tx };
        let out = hub.tx.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = listen(&client, &out).await {
                    tracing::warn!(error = %e, "notification subscription lost; reconnecting");
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        Ok(hub)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Wire>> {
        self.tx.subscribe()
    }
}

async fn listen(client: &redis::Client, out: &broadcast::Sender<Arc<Wire>>) -> anyhow::Result<()> {
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.subscribe(CHANNEL).await?;
    tracing::debug!("subscribed to {CHANNEL}");
    let mut messages = pubsub.on_message();
    while let Some(msg) = messages.next().await {
        let payload: Vec<u8> = msg.get_payload()?;
        match serde_json::from_slice::<Wire>(&payload) {
            // No receivers is not an error: nobody is watching here.
            Ok(wire) => drop(out.send(Arc::new(wire))),
            Err(e) => tracing::warn!(error = %e, "unreadable notification message"),
        }
    }
    anyhow::bail!("the subscription ended")
}

/// `PUBLISH` each notification (one round trip for all).
pub async fn publish(pool: &deadpool_redis::Pool, wires: &[Wire]) -> anyhow::Result<()> {
    let mut conn = pool.get().await?;
    let mut pipe = redis::pipe();
    for w in wires {
        pipe.publish(CHANNEL, serde_json::to_string(w)?).ignore();
    }
    pipe.query_async::<()>(&mut conn).await?;
    Ok(())
}
