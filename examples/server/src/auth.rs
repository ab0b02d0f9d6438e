//! Who is calling and what they may do. Tokens are stored as SHA-256 hashes only.

use std::collections::HashMap;
use std::sync::RwLock;

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::crypto::sha256_hex;
use crate::error::{ApiError, codes};

/// A role (decisions: roles of the reference server).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, users and configuration.
    SuperAdmin,
    /// Approves loans, reports, members.
    Manager,
    /// Bank import, payments, reconciliation; cannot approve loans.
    Accountant,
    /// Read-only.
    Viewer,
    /// A member: reads their own data only.
    Member,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 5] = [
        Role::SuperAdmin,
        Role::Manager,
        Role::Accountant,
        Role::Viewer,
        Role::Member,
    ];
    /// The snake-case name.
    pub fn name(self) -> &'static str {
        match self {
            Role::SuperAdmin => "super_admin",
            Role::Manager => "manager",
            Role::Accountant => "accountant",
            Role::Viewer => "viewer",
            Role::Member => "member",
        }
    }
    /// From the snake-case name.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == s)
    }
}

/// What a request does, for the permission table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Create API tokens.
    ManageTokens,
    /// Create members.
    WriteMembers,
    /// Read a member (own record for a member).
    ReadMembers,
    /// Search members by Aadhaar or PAN.
    SearchIdentity,
    /// Create products.
    WriteProducts,
    /// Read products.
    ReadProducts,
    /// Apply, approve (with overrides) and disburse loans.
    Approve,
    /// Read loans (own loans for a member).
    ReadLoans,
    /// Payments, reversals, interest-only and part payments, foreclosure settlement.
    Collect,
    /// Skips, rate changes, top-ups, restructures, waivers, settlements, write-offs.
    Restructure,
    /// The daily jobs.
    RunJobs,
    /// Open savings accounts and post their events.
    WriteSavings,
    /// Read savings (own accounts for a member).
    ReadSavings,
    /// Upload bank statements.
    BankImport,
    /// Read bank transactions.
    ReadBank,
    /// Reports (trial balance, P&L, balance sheet, classification, portfolio).
    Reports,
    /// Read and verify the audit log; read the outbox.
    ReadAudit,
    /// Approve or reject members' fine-waiver requests.
    DecideWaivers,
    /// List fine-waiver requests (staff).
    ReadWaivers,
}

/// The permission table: may `role` do `action`? Members pass only for their own data,
/// checked where the data is read.
pub fn allows(role: Role, action: Action) -> bool {
    use Action::*;
    match role {
        Role::SuperAdmin => true,
        Role::Manager => matches!(
            action,
            WriteMembers
                | ReadMembers
                | SearchIdentity
                | WriteProducts
                | ReadProducts
                | Approve
                | ReadLoans
                | Restructure
                | WriteSavings
                | ReadSavings
                | ReadBank
                | Reports
                | ReadAudit
                | DecideWaivers
                | ReadWaivers
        ),
        Role::Accountant => matches!(
            action,
            ReadMembers
                | ReadProducts
                | ReadLoans
                | Collect
                | RunJobs
                | WriteSavings
                | ReadSavings
                | BankImport
                | ReadBank
                | Reports
                | ReadWaivers
        ),
        Role::Viewer => matches!(
            action,
            ReadMembers | ReadProducts | ReadLoans | ReadSavings | ReadBank | Reports | ReadWaivers
        ),
        Role::Member => matches!(action, ReadMembers | ReadLoans | ReadSavings),
    }
}

/// The caller.
#[derive(Debug, Clone)]
pub struct Principal {
    /// Role.
    pub role: Role,
    /// The member a member token belongs to.
    pub member_id: Option<String>,
    /// The token's name (the actor in the audit log).
    pub name: String,
}

impl Principal {
    /// Refuses unless the role may do `action`.
    ///
    /// # Errors
    /// `E_FORBIDDEN`.
    pub fn require(&self, action: Action) -> Result<(), ApiError> {
        if allows(self.role, action) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }

    /// Refuses a member reading someone else's data (staff pass).
    ///
    /// # Errors
    /// `E_FORBIDDEN`.
    pub fn require_own(&self, member_id: &str) -> Result<(), ApiError> {
        match (self.role, &self.member_id) {
            (Role::Member, Some(m)) if m == member_id => Ok(()),
            (Role::Member, _) => Err(ApiError::forbidden()),
            _ => Ok(()),
        }
    }

    /// The audit actor: `role:name`.
    pub fn actor(&self) -> String {
        format!("{}:{}", self.role.name(), self.name)
    }
}

/// Known tokens by hash, with the expiry of portal sessions (tokens are never changed once
/// made, so a cache is safe).
#[derive(Debug, Default)]
pub struct TokenCache(RwLock<HashMap<String, (Principal, Option<Expiry>)>>);

impl TokenCache {
    /// Drops the cached tokens `hashes` (deleted from the store) and every cached session
    /// that expired at or before `now`, so the cache holds no token the store no longer has.
    pub fn forget(&self, hashes: &[String], now: chrono::DateTime<chrono::Utc>) {
        if let Ok(mut cache) = self.0.write() {
            for h in hashes {
                cache.remove(h);
            }
            cache.retain(|_, (_, expires)| expires.is_none_or(|e| now < e));
        }
    }
}

/// When a portal session's token stops being accepted.
type Expiry = chrono::DateTime<chrono::Utc>;

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let unauth = || {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                codes::UNAUTHENTICATED,
                "an Authorization: Bearer token is required",
            )
        };
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(unauth)?;
        let hash = sha256_hex(token.trim().as_bytes());
        let live = |expires: &Option<chrono::DateTime<chrono::Utc>>| {
            expires.is_none_or(|e| chrono::Utc::now() < e)
        };
        if let Ok(cache) = state.tokens.0.read()
            && let Some((p, expires)) = cache.get(&hash)
        {
            return if live(expires) {
                Ok(p.clone())
            } else {
                Err(unauth())
            };
        }
        let row: Option<(String, Option<String>, String)> =
            sqlx::query_as("SELECT role, member_id, name FROM tokens WHERE hash = $1")
                .bind(&hash)
                .fetch_optional(&state.db.pool)
                .await?;
        let (role, member_id, name) = row.ok_or_else(unauth)?;
        let role = Role::parse(&role).ok_or_else(unauth)?;
        let p = Principal {
            role,
            member_id,
            name,
        };
        // A portal session's token expires.
        let expires = crate::portal::session_expiry(&state.db, &hash).await?;
        if let Ok(mut cache) = state.tokens.0.write() {
            cache.insert(hash, (p.clone(), expires));
        }
        if live(&expires) { Ok(p) } else { Err(unauth()) }
    }
}

/// Stores a new token for `role` and returns it (the only time it is seen in clear).
///
/// # Errors
/// Storage errors.
pub async fn create_token(
    db: &crate::db::Db,
    role: Role,
    member_id: Option<&str>,
    name: &str,
) -> Result<String, ApiError> {
    let token = crate::crypto::random_token().map_err(|e| {
        tracing::error!(error = %e, "no randomness for a token");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            codes::STORAGE,
            "the store could not complete the request",
        )
    })?;
    sqlx::query(
        "INSERT INTO tokens (hash, role, member_id, name, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(sha256_hex(token.as_bytes()))
    .bind(role.name())
    .bind(member_id)
    .bind(name)
    .bind(crate::db::now())
    .execute(&db.pool)
    .await?;
    Ok(token)
}
