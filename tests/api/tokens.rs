//! Tokens from an identity provider (RS256, PS256, ES256 against its JWKS, with configurable
//! claims), key rotation, and the usual attacks on tokens: each refused with a 401.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use systemejer_api::JwtSettings;
use systemejer_e2e::{Backend, TEST_SECRET, TestApp};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ISSUER: &str = "https://login.randers.dk/realms/kommune";
const AUDIENCE: &str = "systemejer";

fn fixture(name: &str) -> String {
    format!("{}/fixtures/keys/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn provider_settings(jwks: String) -> JwtSettings {
    JwtSettings {
        issuer: Some(ISSUER.into()),
        audience: Some(AUDIENCE.into()),
        jwks: Some(jwks),
        roles_claim: "realm_access.roles".into(),
        email_claim: "preferred_username".into(),
        ..JwtSettings::hs256(TEST_SECRET.to_vec())
    }
}

fn claims(extra: &Value) -> Value {
    let now = chrono::Utc::now().timestamp();
    let mut c = json!({
        "iss": ISSUER, "aud": AUDIENCE, "exp": now + 600, "iat": now, "sub": "f3b0c7d2",
        "preferred_username": "dorte@randers.dk", "realm_access": {"roles": ["admin", "offline_access"]}
    });
    for (k, v) in extra.as_object().unwrap() {
        c[k] = v.clone();
    }
    c
}

fn sign(alg: Algorithm, kid: Option<&str>, key_file: &str, claims: &Value) -> String {
    let pem = std::fs::read(fixture(key_file)).unwrap();
    let key = match alg {
        Algorithm::ES256 => EncodingKey::from_ec_pem(&pem).unwrap(),
        _ => EncodingKey::from_rsa_pem(&pem).unwrap(),
    };
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

async fn status(app: &TestApp, token: &str) -> (u16, Value) {
    let reply = app.client_get_with_header("/api/v1/systems", &format!("Bearer {token}")).await;
    (reply.status.as_u16(), reply.body)
}

async fn for_each_backend(test: impl AsyncFn(TestApp)) {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        if let Some(app) = TestApp::spawn_with(backend, provider_settings(fixture("jwks.json"))).await {
            test(app).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_from_the_identity_provider_are_accepted() {
    for_each_backend(async |app: TestApp| {
        for (alg, kid, key) in [
            (Algorithm::RS256, "rsa-1", "rsa-1.pem"),
            (Algorithm::PS256, "rsa-1", "rsa-1.pem"),
            (Algorithm::ES256, "ec-1", "ec-1.pem"),
        ] {
            let token = sign(alg, Some(kid), key, &claims(&json!({})));
            assert_eq!(status(&app, &token).await.0, 200, "{alg:?}");
        }
        // The roles come from `realm_access.roles`, the person from `preferred_username`.
        let token = sign(Algorithm::RS256, Some("rsa-1"), "rsa-1.pem", &claims(&json!({})));
        let created = app
            .call(
                reqwest::Method::POST,
                "/api/v1/org-units",
                Some(&token),
                Some(json!({"name": "Digitalisering", "kind": "staff_function"})),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
        let log = app.get("/api/v1/audit-events", &app.admin()).await;
        assert_eq!(log.ok(200)["items"][0]["actor"], "dorte@randers.dk");
        // Scripts' HS256 tokens keep working beside them (with iss and aud, now required).
        let script = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims(&json!({"email": "script@randers.dk", "realm_access": {"roles": ["reader"]}})),
            &EncodingKey::from_secret(TEST_SECRET),
        )
        .unwrap();
        assert_eq!(status(&app, &script).await.0, 200);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attacks_on_tokens_are_refused() {
    for_each_backend(async |app: TestApp| {
        let now = chrono::Utc::now().timestamp();
        let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        let none = format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT"})), b64(&claims(&json!({}))));
        let rsa_public = std::fs::read(fixture("rsa-1.pub.pem")).unwrap();
        let mut confused = Header::new(Algorithm::HS256);
        confused.kid = Some("rsa-1".into());
        let hs_with_public_key =
            jsonwebtoken::encode(&confused, &claims(&json!({})), &EncodingKey::from_secret(&rsa_public)).unwrap();
        let hs_with_public_key_no_kid = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims(&json!({})),
            &EncodingKey::from_secret(&rsa_public),
        )
        .unwrap();
        let good = sign(Algorithm::RS256, Some("rsa-1"), "rsa-1.pem", &claims(&json!({})));
        let cases: Vec<(&str, String)> = vec![
            ("alg none", none),
            ("expired", sign(Algorithm::RS256, Some("rsa-1"), "rsa-1.pem", &claims(&json!({"exp": now - 120})))),
            ("not yet valid", sign(Algorithm::RS256, Some("rsa-1"), "rsa-1.pem", &claims(&json!({"nbf": now + 600})))),
            (
                "wrong issuer",
                sign(Algorithm::RS256, Some("rsa-1"), "rsa-1.pem", &claims(&json!({"iss": "https://evil.example"}))),
            ),
            (
                "wrong audience",
                sign(Algorithm::RS256, Some("rsa-1"), "rsa-1.pem", &claims(&json!({"aud": "another-app"}))),
            ),
            (
                "no exp",
                sign(Algorithm::RS256, Some("rsa-1"), "rsa-1.pem", &{
                    let mut c = claims(&json!({}));
                    c.as_object_mut().unwrap().remove("exp");
                    c
                }),
            ),
            ("wrong key", sign(Algorithm::RS256, Some("rsa-1"), "rsa-2.pem", &claims(&json!({})))),
            ("RS256 claimed for the EC key", sign(Algorithm::RS256, Some("ec-1"), "rsa-1.pem", &claims(&json!({})))),
            ("HS256 signed with the RSA public key", hs_with_public_key),
            ("HS256 signed with the RSA public key, no kid", hs_with_public_key_no_kid),
            ("unknown key id", sign(Algorithm::RS256, Some("rsa-9"), "rsa-1.pem", &claims(&json!({})))),
            ("truncated", good[..good.len() - 10].to_owned()),
            ("garbage", "eyJhbGciOi.garbage.here".to_owned()),
        ];
        for (what, token) in cases {
            let (code, body) = status(&app, &token).await;
            assert_eq!(code, 401, "{what}: {body}");
            assert_eq!(body["type"], "urn:systemejer:problem:unauthorized", "{what}");
        }
        for header in [good.clone(), format!("Basic {good}"), format!("Token {good}"), "Bearer ".to_owned()] {
            let reply = app.client_get_with_header("/api/v1/systems", &header).await;
            assert_eq!(reply.status, 401, "Authorization: {header}");
            assert_eq!(reply.headers["www-authenticate"], "Bearer");
        }
    })
    .await;
}

/// A JWKS endpoint standing in for the identity provider's, over real HTTP on loopback.
async fn jwks_server(body: String) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/realms/kommune/protocol/openid-connect/certs", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf).await;
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                body.len(),
                body
            );
            let _ = socket.write_all(response.as_bytes()).await;
        }
    });
    (url, hits)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_key_is_fetched_once_and_unknown_keys_do_not_hammer_the_provider() {
    let (url, hits) = jwks_server(std::fs::read_to_string(fixture("jwks-rotated.json")).unwrap()).await;
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, provider_settings(url)).await else { return };
    assert_eq!(hits.load(Ordering::SeqCst), 0, "a URL is fetched when first needed");
    let rotated = sign(Algorithm::RS256, Some("rsa-2"), "rsa-2.pem", &claims(&json!({})));
    assert_eq!(status(&app, &rotated).await.0, 200);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    // Known keys need no fetch; unknown ones at most one a minute.
    assert_eq!(status(&app, &sign(Algorithm::ES256, Some("ec-1"), "ec-1.pem", &claims(&json!({})))).await.0, 200);
    for _ in 0..5 {
        assert_eq!(status(&app, &sign(Algorithm::RS256, Some("rsa-9"), "rsa-1.pem", &claims(&json!({})))).await.0, 401);
    }
    assert_eq!(hits.load(Ordering::SeqCst), 1, "the provider is not hammered by unknown key ids");
}
