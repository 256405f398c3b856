//! API scopes: what a credential may do. A user session holds every scope
//! its role grants; an API key holds the scopes it was created with, never
//! more than its creator's role grants (checked at creation and again on
//! every request, so demoting the creator narrows their keys at once).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Role;

/// A permission an API key can carry.
///
/// - `users:read`: list and read users, invitations.
/// - `users:write`: create, change and remove users; invite.
/// - `apps:read`: read projects, apps, versions, docs and metrics; browse,
///   download from and read reviews of the registry.
/// - `apps:write`: manage projects, apps, versions, packages and docs;
///   publish and yank versions; write reviews.
/// - `registry:publish`: publish apps to the registry, deprecate apps.
/// - `jobs:read`: read jobs, their results and statistics, backends and
///   quotas.
/// - `jobs:write`: submit, cancel, rerun, tag and delete jobs.
/// - `usage:read`: usage analytics.
/// - `admin`: tenant settings and the audit log.
///
/// Roles grant: viewer `apps:read`, `jobs:read`, `usage:read`; developer adds
/// `apps:write`, `jobs:write`; admin and owner hold every scope (with
/// `registry:publish`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
pub enum Scope {
    #[serde(rename = "users:read")]
    UsersRead,
    #[serde(rename = "users:write")]
    UsersWrite,
    #[serde(rename = "apps:read")]
    AppsRead,
    #[serde(rename = "apps:write")]
    AppsWrite,
    #[serde(rename = "registry:publish")]
    RegistryPublish,
    #[serde(rename = "jobs:read")]
    JobsRead,
    #[serde(rename = "jobs:write")]
    JobsWrite,
    #[serde(rename = "usage:read")]
    UsageRead,
    #[serde(rename = "admin")]
    Admin,
    #[serde(rename = "subscriptions:read")]
    SubscriptionsRead,
    #[serde(rename = "subscriptions:write")]
    SubscriptionsWrite,
    #[serde(rename = "billing:read")]
    BillingRead,
}

impl Scope {
    pub const ALL: [Scope; 12] = [
        Scope::UsersRead,
        Scope::UsersWrite,
        Scope::AppsRead,
        Scope::AppsWrite,
        Scope::RegistryPublish,
        Scope::JobsRead,
        Scope::JobsWrite,
        Scope::UsageRead,
        Scope::Admin,
        Scope::SubscriptionsRead,
        Scope::SubscriptionsWrite,
        Scope::BillingRead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::UsersRead => "users:read",
            Scope::UsersWrite => "users:write",
            Scope::AppsRead => "apps:read",
            Scope::AppsWrite => "apps:write",
            Scope::RegistryPublish => "registry:publish",
            Scope::JobsRead => "jobs:read",
            Scope::JobsWrite => "jobs:write",
            Scope::UsageRead => "usage:read",
            Scope::Admin => "admin",
            Scope::SubscriptionsRead => "subscriptions:read",
            Scope::SubscriptionsWrite => "subscriptions:write",
            Scope::BillingRead => "billing:read",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|sc| sc.as_str() == s)
    }

    /// The least role that holds this scope.
    pub fn min_role(self) -> Role {
        match self {
            Scope::AppsRead | Scope::JobsRead | Scope::UsageRead | Scope::SubscriptionsRead => {
                Role::Viewer
            }
            Scope::AppsWrite | Scope::JobsWrite => Role::Developer,
            Scope::UsersRead
            | Scope::UsersWrite
            | Scope::RegistryPublish
            | Scope::Admin
            | Scope::SubscriptionsWrite
            | Scope::BillingRead => Role::Admin,
        }
    }

    pub fn granted_to(self, role: Role) -> bool {
        role >= self.min_role()
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_grant_scopes_by_privilege() {
        assert!(Scope::Admin.granted_to(Role::Owner));
        assert!(Scope::UsersWrite.granted_to(Role::Admin));
        assert!(!Scope::UsersRead.granted_to(Role::Developer));
        assert!(Scope::JobsWrite.granted_to(Role::Developer));
        assert!(!Scope::AppsWrite.granted_to(Role::Viewer));
        assert!(Scope::UsageRead.granted_to(Role::Viewer));
        assert!(Scope::JobsRead.granted_to(Role::Viewer));
        assert!(!Scope::JobsWrite.granted_to(Role::Viewer));
        assert!(!Scope::RegistryPublish.granted_to(Role::Developer));
        assert!(Scope::RegistryPublish.granted_to(Role::Admin));
        assert!(Scope::SubscriptionsRead.granted_to(Role::Viewer));
        assert!(!Scope::SubscriptionsWrite.granted_to(Role::Developer));
        assert!(!Scope::BillingRead.granted_to(Role::Developer));
        assert!(Scope::BillingRead.granted_to(Role::Admin));
    }

    #[test]
    fn names_round_trip_and_match_serde() {
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_value(s).ok(),
                Some(serde_json::Value::String(s.as_str().into()))
            );
        }
        assert_eq!(Scope::parse("root"), None);
    }
}

/// A set of scopes in one word, so principals stay `Copy`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScopeSet(u16);

impl ScopeSet {
    fn bit(scope: Scope) -> u16 {
        1 << (scope as u8)
    }

    pub fn contains(self, scope: Scope) -> bool {
        self.0 & Self::bit(scope) != 0
    }

    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL.into_iter().filter(move |s| self.contains(*s))
    }
}

impl FromIterator<Scope> for ScopeSet {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        ScopeSet(iter.into_iter().fold(0, |acc, s| acc | ScopeSet::bit(s)))
    }
}

#[cfg(test)]
mod set_tests {
    use super::*;

    #[test]
    fn set_holds_exactly_its_members() {
        let set: ScopeSet = [Scope::UsersRead, Scope::Admin].into_iter().collect();
        assert!(set.contains(Scope::UsersRead) && set.contains(Scope::Admin));
        assert!(!set.contains(Scope::UsersWrite));
        assert_eq!(set.iter().count(), 2);
    }
}
