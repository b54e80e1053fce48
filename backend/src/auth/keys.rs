//! The token signing keyring: Ed25519 keys with ids, persisted in the database so
//! every replica and restart signs and verifies with the same keys.
//!
//! The newest key signs; keys it replaced keep verifying until every token they
//! signed has expired, then they are pruned. Private keys are stored encrypted
//! (AES-256-GCM, key derived from `auth.key_encryption_key`) when that setting is
//! present; without it they are stored in the clear and a warning is logged.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use base64::Engine;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::Digest;
use sqlx::PgPool;
use tokio::sync::RwLock;

use crate::auth::token::TokenError;

/// A freshly generated Ed25519 key: PKCS#8 private key and raw public key.
pub struct GeneratedKey {
    pub kid: String,
    pub pkcs8: Vec<u8>,
    pub public: Vec<u8>,
}

/// Generates an Ed25519 key pair; the key id is derived from the public key.
pub fn generate_ed25519() -> anyhow::Result<GeneratedKey> {
    let rng = SystemRandom::new();
    let doc = Ed25519KeyPair::generate_pkcs8(&rng).map_err(|e| anyhow::anyhow!("keygen: {e}"))?;
    let pair =
        Ed25519KeyPair::from_pkcs8(doc.as_ref()).map_err(|e| anyhow::anyhow!("keygen: {e}"))?;
    let public = pair.public_key().as_ref().to_vec();
    let kid = hex::encode(&sha2::Sha256::digest(&public)[..8]);
    Ok(GeneratedKey {
        kid,
        pkcs8: doc.as_ref().to_vec(),
        public,
    })
}

struct VerifyKey {
    decoding: DecodingKey,
    public: Vec<u8>,
}

struct Loaded {
    signing_kid: String,
    encoding: EncodingKey,
    verify: HashMap<String, VerifyKey>,
    loaded_at: Instant,
    /// Tokens whose signature, issuer and audience checked out with these keys:
    /// `"{audience} {token}"` → (claims, exp). A client sends the same access
    /// token with every request, so the Ed25519 check runs once per token. The
    /// expiry is still checked on every use; a reload (which may drop a key)
    /// starts an empty cache.
    verified: std::sync::Mutex<HashMap<String, (serde_json::Value, u64)>>,
}

/// Verified tokens kept per key set; past this the cache starts over.
const VERIFIED_CAPACITY: usize = 10_000;

/// A public key as a JSON Web Key, for `/api/v1/auth/jwks`.
#[derive(Debug, Clone, Serialize)]
pub struct PublicJwk {
    pub kty: &'static str,
    pub crv: &'static str,
    pub alg: &'static str,
    #[serde(rename = "use")]
    pub use_: &'static str,
    pub kid: String,
    pub x: String,
}

pub struct Keyring {
    db: PgPool,
    issuer: String,
    access_ttl_secs: i64,
    rotation: Duration,
    cipher: Option<Arc<LessSafeKey>>,
    state: RwLock<Option<Loaded>>,
}

/// How often an unknown `kid` may trigger a reload (another replica may have rotated).
const RELOAD_AFTER_MISS: Duration = Duration::from_secs(5);
/// Reloads at least this often, so a rotation elsewhere becomes the signing key here.
const RELOAD_EVERY: Duration = Duration::from_secs(300);

impl Keyring {
    pub fn new(
        db: PgPool,
        issuer: &str,
        access_ttl_secs: i64,
        rotation: Duration,
        encryption_key: Option<&SecretString>,
    ) -> Self {
        let cipher = encryption_key.map(|k| {
            let digest = sha2::Sha256::digest(k.expose_secret().as_bytes());
            let unbound = UnboundKey::new(&AES_256_GCM, &digest).expect("32-byte key");
            Arc::new(LessSafeKey::new(unbound))
        });
        if cipher.is_none() {
            tracing::warn!(
                "auth.key_encryption_key is not set: token signing keys are stored unencrypted"
            );
        }
        Self {
            db,
            issuer: issuer.to_owned(),
            access_ttl_secs,
            rotation,
            cipher,
            state: RwLock::new(None),
        }
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn access_ttl_secs(&self) -> i64 {
        self.access_ttl_secs
    }

    fn seal(&self, kid: &str, plain: &[u8]) -> anyhow::Result<(Vec<u8>, bool)> {
        let Some(cipher) = &self.cipher else {
            return Ok((plain.to_vec(), false));
        };
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| anyhow::anyhow!("rng"))?;
        let mut buf = plain.to_vec();
        cipher
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(kid.as_bytes()),
                &mut buf,
            )
            .map_err(|_| anyhow::anyhow!("sealing the signing key failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        Ok((out, true))
    }

    fn open(&self, kid: &str, stored: &[u8], encrypted: bool) -> anyhow::Result<Vec<u8>> {
        if !encrypted {
            return Ok(stored.to_vec());
        }
        let cipher = self.cipher.as_ref().ok_or_else(|| {
            anyhow::anyhow!("signing key {kid} is encrypted but auth.key_encryption_key is not set")
        })?;
        anyhow::ensure!(stored.len() > NONCE_LEN, "signing key {kid} is truncated");
        let (nonce, ct) = stored.split_at(NONCE_LEN);
        let nonce =
            Nonce::try_assume_unique_for_key(nonce).map_err(|_| anyhow::anyhow!("nonce"))?;
        let mut buf = ct.to_vec();
        let plain = cipher
            .open_in_place(nonce, Aad::from(kid.as_bytes()), &mut buf)
            .map_err(|_| {
                anyhow::anyhow!("signing key {kid} does not decrypt with the configured key")
            })?;
        Ok(plain.to_vec())
    }

    /// Generates a new signing key, stores it and makes it current; older keys keep
    /// verifying until their tokens expire.
    pub async fn rotate(&self) -> anyhow::Result<String> {
        let key = generate_ed25519()?;
        let (private, encrypted) = self.seal(&key.kid, &key.pkcs8)?;
        sqlx::query("SELECT auth_signing_key_add($1, 'EdDSA', $2, $3, $4)")
            .bind(&key.kid)
            .bind(&key.public)
            .bind(&private)
            .bind(encrypted)
            .execute(&self.db)
            .await?;
        tracing::info!(kid = %key.kid, "token signing key rotated");
        self.reload().await?;
        Ok(key.kid)
    }

    /// Reads the keys from the database, creating or rotating the signing key when
    /// there is none or it is older than the rotation period.
    pub async fn reload(&self) -> anyhow::Result<()> {
        #[derive(sqlx::FromRow)]
        struct Row {
            kid: String,
            public_key: Vec<u8>,
            private_key: Vec<u8>,
            encrypted: bool,
            created_at: DateTime<Utc>,
            retired_at: Option<DateTime<Utc>>,
        }
        // Pruning keeps a margin of one TTL past retirement, so nothing valid is dropped.
        sqlx::query("SELECT auth_signing_key_prune($1)")
            .bind(self.access_ttl_secs.max(0) * 2 + 60)
            .execute(&self.db)
            .await?;
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT kid, public_key, private_key, encrypted, created_at, retired_at FROM auth_signing_key_list()",
        )
        .fetch_all(&self.db)
        .await?;
        let current = rows.iter().find(|r| r.retired_at.is_none());
        let stale = current.is_none_or(|c| {
            (Utc::now() - c.created_at).to_std().unwrap_or_default() > self.rotation
        });
        if stale {
            return Box::pin(self.rotate()).await.map(|_| ());
        }
        let current = current.expect("checked above");
        let pkcs8 = self.open(&current.kid, &current.private_key, current.encrypted)?;
        let now = Utc::now();
        let verify = rows
            .iter()
            .filter(|r| {
                r.retired_at
                    .is_none_or(|at| (now - at).num_seconds() <= self.access_ttl_secs.max(0) + 60)
            })
            .map(|r| {
                (
                    r.kid.clone(),
                    VerifyKey {
                        decoding: DecodingKey::from_ed_der(&r.public_key),
                        public: r.public_key.clone(),
                    },
                )
            })
            .collect();
        *self.state.write().await = Some(Loaded {
            signing_kid: current.kid.clone(),
            encoding: EncodingKey::from_ed_der(&pkcs8),
            verify,
            loaded_at: Instant::now(),
            verified: std::sync::Mutex::default(),
        });
        Ok(())
    }

    async fn ensure_loaded(&self) -> anyhow::Result<()> {
        let fresh = self
            .state
            .read()
            .await
            .as_ref()
            .is_some_and(|s| s.loaded_at.elapsed() < RELOAD_EVERY);
        if !fresh {
            self.reload().await?;
        }
        Ok(())
    }

    /// Signs `claims` with the current key; the header names the key id.
    pub async fn sign<T: Serialize>(&self, claims: &T) -> anyhow::Result<String> {
        self.ensure_loaded().await?;
        let guard = self.state.read().await;
        let s = guard.as_ref().expect("loaded");
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(s.signing_kid.clone());
        Ok(jsonwebtoken::encode(&header, claims, &s.encoding)?)
    }

    /// The id of the key that currently signs.
    pub async fn current_kid(&self) -> anyhow::Result<String> {
        self.ensure_loaded().await?;
        Ok(self
            .state
            .read()
            .await
            .as_ref()
            .expect("loaded")
            .signing_kid
            .clone())
    }

    /// Verifies a token for `audience`. Only EdDSA with a known key id is accepted:
    /// `alg: none`, HMAC tokens (whatever their secret) and foreign keys are invalid.
    pub async fn verify<T: DeserializeOwned>(
        &self,
        token: &str,
        audience: &str,
    ) -> Result<T, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        if header.alg != Algorithm::EdDSA {
            return Err(TokenError::Invalid);
        }
        let kid = header.kid.ok_or(TokenError::Invalid)?;
        self.ensure_loaded()
            .await
            .map_err(TokenError::Unavailable)?;
        let known = self
            .state
            .read()
            .await
            .as_ref()
            .is_some_and(|s| s.verify.contains_key(&kid));
        if !known {
            // Another replica may have rotated since we loaded; reload, but not on every
            // request carrying a made-up kid.
            let may_reload = self
                .state
                .read()
                .await
                .as_ref()
                .is_none_or(|s| s.loaded_at.elapsed() > RELOAD_AFTER_MISS);
            if may_reload {
                self.reload().await.map_err(TokenError::Unavailable)?;
            }
        }
        let guard = self.state.read().await;
        let loaded = guard.as_ref().ok_or(TokenError::Invalid)?;
        let key = loaded.verify.get(&kid).ok_or(TokenError::Invalid)?;
        let cache_key = format!("{audience} {token}");
        let hit = loaded
            .verified
            .lock()
            .expect("token cache poisoned")
            .get(&cache_key)
            .cloned();
        let claims = match hit {
            Some((claims, exp)) => {
                // As jsonwebtoken checks it, with no leeway.
                if exp < jsonwebtoken::get_current_timestamp() {
                    return Err(TokenError::Expired);
                }
                claims
            }
            None => {
                let mut validation = Validation::new(Algorithm::EdDSA);
                validation.set_issuer(&[&self.issuer]);
                validation.set_audience(&[audience]);
                validation.leeway = 0;
                validation.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
                let claims =
                    jsonwebtoken::decode::<serde_json::Value>(token, &key.decoding, &validation)
                        .map(|d| d.claims)
                        .map_err(|e| match e.kind() {
                            jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                                TokenError::Expired
                            }
                            _ => TokenError::Invalid,
                        })?;
                let exp = claims["exp"].as_u64().ok_or(TokenError::Invalid)?;
                let mut cache = loaded.verified.lock().expect("token cache poisoned");
                if cache.len() >= VERIFIED_CAPACITY {
                    cache.clear();
                }
                cache.insert(cache_key, (claims.clone(), exp));
                claims
            }
        };
        serde_json::from_value(claims).map_err(|_| TokenError::Invalid)
    }

    /// The public keys that currently verify, as a JWK set.
    pub async fn jwks(&self) -> anyhow::Result<Vec<PublicJwk>> {
        self.ensure_loaded().await?;
        let guard = self.state.read().await;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut keys: Vec<PublicJwk> = guard
            .as_ref()
            .expect("loaded")
            .verify
            .iter()
            .map(|(kid, k)| PublicJwk {
                kty: "OKP",
                crv: "Ed25519",
                alg: "EdDSA",
                use_: "sig",
                kid: kid.clone(),
                x: b64.encode(&k.public),
            })
            .collect();
        keys.sort_by(|a, b| a.kid.cmp(&b.kid));
        Ok(keys)
    }
}
