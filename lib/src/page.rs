//! Cursor pagination shared by every list endpoint: `limit` (default 50,
//! max 200) and an opaque `cursor`; responses are `{items, next_cursor}`.

use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use uuid::Uuid;

use crate::error::{ApiError, FieldError};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// Query parameters of every list endpoint.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Opaque cursor from a previous page's `next_cursor` (empty: the
    /// first page).
    #[param(pattern = "^(c1[0-9a-f]{32})?$")]
    pub cursor: Option<String>,
}

/// A validated page request. Items are ordered by their time-ordered UUIDv7
/// id, so the cursor is simply the last id seen, encoded so that clients
/// treat it as opaque.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub limit: i64,
    pub after: Option<Uuid>,
}

impl PageQuery {
    pub fn validate(&self) -> Result<PageRequest, ApiError> {
        let mut errors = Vec::new();
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            errors.push(FieldError::new(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let after = match self.cursor.as_deref() {
            None | Some("") => None,
            Some(c) => match decode_cursor(c) {
                Some(id) => Some(id),
                None => {
                    errors.push(FieldError::new(
                        "cursor",
                        "is not a cursor issued by this API",
                    ));
                    None
                }
            },
        };
        if errors.is_empty() {
            Ok(PageRequest { limit, after })
        } else {
            Err(ApiError::validation(errors))
        }
    }
}

/// One page of a list. Handlers convert it into a named page type declared
/// with [`page_of!`], so the OpenAPI document gets `UserPage` with
/// `items: [$ref UserView]` rather than utoipa's inlined `Page_UserView`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows: the extra row, if present,
    /// only proves that there is a next page.
    pub fn from_rows(mut rows: Vec<T>, req: PageRequest, id_of: impl Fn(&T) -> Uuid) -> Self {
        let limit = usize::try_from(req.limit).unwrap_or(usize::MAX);
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|r| encode_cursor(id_of(r)))
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }
}

/// Declares a named page type for an item type: `page_of!(UserPage, UserView);`
#[macro_export]
macro_rules! page_of {
    ($name:ident, $item:ty) => {
        #[doc = concat!("One page of `", stringify!($item), "` items.")]
        #[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            /// Pass as `cursor` to get the next page; null on the last page.
            pub next_cursor: Option<String>,
        }

        impl From<$crate::page::Page<$item>> for $name {
            fn from(page: $crate::page::Page<$item>) -> Self {
                $name {
                    items: page.items,
                    next_cursor: page.next_cursor,
                }
            }
        }
    };
}

pub fn encode_cursor(id: Uuid) -> String {
    format!("c1{}", id.simple())
}

/// The inverse of `encode_cursor`, and nothing else: `c1` and 32
/// lowercase hex digits (the pattern the spec states for `cursor`).
pub fn decode_cursor(s: &str) -> Option<Uuid> {
    let rest = s.strip_prefix("c1")?;
    if rest.len() != 32 || !rest.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    Uuid::try_parse(rest).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let id = Uuid::now_v7();
        assert_eq!(decode_cursor(&encode_cursor(id)), Some(id));
        assert_eq!(decode_cursor("nope"), None);
        assert_eq!(decode_cursor(&id.to_string()), None);
        assert_eq!(decode_cursor(&format!("c1{id}")), None);
        assert_eq!(
            decode_cursor(&format!("c1{}", id.simple()).to_uppercase()),
            None
        );
    }

    #[test]
    fn limit_bounds() {
        let q = PageQuery {
            limit: Some(0),
            cursor: None,
        };
        assert!(q.validate().is_err());
        let q = PageQuery {
            limit: Some(201),
            cursor: None,
        };
        assert!(q.validate().is_err());
        let q = PageQuery::default();
        assert_eq!(q.validate().map(|p| p.limit).ok(), Some(DEFAULT_LIMIT));
    }

    #[test]
    fn page_sets_cursor_only_when_more_rows() {
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        let req = PageRequest {
            limit: 2,
            after: None,
        };
        let page = Page::from_rows(ids.clone(), req, |id| *id);
        assert_eq!(page.items.len(), 2);
        assert_eq!(page.next_cursor, Some(encode_cursor(ids[1])));
        let page = Page::from_rows(ids[..2].to_vec(), req, |id| *id);
        assert_eq!(page.next_cursor, None);
    }
}
