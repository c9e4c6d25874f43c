//! The OpenID Connect provider over HTTP on 127.0.0.1:0, on SQLite and
//! PostgreSQL: the code flow with PKCE and consent, tokens, userinfo,
//! refresh rotation, logout, and every refusal (bad PKCE verifier, reused
//! code, wrong redirect_uri, wrong client secret, expired and replayed
//! private_key_jwt, refresh reuse, unknown client and unregistered
//! redirect URI, GOST-signed tokens checked against the published JWK);
//! and a real relying party, the npm package openid-client, driving the
//! whole flow (tests/oidc-rp).
//!
//! Accounts and sessions are inserted with SQL; the provider reads the
//! sessions through the account part's own (`IdpSessions`, as `podpis
//! serve` mounts it). What the user's action journal records of it is
//! checked too: consent given and refused, tokens issued, a family revoked
//! on reuse, the logout — each with the client's id.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use idp::FixedClock;
use idp::oidc::{
    self, AuthMethod, ClientRegistration, ClientType, IdpSessions, Oidc, OidcConfig, OidcError,
    ProviderKeys, SigAlg, jwt, token_hash,
};
use p256::ecdsa::signature::Signer as _;
use pki::Diagnostic;
use serde_json::{Value, json};
use sha2::Digest as _;
use store::Store;
use store::testing::TestDb;

const REDIRECT: &str = "http://127.0.0.1:9/cb";
const POST_LOGOUT: &str = "http://127.0.0.1:9/bye";

struct Reply {
    status: u16,
    headers: ureq::http::HeaderMap,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    fn location(&self) -> String {
        self.headers
            .get("location")
            .unwrap_or_else(|| panic!("no Location ({}): {}", self.status, self.body))
            .to_str()
            .unwrap()
            .to_owned()
    }

    /// The query parameters of the Location header.
    fn redirect_params(&self) -> Value {
        let loc = self.location();
        let query = loc.split_once('?').map(|(_, q)| q).unwrap_or_default();
        let mut out = json!({});
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            out[k.as_ref()] = json!(v);
        }
        out
    }

    /// An OAuth error: the `error` value and our code.
    fn oauth(&self) -> (String, String) {
        let v = self.json();
        assert!(!v["error_description"].as_str().unwrap().is_empty(), "{v}");
        (
            v["error"].as_str().unwrap().to_owned(),
            v["code"].as_str().unwrap().to_owned(),
        )
    }
}

struct Provider {
    rt: tokio::runtime::Runtime,
    base: String,
    agent: ureq::Agent,
    store: Store,
    clock: Arc<FixedClock>,
    keys: Arc<ProviderKeys>,
    oidc: Arc<Oidc>,
    pool: sqlx::AnyPool,
    db: TestDb,
    _dir: tempfile::TempDir,
}

fn unix(t: SystemTime) -> i64 {
    t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn random_b64() -> String {
    let mut raw = [0u8; 32];
    getrandom::fill(&mut raw).unwrap();
    URL_SAFE_NO_PAD.encode(raw)
}

/// A PKCE pair: (verifier, S256 challenge).
fn pkce() -> (String, String) {
    let verifier = random_b64();
    let challenge = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

impl Provider {
    fn start(db: TestDb) -> Provider {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        // Real time (the Node relying party checks iat/exp against its
        // clock), moved forward by hand for the expiry checks.
        let clock = Arc::new(FixedClock::new(SystemTime::now()));
        let keys = Arc::new(
            ProviderKeys::load_or_create(&dir.path().join("oidc-keys.json"), SystemTime::now())
                .unwrap(),
        );
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (store, pool) = rt.block_on(async {
            let store = db.open().await;
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(db.url()).await.unwrap();
            (store, pool)
        });
        // The account part over the same database: its sessions, and the
        // store with the journal key (the provider journals through it).
        let idp = idp::Idp::new(
            store,
            clock.clone(),
            idp::ServerKeys::random().unwrap(),
            Arc::new(idp::FileOutbox::new(dir.path().join("outbox"))),
            idp::Policy {
                secure_cookies: false,
                ..idp::Policy::default()
            },
        );
        let store = idp.store().clone();
        let sessions = Arc::new(IdpSessions::new(idp.clone()));
        let oidc = Oidc::new(
            store.clone(),
            clock.clone(),
            keys.clone(),
            sessions,
            OidcConfig::new(&base),
        );
        let app = oidc::router(oidc.clone());
        rt.spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await
        });
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        Provider {
            rt,
            base,
            agent,
            store,
            clock,
            keys,
            oidc,
            pool,
            db,
            _dir: dir,
        }
    }

    fn now(&self) -> SystemTime {
        idp::Clock::now(&*self.clock)
    }

    /// An account with every claim filled, logged in by password + OTP:
    /// (account id, session cookie value).
    fn user(&self, email: &str) -> (i64, String) {
        let now = unix(self.now());
        let mut rnd = [0u8; 4];
        getrandom::fill(&mut rnd).unwrap();
        let n = u64::from(u32::from_le_bytes(rnd));
        self.rt.block_on(async {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO accounts (level, email, email_verified, phone, phone_verified,
                     surname, given_name, patronymic, birthdate, snils, inn, created_at, updated_at)
                 VALUES ('confirmed', $1, 1, $2, 1, 'Иванова', 'Мария', 'Петровна', '1990-03-15',
                     $3, '500100732259', $4, $4)
                 RETURNING id",
            )
            .bind(email)
            .bind(format!("+7900{:07}", n % 10_000_000))
            .bind(format!("{:011}", n))
            .bind(now)
            .fetch_one(&self.pool)
            .await
            .unwrap();
            (id, self.session(id, "pwd otp").await)
        })
    }

    async fn session(&self, account: i64, amr: &str) -> String {
        let now = unix(self.now());
        let token = random_b64();
        sqlx::query(
            "INSERT INTO sessions (token_hash, account_id, amr, created_at, last_seen_at,
                 absolute_expires_at)
             VALUES ($1, $2, $3, $4, $4, $5)",
        )
        .bind(idp::session::SessionToken::from_presented(&token).hash_hex())
        .bind(account)
        .bind(amr)
        .bind(now)
        .bind(now + 12 * 3600)
        .execute(&self.pool)
        .await
        .unwrap();
        format!("podpis_session={token}")
    }

    /// The account's OpenID Connect entries in its action journal, oldest
    /// first: (action, result, details, ip).
    fn oidc_journal(&self, account: i64) -> Vec<(String, String, Value, Option<String>)> {
        self.rt.block_on(async {
            let rows: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
                "SELECT action, result, details, ip FROM action_journal
                 WHERE account_id = $1 AND action LIKE 'oidc.%' ORDER BY id",
            )
            .bind(account)
            .fetch_all(&self.pool)
            .await
            .unwrap();
            rows.into_iter()
                .map(|(a, r, d, ip)| (a, r, serde_json::from_str(&d).unwrap(), ip))
                .collect()
        })
    }

    /// The journal's chains check out under the key.
    fn journal_intact(&self) -> bool {
        self.rt
            .block_on(self.store.verify_action_journal())
            .unwrap()
            .is_intact()
    }

    fn register(&self, reg: &ClientRegistration) -> Option<String> {
        self.rt
            .block_on(oidc::register_client(&self.store, reg, self.now()))
            .unwrap()
            .map(|s| s.as_str().to_owned())
    }

    fn call(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Reply {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        };
        let result = if method == "GET" {
            let mut r = self.agent.get(&url);
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            r.call()
        } else {
            let mut r = self
                .agent
                .post(&url)
                .content_type("application/x-www-form-urlencoded");
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            r.send(body.unwrap_or_default())
        };
        let response = result.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.into_body().read_to_string().unwrap();
        Reply {
            status,
            headers,
            body,
        }
    }

    fn get(&self, path: &str, cookie: Option<&str>) -> Reply {
        match cookie {
            Some(c) => self.call("GET", path, &[("Cookie", c)], None),
            None => self.call("GET", path, &[], None),
        }
    }

    fn post(&self, path: &str, headers: &[(&str, &str)], form: &[(&str, &str)]) -> Reply {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in form {
            s.append_pair(k, v);
        }
        self.call("POST", path, headers, Some(&s.finish()))
    }

    /// Runs the browser side: authorize, consent (allowed) if asked;
    /// returns the redirect's parameters.
    fn authorize(&self, cookie: &str, query: &[(&str, &str)]) -> Value {
        let reply = self.get(&auth_path(query), Some(cookie));
        let reply = if reply.status == 200 {
            let csrf = csrf_of(&reply.body);
            self.post(
                "/oidc/consent",
                &[("Cookie", cookie)],
                &[("csrf", &csrf), ("decision", "allow")],
            )
        } else {
            reply
        };
        assert_eq!(reply.status, 302, "{}", reply.body);
        assert!(
            reply.location().starts_with(REDIRECT),
            "{}",
            reply.location()
        );
        reply.redirect_params()
    }
}

fn auth_path(query: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in query {
        s.append_pair(k, v);
    }
    format!("/oidc/authorize?{}", s.finish())
}

fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a consent form") + 19;
    html[at..].split('"').next().unwrap().to_owned()
}

fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

fn registration(id: &str, kind: ClientType, auth: AuthMethod, alg: SigAlg) -> ClientRegistration {
    ClientRegistration {
        client_id: id.to_owned(),
        name: format!("Сервис {id}"),
        client_type: kind,
        auth_method: auth,
        jwks: None,
        redirect_uris: vec![REDIRECT.to_owned()],
        post_logout_redirect_uris: vec![POST_LOGOUT.to_owned()],
        scopes: oidc::SCOPES.iter().map(|s| s.to_string()).collect(),
        token_alg: alg,
    }
}

/// The provider's public key `kid` from the served JWK Set verifies the
/// token: (header, claims).
fn verify_with_jwks(p: &Provider, token: &str) -> (Value, Value) {
    let jwks = p.get("/oidc/jwks", None).json();
    let parsed = jwt::parse(token).unwrap();
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"].as_str() == parsed.kid())
        .expect("the kid is published")
        .clone();
    let ok = match parsed.header["alg"].as_str().unwrap() {
        "ES256" => jwt::verify_es256(
            &jwt::es256_key_from_jwk(&jwk).unwrap(),
            parsed.signing_input.as_bytes(),
            &parsed.signature,
        ),
        "GOST3410_2012_256" => {
            assert_eq!(jwk["kty"], "GOST3410");
            assert_eq!(jwk["crv"], "1.2.643.2.2.35.1");
            jwt::verify_gost(
                &jwt::gost_key_from_jwk(&jwk).unwrap(),
                parsed.signing_input.as_bytes(),
                &parsed.signature,
            )
        }
        other => panic!("alg {other}"),
    };
    assert!(ok, "signature of {token}");
    (parsed.header, parsed.claims)
}

#[test]
fn code_flow_with_pkce_consent_tokens_and_refusals() {
    for db in block(TestDb::both()) {
        let p = Provider::start(db);
        let name = p.db.name();
        // Discovery and JWKS.
        let d = p.get("/.well-known/openid-configuration", None).json();
        assert_eq!(d["issuer"], p.base.as_str());
        assert_eq!(d["token_endpoint"], format!("{}/oidc/token", p.base));
        assert_eq!(d["code_challenge_methods_supported"], json!(["S256"]));
        assert_eq!(d["subject_types_supported"], json!(["pairwise"]));
        let jwks = p.get("/oidc/jwks", None).json();
        assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);
        assert!(
            jwks["keys"]
                .as_array()
                .unwrap()
                .iter()
                .all(|k| k.get("d").is_none())
        );

        let secret = p
            .register(&registration(
                "shop",
                ClientType::Confidential,
                AuthMethod::ClientSecretBasic,
                SigAlg::Es256,
            ))
            .unwrap();
        p.register(&registration(
            "app",
            ClientType::Public,
            AuthMethod::None,
            SigAlg::Es256,
        ));
        let (account, cookie) = p.user("maria@example.ru");
        let (verifier, challenge) = pkce();
        let good = |state: &'static str| {
            vec![
                ("response_type", "code"),
                ("client_id", "shop"),
                ("redirect_uri", REDIRECT),
                ("scope", "openid fullname snils email"),
                ("state", state),
                ("nonce", "n-0S6_WzA2Mj"),
                ("code_challenge", challenge.as_str()),
                ("code_challenge_method", "S256"),
            ]
        };

        // Unknown client and unregistered redirect URI: a page, never a
        // redirect.
        let mut q = good("s1");
        q[1] = ("client_id", "nobody");
        let r = p.get(&auth_path(&q), Some(&cookie));
        assert_eq!(r.status, 400, "{name}");
        assert!(r.headers.get("location").is_none());
        assert!(r.body.contains("OIDC_UNKNOWN_CLIENT"), "{}", r.body);
        let mut q = good("s1");
        q[2] = ("redirect_uri", "http://127.0.0.1:9/cb/evil");
        let r = p.get(&auth_path(&q), Some(&cookie));
        assert_eq!(r.status, 400);
        assert!(r.headers.get("location").is_none());
        assert!(r.body.contains("OIDC_REDIRECT_URI_MISMATCH"));
        assert!(r.body.contains("Адрес возврата не зарегистрирован"));

        // Not logged in: to the login page, with the request to come back to.
        let r = p.get(&auth_path(&good("s1")), None);
        assert_eq!(r.status, 302);
        let loc = r.location();
        assert!(
            loc.starts_with("/login?return=%2Foidc%2Fauthorize%3F"),
            "{loc}"
        );
        // prompt=none: login_required to the client instead.
        let mut q = good("s1");
        q.push(("prompt", "none"));
        let e = p.get(&auth_path(&q), None).redirect_params();
        assert_eq!(e["error"], "login_required");
        assert_eq!(e["state"], "s1");
        assert_eq!(e["iss"], p.base.as_str());

        // PKCE: plain refused; a public client must use it.
        let mut q = good("s2");
        q[7] = ("code_challenge_method", "plain");
        let e = p.get(&auth_path(&q), Some(&cookie)).redirect_params();
        assert_eq!(e["error"], "invalid_request");
        assert!(e["error_description"].as_str().unwrap().contains("S256"));
        let e = p
            .get(
                &auth_path(&[
                    ("response_type", "code"),
                    ("client_id", "app"),
                    ("redirect_uri", REDIRECT),
                    ("scope", "openid"),
                    ("state", "s3"),
                ]),
                Some(&cookie),
            )
            .redirect_params();
        assert_eq!(e["error"], "invalid_request");
        assert_eq!(e["state"], "s3");
        // Unknown scope, missing openid, other response types.
        let mut q = good("s4");
        q[3] = ("scope", "openid passport");
        assert_eq!(
            p.get(&auth_path(&q), Some(&cookie)).redirect_params()["error"],
            "invalid_scope"
        );
        q[3] = ("scope", "fullname");
        assert_eq!(
            p.get(&auth_path(&q), Some(&cookie)).redirect_params()["error"],
            "invalid_scope"
        );
        let mut q = good("s4");
        q[0] = ("response_type", "token");
        assert_eq!(
            p.get(&auth_path(&q), Some(&cookie)).redirect_params()["error"],
            "unsupported_response_type"
        );

        // The consent page: Russian first, English, a form token, strict headers.
        let r = p.get(&auth_path(&good("s5")), Some(&cookie));
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("Сервис shop") && r.body.contains("СНИЛС"));
        assert!(r.body.find("Разрешить").unwrap() < r.body.find("Allow").unwrap());
        let csp = r
            .headers
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'")
                && csp.contains("form-action 'self' http://127.0.0.1:9")
        );
        let csrf = csrf_of(&r.body);
        // CSRF: without the session, with another form token, or with
        // another user's session, the form is refused.
        let r = p.post(
            "/oidc/consent",
            &[],
            &[("csrf", &csrf), ("decision", "allow")],
        );
        assert_eq!(r.status, 400);
        assert!(r.body.contains("OIDC_CONSENT_EXPIRED"));
        let r = p.post(
            "/oidc/consent",
            &[("Cookie", &cookie)],
            &[("csrf", "forged"), ("decision", "allow")],
        );
        assert!(r.body.contains("OIDC_CONSENT_EXPIRED"));
        let (_, other) = p.user("other@example.ru");
        let r = p.post(
            "/oidc/consent",
            &[("Cookie", &other)],
            &[("csrf", &csrf), ("decision", "allow")],
        );
        assert!(r.body.contains("OIDC_CONSENT_EXPIRED"));
        // Deny: access_denied to the client.
        let r = p.post(
            "/oidc/consent",
            &[("Cookie", &cookie)],
            &[("csrf", &csrf), ("decision", "deny")],
        );
        let e = r.redirect_params();
        assert_eq!(e["error"], "access_denied");
        assert_eq!(e["state"], "s5");
        // The form token is single-use.
        let r = p.post(
            "/oidc/consent",
            &[("Cookie", &cookie)],
            &[("csrf", &csrf), ("decision", "allow")],
        );
        assert!(r.body.contains("OIDC_CONSENT_EXPIRED"));

        // Allow: a code.
        let cb = p.authorize(&cookie, &good("s6"));
        assert_eq!(cb["state"], "s6");
        assert_eq!(cb["iss"], p.base.as_str());
        let code = cb["code"].as_str().unwrap().to_owned();
        let auth = basic("shop", &secret);
        let token = |code: &str, redirect: &str, verifier: &str, auth: &str| {
            p.post(
                "/oidc/token",
                &[("Authorization", auth)],
                &[
                    ("grant_type", "authorization_code"),
                    ("code", code),
                    ("redirect_uri", redirect),
                    ("code_verifier", verifier),
                ],
            )
        };
        // Wrong secret, wrong redirect_uri, wrong verifier: refused, and the
        // code stays good for the real client.
        let r = token(&code, REDIRECT, &verifier, &basic("shop", "wrong"));
        assert_eq!(r.status, 401);
        assert_eq!(
            r.oauth(),
            ("invalid_client".into(), "OIDC_CLIENT_AUTH_FAILED".into())
        );
        assert!(r.headers.get("www-authenticate").is_some());
        let r = token(&code, "http://127.0.0.1:9/other", &verifier, &auth);
        assert_eq!(r.status, 400);
        assert_eq!(
            r.oauth(),
            ("invalid_grant".into(), "OIDC_CODE_INVALID".into())
        );
        let (other_verifier, _) = pkce();
        let r = token(&code, REDIRECT, &other_verifier, &auth);
        assert_eq!(
            r.oauth(),
            ("invalid_grant".into(), "OIDC_PKCE_MISMATCH".into())
        );
        let r = token(&code, REDIRECT, "", &auth);
        assert_eq!(r.oauth().1, "OIDC_PKCE_MISMATCH");
        // The public client cannot redeem the confidential client's code.
        let r = p.post(
            "/oidc/token",
            &[],
            &[
                ("grant_type", "authorization_code"),
                ("client_id", "app"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", &verifier),
            ],
        );
        assert_eq!(r.oauth().1, "OIDC_CODE_INVALID");

        let r = token(&code, REDIRECT, &verifier, &auth);
        assert_eq!(r.status, 200, "{name}: {}", r.body);
        assert_eq!(r.headers.get("cache-control").unwrap(), "no-store");
        let t = r.json();
        assert_eq!(t["token_type"], "Bearer");
        let (header, id) = verify_with_jwks(&p, t["id_token"].as_str().unwrap());
        assert_eq!(header["alg"], "ES256");
        assert_eq!(id["iss"], p.base.as_str());
        assert_eq!(id["aud"], "shop");
        assert_eq!(id["nonce"], "n-0S6_WzA2Mj");
        assert_eq!(id["amr"], json!(["pwd", "otp"]));
        assert!(id["sid"].is_string() && id["auth_time"].is_i64());
        assert_eq!(id["sub"], p.oidc.subject("shop", account));
        assert_ne!(id["sub"], p.oidc.subject("app", account), "pairwise");
        assert_eq!(
            id["at_hash"],
            SigAlg::Es256.half_hash(t["access_token"].as_str().unwrap())
        );
        let (ah, at) = verify_with_jwks(&p, t["access_token"].as_str().unwrap());
        assert_eq!(ah["typ"], "at+jwt");
        assert_eq!(at["scope"], "openid fullname snils email");

        // Userinfo: the claims of the scopes, nothing more.
        let bearer = format!("Bearer {}", t["access_token"].as_str().unwrap());
        let r = p.call("GET", "/oidc/userinfo", &[("Authorization", &bearer)], None);
        assert_eq!(r.status, 200, "{}", r.body);
        let u = r.json();
        assert_eq!(u["sub"], id["sub"]);
        assert_eq!(u["family_name"], "Иванова");
        assert_eq!(u["middle_name"], "Петровна");
        assert_eq!(u["email"], "maria@example.ru");
        assert_eq!(u["email_verified"], true);
        assert!(u["snils"].is_string());
        assert!(
            u.get("birthdate").is_none()
                && u.get("inn").is_none()
                && u.get("phone_number").is_none()
        );
        let r = p.call(
            "GET",
            "/oidc/userinfo",
            &[("Authorization", "Bearer x.y.z")],
            None,
        );
        assert_eq!(r.status, 401);
        assert_eq!(r.oauth().1, "OIDC_TOKEN_INVALID");
        // A token whose payload was edited fails the signature.
        let at_str = t["access_token"].as_str().unwrap();
        let parts: Vec<&str> = at_str.split('.').collect();
        let mut claims = at.clone();
        claims["scope"] = json!("openid fullname snils email inn birthdate");
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(claims.to_string()),
            parts[2]
        );
        let r = p.call(
            "GET",
            "/oidc/userinfo",
            &[("Authorization", &format!("Bearer {forged}"))],
            None,
        );
        assert_eq!(r.status, 401);

        // The code again: refused, and the tokens issued from it revoked.
        let r = token(&code, REDIRECT, &verifier, &auth);
        assert_eq!(
            r.oauth(),
            ("invalid_grant".into(), "OIDC_CODE_REUSED".into())
        );
        let r = p.call("GET", "/oidc/userinfo", &[("Authorization", &bearer)], None);
        assert_eq!(r.status, 401, "{name}: revoked by the reuse");
        let r = p.post(
            "/oidc/token",
            &[("Authorization", &auth)],
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", t["refresh_token"].as_str().unwrap()),
            ],
        );
        assert_eq!(r.oauth().1, "OIDC_REFRESH_INVALID");

        // Consent is remembered: straight back with a code, no page.
        let (verifier, challenge) = pkce();
        let mut q = good("s7");
        q[6] = ("code_challenge", challenge.as_str());
        let r = p.get(&auth_path(&q), Some(&cookie));
        assert_eq!(r.status, 302, "remembered consent");
        let code = r.redirect_params()["code"].as_str().unwrap().to_owned();
        // A code is short-lived: 61 s later it is refused.
        p.clock.advance(Duration::from_secs(61));
        let r = token(&code, REDIRECT, &verifier, &auth);
        assert_eq!(r.oauth().1, "OIDC_CODE_INVALID");

        // Refresh: rotation, and reuse of the old one revokes the family.
        let (verifier, challenge) = pkce();
        let mut q = good("s8");
        q[6] = ("code_challenge", challenge.as_str());
        let code = p.authorize(&cookie, &q)["code"]
            .as_str()
            .unwrap()
            .to_owned();
        let t1 = token(&code, REDIRECT, &verifier, &auth).json();
        let refresh = |rt: &str, auth: &str| {
            p.post(
                "/oidc/token",
                &[("Authorization", auth)],
                &[("grant_type", "refresh_token"), ("refresh_token", rt)],
            )
        };
        let r1 = t1["refresh_token"].as_str().unwrap();
        // Another client cannot use it.
        let r = p.post(
            "/oidc/token",
            &[],
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", r1),
                ("client_id", "app"),
            ],
        );
        assert_eq!(r.oauth().1, "OIDC_REFRESH_INVALID");
        let t2 = refresh(r1, &auth).json();
        let r2 = t2["refresh_token"].as_str().unwrap();
        assert_ne!(r1, r2);
        let (_, id2) = verify_with_jwks(&p, t2["id_token"].as_str().unwrap());
        assert_eq!(id2["sub"], id["sub"]);
        assert!(id2.get("nonce").is_none());
        let bearer2 = format!("Bearer {}", t2["access_token"].as_str().unwrap());
        assert_eq!(
            p.call(
                "GET",
                "/oidc/userinfo",
                &[("Authorization", &bearer2)],
                None
            )
            .status,
            200
        );
        let r = refresh(r1, &auth);
        assert_eq!(
            r.oauth(),
            ("invalid_grant".into(), "OIDC_REFRESH_REUSED".into())
        );
        assert_eq!(
            refresh(r2, &auth).oauth().1,
            "OIDC_REFRESH_INVALID",
            "family revoked"
        );

        // The user's journal: the refusal and the consent (from the
        // browser's address), each login to the client, each revocation on
        // reuse — with the client's id; refreshes and refused forms are not
        // entries. The other user's refused form left nothing.
        let entries = p.oidc_journal(account);
        let seen: Vec<(&str, &str)> = entries
            .iter()
            .map(|(a, r, _, _)| (a.as_str(), r.as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                ("oidc.consent", "OIDC_ACCESS_DENIED"),
                ("oidc.consent", "ok"),
                ("oidc.login", "ok"),
                ("oidc.revoked", "OIDC_CODE_REUSED"),
                ("oidc.login", "ok"),
                ("oidc.revoked", "OIDC_REFRESH_REUSED"),
            ],
            "{name}: {entries:?}"
        );
        for (action, _, details, ip) in &entries {
            assert_eq!(details["client_id"], "shop", "{name}: {action}");
            if action == "oidc.consent" {
                assert_eq!(ip.as_deref(), Some("127.0.0.1"), "{name}");
                assert_eq!(details["scope"], "openid fullname snils email");
            }
        }
        assert_eq!(entries[2].2["client_name"], "Сервис shop", "{name}");
        assert_eq!(entries[2].2["amr"], "pwd otp", "{name}");
        assert_eq!(entries[3].2["reason"], "code_reused", "{name}");
        assert_eq!(entries[5].2["reason"], "refresh_reused", "{name}");
        assert_eq!(entries[3].2["grant"], entries[2].2["grant"], "{name}");
        let other_account: i64 = p.rt.block_on(async {
            sqlx::query_scalar("SELECT id FROM accounts WHERE email = 'other@example.ru'")
                .fetch_one(&p.pool)
                .await
                .unwrap()
        });
        assert!(p.oidc_journal(other_account).is_empty(), "{name}");
        assert!(p.journal_intact(), "{name}");
        assert_eq!(
            p.call(
                "GET",
                "/oidc/userinfo",
                &[("Authorization", &bearer2)],
                None
            )
            .status,
            401
        );
        // Unsupported grant types.
        let r = p.post(
            "/oidc/token",
            &[("Authorization", &auth)],
            &[("grant_type", "password")],
        );
        assert_eq!(
            r.oauth(),
            (
                "unsupported_grant_type".into(),
                "OIDC_UNSUPPORTED_GRANT_TYPE".into()
            )
        );
        // A secret in the body (client_secret_post) is refused.
        let r = p.post(
            "/oidc/token",
            &[],
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", r2),
                ("client_id", "shop"),
                ("client_secret", &secret),
            ],
        );
        assert_eq!(r.oauth().1, "OIDC_CLIENT_AUTH_FAILED");

        // Revoking the consent brings the page back and kills the grants.
        assert!(
            p.rt.block_on(p.store.revoke_oidc_consent(account, "shop", p.now()))
                .unwrap()
        );
        let r = p.get(&auth_path(&good("s9")), Some(&cookie));
        assert_eq!(r.status, 200, "consent asked again");
        // prompt=none without consent: consent_required.
        let mut q = good("s9");
        q.push(("prompt", "none"));
        assert_eq!(
            p.get(&auth_path(&q), Some(&cookie)).redirect_params()["error"],
            "consent_required"
        );

        // The public client with PKCE (no secret).
        let (verifier, challenge) = pkce();
        let code = p.authorize(
            &cookie,
            &[
                ("response_type", "code"),
                ("client_id", "app"),
                ("redirect_uri", REDIRECT),
                ("scope", "openid mobile"),
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
            ],
        )["code"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = p.post(
            "/oidc/token",
            &[],
            &[
                ("grant_type", "authorization_code"),
                ("client_id", "app"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", &verifier),
            ],
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let bearer = format!("Bearer {}", r.json()["access_token"].as_str().unwrap());
        let u = p
            .call("GET", "/oidc/userinfo", &[("Authorization", &bearer)], None)
            .json();
        assert!(u["phone_number"].as_str().unwrap().starts_with("+7900"));
        assert!(u.get("family_name").is_none());
    }
}

/// An ES256 client assertion (RFC 7523).
fn assertion(
    key: &p256::ecdsa::SigningKey,
    kid: &str,
    client: &str,
    aud: &str,
    exp: i64,
    jti: &str,
) -> String {
    let header = json!({"alg": "ES256", "kid": kid, "typ": "JWT"});
    let claims =
        json!({"iss": client, "sub": client, "aud": aud, "exp": exp, "iat": exp - 60, "jti": jti});
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let sig: p256::ecdsa::Signature = key.sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
}

fn p256_key() -> p256::ecdsa::SigningKey {
    loop {
        let mut d = [0u8; 32];
        getrandom::fill(&mut d).unwrap();
        if let Ok(k) = p256::ecdsa::SigningKey::from_slice(&d) {
            return k;
        }
    }
}

#[test]
fn private_key_jwt_and_gost_signed_tokens() {
    for db in block(TestDb::both()) {
        let p = Provider::start(db);
        let key = p256_key();
        let mut jwk = jwt::es256_jwk(key.verifying_key());
        jwk["kid"] = json!("k1");
        let mut reg = registration(
            "gov",
            ClientType::Confidential,
            AuthMethod::PrivateKeyJwt,
            SigAlg::Gost256,
        );
        reg.jwks = Some(json!({"keys": [jwk]}));
        assert!(p.register(&reg).is_none(), "no secret for private_key_jwt");
        let (account, cookie) = p.user("gost@example.ru");
        let aud = format!("{}/oidc/token", p.base);
        let now = unix(p.now());
        let (verifier, challenge) = pkce();
        let code = p.authorize(
            &cookie,
            &[
                ("response_type", "code"),
                ("client_id", "gov"),
                ("redirect_uri", REDIRECT),
                ("scope", "openid fullname inn birthdate"),
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
                ("nonce", "gost-nonce"),
            ],
        )["code"]
            .as_str()
            .unwrap()
            .to_owned();
        let redeem = |assertion: &str| {
            p.post(
                "/oidc/token",
                &[],
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", REDIRECT),
                    ("code_verifier", &verifier),
                    ("client_assertion_type", oidc::clients::JWT_BEARER),
                    ("client_assertion", assertion),
                ],
            )
        };
        // Expired, too long-lived, wrong audience, wrong key, wrong type:
        // refused before the code is looked at.
        let r = redeem(&assertion(&key, "k1", "gov", &aud, now - 1, "j0"));
        assert_eq!(r.status, 401);
        assert_eq!(
            r.oauth(),
            (
                "invalid_client".into(),
                "OIDC_CLIENT_ASSERTION_INVALID".into()
            )
        );
        assert!(
            r.json()["error_description"]
                .as_str()
                .unwrap()
                .contains("expired")
        );
        let r = redeem(&assertion(&key, "k1", "gov", &aud, now + 3600, "j0"));
        assert_eq!(r.oauth().1, "OIDC_CLIENT_ASSERTION_INVALID");
        let r = redeem(&assertion(&key, "k1", "gov", &p.base, now + 60, "j0"));
        assert_eq!(r.oauth().1, "OIDC_CLIENT_ASSERTION_INVALID");
        let r = redeem(&assertion(&p256_key(), "k1", "gov", &aud, now + 60, "j0"));
        assert_eq!(r.oauth().1, "OIDC_CLIENT_ASSERTION_INVALID");
        let r = p.post(
            "/oidc/token",
            &[],
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("client_assertion_type", "urn:other"),
                (
                    "client_assertion",
                    &assertion(&key, "k1", "gov", &aud, now + 60, "j0"),
                ),
            ],
        );
        assert_eq!(r.oauth().1, "OIDC_CLIENT_ASSERTION_INVALID");
        // A secret for a private_key_jwt client is refused.
        let r = p.post(
            "/oidc/token",
            &[("Authorization", &basic("gov", "anything"))],
            &[("grant_type", "authorization_code"), ("code", &code)],
        );
        assert_eq!(r.oauth().1, "OIDC_CLIENT_AUTH_FAILED");

        // The good one: tokens signed with GOST.
        let good = assertion(&key, "k1", "gov", &aud, now + 60, "j1");
        let r = redeem(&good);
        assert_eq!(r.status, 200, "{}", r.body);
        let t = r.json();
        let (header, id) = verify_with_jwks(&p, t["id_token"].as_str().unwrap());
        assert_eq!(header["alg"], "GOST3410_2012_256");
        assert_eq!(header["kid"], p.keys.signing_key(SigAlg::Gost256).kid());
        assert_eq!(id["nonce"], "gost-nonce");
        assert_eq!(id["sub"], p.oidc.subject("gov", account));
        assert_eq!(
            id["at_hash"],
            SigAlg::Gost256.half_hash(t["access_token"].as_str().unwrap())
        );
        // An ES256 verifier does not take the GOST signature, nor the other way.
        let parsed = jwt::parse(t["id_token"].as_str().unwrap()).unwrap();
        let es = p.keys.signing_key(SigAlg::Es256);
        assert!(!es.verify(parsed.signing_input.as_bytes(), &parsed.signature));
        assert!(
            p.keys
                .signing_key(SigAlg::Gost256)
                .verify(parsed.signing_input.as_bytes(), &parsed.signature)
        );
        let bearer = format!("Bearer {}", t["access_token"].as_str().unwrap());
        let u = p
            .call("GET", "/oidc/userinfo", &[("Authorization", &bearer)], None)
            .json();
        assert_eq!(u["inn"], "500100732259");
        assert_eq!(u["birthdate"], "1990-03-15");

        // The same assertion again: a replay, whatever the request.
        let r = p.post(
            "/oidc/token",
            &[],
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", t["refresh_token"].as_str().unwrap()),
                ("client_assertion_type", oidc::clients::JWT_BEARER),
                ("client_assertion", &good),
            ],
        );
        assert_eq!(
            r.oauth(),
            (
                "invalid_client".into(),
                "OIDC_CLIENT_ASSERTION_REPLAYED".into()
            )
        );
        // A fresh one refreshes (and the ID token stays GOST-signed).
        let r = p.post(
            "/oidc/token",
            &[],
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", t["refresh_token"].as_str().unwrap()),
                ("client_assertion_type", oidc::clients::JWT_BEARER),
                (
                    "client_assertion",
                    &assertion(&key, "k1", "gov", &aud, now + 60, "j2"),
                ),
            ],
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let (header, _) = verify_with_jwks(&p, r.json()["id_token"].as_str().unwrap());
        assert_eq!(header["alg"], "GOST3410_2012_256");
    }
}

#[test]
fn rp_initiated_logout() {
    for db in block(TestDb::both()) {
        let p = Provider::start(db);
        let secret = p
            .register(&registration(
                "shop",
                ClientType::Confidential,
                AuthMethod::ClientSecretBasic,
                SigAlg::Es256,
            ))
            .unwrap();
        let (account, cookie) = p.user("logout@example.ru");
        let (other, other_cookie) = p.user("other@example.ru");
        let (verifier, challenge) = pkce();
        let code = p.authorize(
            &cookie,
            &[
                ("response_type", "code"),
                ("client_id", "shop"),
                ("redirect_uri", REDIRECT),
                ("scope", "openid"),
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
            ],
        )["code"]
            .as_str()
            .unwrap()
            .to_owned();
        let t = p
            .post(
                "/oidc/token",
                &[("Authorization", &basic("shop", &secret))],
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", REDIRECT),
                    ("code_verifier", &verifier),
                ],
            )
            .json();
        let hint = t["id_token"].as_str().unwrap();
        let logout = |q: &[(&str, &str)], cookie: &str| {
            p.get(
                &format!("/oidc/logout?{}", {
                    let mut s = form_urlencoded::Serializer::new(String::new());
                    for (k, v) in q {
                        s.append_pair(k, v);
                    }
                    s.finish()
                }),
                Some(cookie),
            )
        };
        // An unregistered post-logout URI, a forged hint, another user's
        // session: a page with the code, nobody logged out.
        let r = logout(
            &[
                ("id_token_hint", hint),
                ("post_logout_redirect_uri", "http://127.0.0.1:9/evil"),
            ],
            &cookie,
        );
        assert_eq!(r.status, 400);
        assert!(r.body.contains("OIDC_LOGOUT_INVALID"));
        assert!(r.headers.get("location").is_none());
        let parts: Vec<&str> = hint.split('.').collect();
        let mut claims = jwt::parse(hint).unwrap().claims;
        claims["aud"] = json!("shop2");
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(claims.to_string()),
            parts[2]
        );
        let r = logout(
            &[
                ("id_token_hint", &forged),
                ("post_logout_redirect_uri", POST_LOGOUT),
            ],
            &cookie,
        );
        assert!(r.body.contains("OIDC_LOGOUT_INVALID"));
        let r = logout(
            &[
                ("id_token_hint", hint),
                ("post_logout_redirect_uri", POST_LOGOUT),
            ],
            &other_cookie,
        );
        assert!(r.body.contains("OIDC_LOGOUT_INVALID"));
        let r = logout(&[("post_logout_redirect_uri", POST_LOGOUT)], &cookie);
        assert!(
            r.body.contains("OIDC_LOGOUT_INVALID"),
            "no client to check the URI against"
        );
        let bearer = format!("Bearer {}", t["access_token"].as_str().unwrap());
        assert_eq!(
            p.call("GET", "/oidc/userinfo", &[("Authorization", &bearer)], None)
                .status,
            200
        );

        let r = logout(
            &[
                ("id_token_hint", hint),
                ("post_logout_redirect_uri", POST_LOGOUT),
                ("state", "st"),
            ],
            &cookie,
        );
        assert_eq!(r.status, 302, "{}", r.body);
        assert_eq!(r.location(), format!("{POST_LOGOUT}?state=st"));
        // Journaled once, with the client; the refused logouts left nothing.
        let logouts: Vec<_> = p
            .oidc_journal(account)
            .into_iter()
            .filter(|(a, _, _, _)| a == "oidc.logout")
            .collect();
        assert_eq!(logouts.len(), 1, "{logouts:?}");
        let (_, result, details, ip) = &logouts[0];
        assert_eq!(result, "ok");
        assert_eq!(details["client_id"], "shop");
        assert_eq!(details["grants_revoked"], 1);
        assert!(details["session"].is_i64());
        assert_eq!(ip.as_deref(), Some("127.0.0.1"));
        assert!(p.oidc_journal(other).is_empty());
        // The session is over and the tokens made in it are revoked.
        let r = p.get("/oidc/authorize?response_type=code&client_id=shop&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&scope=openid&prompt=none", Some(&cookie));
        assert_eq!(r.redirect_params()["error"], "login_required");
        assert_eq!(
            p.call("GET", "/oidc/userinfo", &[("Authorization", &bearer)], None)
                .status,
            401
        );
        let r = p.post(
            "/oidc/token",
            &[("Authorization", &basic("shop", &secret))],
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", t["refresh_token"].as_str().unwrap()),
            ],
        );
        assert_eq!(r.oauth().1, "OIDC_REFRESH_INVALID");
        // The other user is still logged in; logout without a hint or URI
        // shows the page.
        let r = logout(&[], &other_cookie);
        assert_eq!(r.status, 200);
        assert!(r.body.contains("Вы вышли"));
        let (action, result, details, _) = p.oidc_journal(other).pop().unwrap();
        assert_eq!((action.as_str(), result.as_str()), ("oidc.logout", "ok"));
        assert!(details["client_id"].is_null(), "no client named: {details}");
        assert!(p.journal_intact());
    }
}

#[test]
fn client_registration_rules() {
    for db in block(TestDb::both()) {
        let p = Provider::start(db);
        let ok = registration(
            "ok",
            ClientType::Confidential,
            AuthMethod::ClientSecretBasic,
            SigAlg::Es256,
        );
        let secret = p.register(&ok).unwrap();
        assert_eq!(secret.len(), 43);
        let stored = p.rt.block_on(p.store.oidc_client("ok")).unwrap().unwrap();
        assert_eq!(
            stored.secret_hash.as_deref(),
            Some(token_hash(&secret).as_str())
        );
        assert!(!format!("{stored:?}").contains(&secret));
        let refuse = |reg: &ClientRegistration| {
            p.rt.block_on(oidc::register_client(&p.store, reg, p.now()))
                .unwrap_err()
        };
        assert!(matches!(refuse(&ok), OidcError::ClientExists(_)));
        assert_eq!(refuse(&ok).code(), "OIDC_CLIENT_EXISTS");
        let mut r = ok.clone();
        r.client_id = "bad id".into();
        assert_eq!(refuse(&r).code(), "OIDC_CLIENT_INVALID");
        let mut r = ok.clone();
        r.client_id = "n1".into();
        r.redirect_uris = vec!["http://rp.example/cb".into()];
        assert_eq!(refuse(&r).code(), "OIDC_CLIENT_INVALID");
        r.redirect_uris = vec!["https://rp.example/cb#x".into()];
        assert_eq!(refuse(&r).code(), "OIDC_CLIENT_INVALID");
        let mut r = ok.clone();
        r.client_id = "n2".into();
        r.client_type = ClientType::Public;
        assert_eq!(
            refuse(&r).code(),
            "OIDC_CLIENT_INVALID",
            "public with a secret"
        );
        let mut r = ok.clone();
        r.client_id = "n3".into();
        r.auth_method = AuthMethod::PrivateKeyJwt;
        assert_eq!(refuse(&r).code(), "OIDC_CLIENT_INVALID", "no JWKS");
        r.jwks = Some(json!({"keys": [{"kty": "RSA", "n": "x", "e": "AQAB"}]}));
        assert_eq!(refuse(&r).code(), "OIDC_CLIENT_INVALID", "no P-256 key");
        let key = p256_key();
        let mut private = jwt::es256_jwk(key.verifying_key());
        private["d"] = json!(URL_SAFE_NO_PAD.encode(key.to_bytes()));
        r.jwks = Some(json!({"keys": [private]}));
        assert_eq!(refuse(&r).code(), "OIDC_CLIENT_INVALID", "a private key");
        let mut r = ok.clone();
        r.client_id = "n4".into();
        r.scopes = vec!["fullname".into()];
        assert_eq!(refuse(&r).code(), "OIDC_CLIENT_INVALID", "no openid");
        r.scopes = vec!["openid".into(), "passport".into()];
        assert_eq!(refuse(&r).code(), "OIDC_CLIENT_INVALID");

        // Removal revokes and hides the client; its id is not reused.
        assert!(
            p.rt.block_on(p.store.remove_oidc_client("ok", p.now()))
                .unwrap()
        );
        assert!(
            !p.rt
                .block_on(p.store.remove_oidc_client("ok", p.now()))
                .unwrap()
        );
        assert!(p.rt.block_on(p.store.oidc_client("ok")).unwrap().is_none());
        assert_eq!(refuse(&ok).code(), "OIDC_CLIENT_EXISTS");
        let r = p.get(
            "/oidc/authorize?client_id=ok&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb",
            None,
        );
        assert!(r.body.contains("OIDC_UNKNOWN_CLIENT"));
    }
}

/// The npm package openid-client, a real relying party, through the
/// whole flow (tests/oidc-rp/rp.mjs; `npm ci` there first, as
/// scripts/test does).
#[test]
fn openid_client_relying_party() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc-rp");
    assert!(
        dir.join("node_modules/openid-client").exists(),
        "run `npm ci` in {} (scripts/test does)",
        dir.display()
    );
    for db in block(TestDb::both()) {
        let p = Provider::start(db);
        let secret = p
            .register(&registration(
                "rp",
                ClientType::Confidential,
                AuthMethod::ClientSecretBasic,
                SigAlg::Es256,
            ))
            .unwrap();
        let (_, cookie) = p.user("maria@example.ru");
        let base = p.base.clone();
        let name = p.db.name();
        let out = std::process::Command::new("node")
            .arg("rp.mjs")
            .current_dir(&dir)
            .env("ISSUER", &base)
            .env("CLIENT_ID", "rp")
            .env("CLIENT_SECRET", &secret)
            .env("REDIRECT_URI", REDIRECT)
            .env("POST_LOGOUT_REDIRECT_URI", POST_LOGOUT)
            .env("COOKIE", &cookie)
            .output()
            .expect("node runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "{name}: openid-client failed:\n{stdout}\n{stderr}"
        );
        assert!(
            stdout.contains("10 passed, 0 failed"),
            "{name}: {stdout}\n{stderr}"
        );
    }
}

fn block<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}
