//! Paging for ranked lists (search results ordered by relevance, price,
//! rating…): their order is not an id order, so the cursor is an offset,
//! `o<n>`, and a search goes at most `MAX_OFFSET` results deep (narrow the
//! search to see more). The registry and the marketplace share it.

use super::validate::Checks;

/// Deepest offset a ranked cursor may reach.
pub const MAX_OFFSET: i64 = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RankedPage {
    pub limit: i64,
    pub offset: i64,
}

impl RankedPage {
    /// Checks `limit` (1–200, default 50) and `cursor` (one this API
    /// issued: the spec states it as `^(o([0-9]{1,4}|10000))?$`), reporting
    /// problems to `checks`.
    pub fn parse(limit: Option<i64>, cursor: Option<&str>, checks: &mut Checks) -> RankedPage {
        let limit = limit.unwrap_or(qhub_lib::page::DEFAULT_LIMIT);
        if !(1..=qhub_lib::page::MAX_LIMIT).contains(&limit) {
            checks.check("limit", Some("must be between 1 and 200"));
        }
        let offset = match cursor {
            None | Some("") => 0,
            Some(c) => match c
                .strip_prefix('o')
                .filter(|n| {
                    // Exactly the spec's pattern: 0 to MAX_OFFSET.
                    ((1..=4).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()))
                        || *n == "10000"
                })
                .and_then(|n| n.parse::<i64>().ok())
            {
                Some(n) if n <= MAX_OFFSET => n,
                _ => {
                    checks.check("cursor", Some("is not a cursor issued by this API"));
                    0
                }
            },
        };
        RankedPage { limit, offset }
    }

    /// Rows to fetch: one more than a page, to learn whether another
    /// follows.
    pub fn fetch(self) -> i64 {
        self.limit + 1
    }

    /// Cuts the fetched rows to the page and says where the next one
    /// starts (none past `MAX_OFFSET`).
    pub fn finish<T>(self, items: &mut Vec<T>) -> Option<String> {
        let more = items.len() as i64 > self.limit;
        items.truncate(usize::try_from(self.limit).unwrap_or(0));
        let next = self.offset + self.limit;
        (more && next <= MAX_OFFSET).then(|| format!("o{next}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_are_only_those_issued() {
        let mut checks = Checks::default();
        let p = RankedPage::parse(Some(2), Some("o40"), &mut checks);
        assert_eq!(
            p,
            RankedPage {
                limit: 2,
                offset: 40
            }
        );
        assert!(checks.finish().is_ok());
        assert_eq!(
            RankedPage::parse(None, Some("o10000"), &mut checks).offset,
            MAX_OFFSET
        );
        for bad in [
            "o", "o+12", "o-1", "o10001", "o99999", "o09999", "x12", "o1 ",
        ] {
            let mut checks = Checks::default();
            RankedPage::parse(None, Some(bad), &mut checks);
            assert!(checks.finish().is_err(), "{bad}");
        }
        let mut items = vec![1, 2, 3];
        assert_eq!(p.finish(&mut items).as_deref(), Some("o42"));
        assert_eq!(items, [1, 2]);
        let mut items = vec![1, 2];
        assert_eq!(p.finish(&mut items), None);
        let deep = RankedPage {
            limit: 200,
            offset: 9_900,
        };
        assert_eq!(deep.finish(&mut vec![0; 201]), None);
    }
}
