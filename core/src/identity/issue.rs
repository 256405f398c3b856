//! A new session's token pair: what signup, login, refresh and invitation
//! acceptance hand out.

use qhub_lib::ApiError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::identity::extract::ClientInfo;
use crate::platform::state::AppState;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenPair {
    /// Short-lived JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Opaque, single-use; exchange at `/v1/auth/refresh` for a new pair.
    /// Absent when the refresh token went into the `qhub_refresh` cookie
    /// instead (`refresh_delivery: "cookie"`, or a refresh that presented
    /// the cookie).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

impl TokenPair {
    /// A fresh access token for `session`, paired with its refresh token.
    pub(crate) fn new(
        state: &AppState,
        tenant: Uuid,
        user: Uuid,
        session: Uuid,
        refresh_token: String,
    ) -> Result<TokenPair, ApiError> {
        let access_token = state
            .tokens
            .issue_access(user, tenant, session)
            .map_err(ApiError::internal)?;
        Ok(TokenPair {
            access_token,
            refresh_token: Some(refresh_token),
            token_type: "Bearer".into(),
            expires_in: state.tokens.access_ttl.as_secs(),
        })
    }
}

/// Opens a session in Redis and issues its token pair.
pub async fn issue_tokens(
    state: &AppState,
    tenant: Uuid,
    user: Uuid,
    client: &ClientInfo,
) -> Result<TokenPair, ApiError> {
    let session = state
        .sessions
        .create(
            tenant,
            user,
            client.ip.as_deref(),
            client.user_agent.as_deref(),
        )
        .await?;
    TokenPair::new(state, tenant, user, session.id, session.refresh_token)
}
