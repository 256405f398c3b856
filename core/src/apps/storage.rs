//! Package storage: one small interface over the `object_store` crate, with
//! the local filesystem (`make dev`, tests) or S3 (production; tested
//! against a real S3-compatible server) behind it.
//!
//! Uploads stream: the body is written part by part (multipart upload) while
//! its sha256 and size are computed, so the server holds at most a part or
//! two of a package in memory whatever its size. An upload over the limit or
//! broken off is aborted, which removes what was written.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};
use qhub_lib::ApiError;
use sha2::{Digest, Sha256};

/// Where packages live.
#[derive(Clone)]
pub enum StoreConfig {
    /// A directory (created if missing).
    Local(PathBuf),
    /// An S3 bucket. Credentials and region come from the usual `AWS_*`
    /// variables; `endpoint` points at an S3-compatible server.
    S3 {
        bucket: String,
        endpoint: Option<String>,
        region: String,
        access_key_id: Option<String>,
        secret_access_key: Option<String>,
    },
}

impl std::fmt::Debug for StoreConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreConfig::Local(dir) => f.debug_tuple("Local").field(dir).finish(),
            // Never the credentials.
            StoreConfig::S3 {
                bucket,
                endpoint,
                region,
                ..
            } => f
                .debug_struct("S3")
                .field("bucket", bucket)
                .field("endpoint", endpoint)
                .field("region", region)
                .finish_non_exhaustive(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct PackageConfig {
    pub store: StoreConfig,
    /// The largest package accepted (413 above).
    pub max_bytes: u64,
    /// Time allowed to receive a package (408 after).
    pub upload_timeout: std::time::Duration,
}

/// What a finished upload stored.
#[derive(Debug, Clone)]
pub struct Stored {
    pub size: i64,
    pub sha256: String,
}

/// Why an upload did not store anything.
#[derive(Debug)]
pub enum UploadError {
    TooLarge,
    /// The client's body broke off or arrived too slowly.
    Body(String),
    Store(object_store::Error),
}

impl From<UploadError> for ApiError {
    fn from(e: UploadError) -> ApiError {
        match e {
            UploadError::TooLarge => ApiError::PayloadTooLarge,
            UploadError::Body(why) => {
                ApiError::BadRequest(format!("the package could not be read: {why}"))
            }
            UploadError::Store(e) => store_error(e),
        }
    }
}

pub fn store_error(e: object_store::Error) -> ApiError {
    ApiError::Unavailable {
        service: "object storage",
        cause: e.to_string(),
    }
}

/// Parts of this size go to the store (S3's minimum is 5 MiB).
const PART_BYTES: usize = 5 * 1024 * 1024;

#[derive(Clone)]
pub struct Packages {
    store: Arc<dyn ObjectStore>,
    pub max_bytes: u64,
    pub upload_timeout: std::time::Duration,
}

impl Packages {
    pub fn open(config: &PackageConfig) -> anyhow::Result<Packages> {
        let store: Arc<dyn ObjectStore> = match &config.store {
            StoreConfig::Local(dir) => {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
                Arc::new(LocalFileSystem::new_with_prefix(dir).context("OBJECT_STORE")?)
            }
            StoreConfig::S3 {
                bucket,
                endpoint,
                region,
                access_key_id,
                secret_access_key,
            } => {
                let mut b = AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .with_region(region);
                if let Some(endpoint) = endpoint {
                    b = b
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"));
                }
                if let Some(k) = access_key_id {
                    b = b.with_access_key_id(k);
                }
                if let Some(s) = secret_access_key {
                    b = b.with_secret_access_key(s);
                }
                Arc::new(b.build().context("OBJECT_STORE (S3)")?)
            }
        };
        Ok(Packages {
            store,
            max_bytes: config.max_bytes,
            upload_timeout: config.upload_timeout,
        })
    }

    /// Streams `body` to `key`, hashing as it goes. Over `max_bytes`, a
    /// broken body or a store failure aborts the upload: nothing stays.
    pub async fn put<S, E>(&self, key: &str, body: S) -> Result<Stored, UploadError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let upload = self
            .store
            .put_multipart(&ObjectPath::from(key))
            .await
            .map_err(UploadError::Store)?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        let deadline = tokio::time::Instant::now() + self.upload_timeout;
        let mut body = body;
        let failure = loop {
            let next = match tokio::time::timeout_at(deadline, body.next()).await {
                Ok(next) => next,
                Err(_) => break Some(UploadError::Body("the upload took too long".into())),
            };
            let chunk = match next {
                None => break None,
                Some(Err(e)) => break Some(UploadError::Body(e.to_string())),
                Some(Ok(chunk)) => chunk,
            };
            size += chunk.len() as u64;
            if size > self.max_bytes {
                break Some(UploadError::TooLarge);
            }
            hasher.update(&chunk);
            // Back-pressure: at most two parts in flight, so memory stays
            // bounded by a few parts whatever the package size.
            if let Err(e) = writer.wait_for_capacity(2).await {
                break Some(UploadError::Store(e));
            }
            writer.put(chunk);
        };
        if let Some(failure) = failure {
            if let Err(e) = writer.abort().await {
                tracing::warn!(error = %e, key, "aborting a failed upload");
            }
            return Err(failure);
        }
        writer.finish().await.map_err(UploadError::Store)?;
        Ok(Stored {
            size: i64::try_from(size).unwrap_or(i64::MAX),
            sha256: hex::encode(hasher.finalize()),
        })
    }

    /// The object's bytes as a stream (never read whole into memory).
    pub async fn get(
        &self,
        key: &str,
    ) -> Result<impl Stream<Item = Result<Bytes, object_store::Error>>, ApiError> {
        let got = self
            .store
            .get(&ObjectPath::from(key))
            .await
            .map_err(store_error)?;
        Ok(got.into_stream())
    }

    /// Deletes an object; one already gone is fine.
    pub async fn delete(&self, key: &str) -> Result<(), object_store::Error> {
        match self.store.delete(&ObjectPath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Whether an object exists (tests and the garbage sweep).
    pub async fn exists(&self, key: &str) -> Result<bool, object_store::Error> {
        match self.store.head(&ObjectPath::from(key)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Number of objects under a prefix (tests).
    pub async fn count(&self, prefix: &str) -> Result<usize, object_store::Error> {
        let prefix = ObjectPath::from(prefix);
        let mut list = self.store.list(Some(&prefix));
        let mut n = 0;
        while let Some(item) = list.next().await {
            item?;
            n += 1;
        }
        Ok(n)
    }
}

/// The key of a new upload of a version's package: a fresh name per upload,
/// so a replaced package and its successor never share a key.
pub fn package_key(tenant: uuid::Uuid, app: uuid::Uuid, version: uuid::Uuid) -> String {
    format!(
        "packages/{tenant}/{app}/{version}/{}",
        uuid::Uuid::now_v7().simple()
    )
}
