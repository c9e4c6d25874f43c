//! `podpis idp` as an administrator runs it, on SQLite (the data
//! directory) and PostgreSQL (`--database-url`): OpenID Connect clients
//! added, listed, refused and removed; the provider's keys listed, rotated
//! and retired (the JWK file stays private); accounts shown, listed and
//! confirmed by an operator (refusals with their codes, the journal entry
//! chained under the data directory's key).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use store::testing::TestDb;

fn podpis(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_podpis"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the podpis binary runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = podpis(dir, args);
    assert!(out.status.success(), "podpis {args:?}: {}", text(&out));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn clients_and_keys() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for db in rt.block_on(TestDb::both()) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let mut place = vec!["--data", "data"];
        if db.name() == "postgres" {
            place.extend(["--database-url", db.url()]);
        }
        let with = |args: &[&'static str]| -> Vec<String> {
            args.iter()
                .map(|s| s.to_string())
                .chain(place.iter().map(|s| s.to_string()))
                .collect()
        };
        let run = |args: &[&'static str]| {
            let all = with(args);
            let refs: Vec<&str> = all.iter().map(String::as_str).collect();
            podpis(dir, &refs)
        };

        let out = run(&[
            "idp",
            "client",
            "add",
            "--id",
            "shop",
            "--name",
            "Магазин",
            "--redirect-uri",
            "https://shop.example.ru/cb",
            "--post-logout-redirect-uri",
            "https://shop.example.ru/",
            "--scopes",
            "openid fullname email",
            "--json",
        ]);
        assert!(out.status.success(), "{}", text(&out));
        let added: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(added["auth_method"], "client_secret_basic");
        let shop_secret = added["client_secret"].as_str().unwrap().to_owned();
        assert_eq!(shop_secret.len(), 43);
        let out = run(&[
            "idp",
            "client",
            "add",
            "--id",
            "app",
            "--name",
            "Приложение",
            "--type",
            "public",
            "--redirect-uri",
            "http://127.0.0.1:8080/cb",
            "--alg",
            "GOST3410_2012_256",
        ]);
        assert!(out.status.success(), "{}", text(&out));
        assert!(!text(&out).contains("client_secret"));

        // Refusals: a taken id, a plain-http redirect URI.
        let out = run(&[
            "idp",
            "client",
            "add",
            "--id",
            "shop",
            "--name",
            "x",
            "--redirect-uri",
            "https://shop.example.ru/cb",
        ]);
        assert!(!out.status.success());
        assert!(text(&out).contains("OIDC_CLIENT_EXISTS"), "{}", text(&out));
        let out = run(&[
            "idp",
            "client",
            "add",
            "--id",
            "bad",
            "--name",
            "x",
            "--redirect-uri",
            "http://shop.example.ru/cb",
        ]);
        assert!(!out.status.success());
        assert!(text(&out).contains("OIDC_CLIENT_INVALID"), "{}", text(&out));

        let out = run(&["idp", "client", "list", "--json"]);
        let list: Value = serde_json::from_slice(&out.stdout).unwrap();
        let ids: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["client_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["app", "shop"]);
        assert_eq!(list[0]["token_alg"], "GOST3410_2012_256");
        assert_eq!(list[0]["auth_method"], "none");
        // The list names the method (client_secret_basic) but never a secret.
        let listed = String::from_utf8_lossy(&out.stdout);
        assert!(!listed.contains(&shop_secret));
        assert!(!listed.contains("\"client_secret\""));

        assert!(
            run(&["idp", "client", "remove", "--id", "shop"])
                .status
                .success()
        );
        let out = run(&["idp", "client", "remove", "--id", "shop"]);
        assert!(!out.status.success());
        let out = run(&["idp", "client", "list"]);
        let listed = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            listed.contains("app") && !listed.contains("shop"),
            "{listed}"
        );

        // Keys: made on first use, one per algorithm, rotated, retired.
        let keys: Value = serde_json::from_str(&ok(
            dir,
            &["idp", "key", "list", "--data", "data", "--json"],
        ))
        .unwrap();
        assert_eq!(keys.as_array().unwrap().len(), 2);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("data/oidc-keys.json"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let old = keys
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["alg"] == "ES256")
            .unwrap()["kid"]
            .as_str()
            .unwrap()
            .to_owned();
        let new = ok(
            dir,
            &["idp", "key", "rotate", "--data", "data", "--alg", "ES256"],
        );
        let new = new.trim();
        assert_ne!(new, old);
        let keys: Value = serde_json::from_str(&ok(
            dir,
            &["idp", "key", "list", "--data", "data", "--json"],
        ))
        .unwrap();
        assert_eq!(keys.as_array().unwrap().len(), 3);
        let signing: Vec<&str> = keys
            .as_array()
            .unwrap()
            .iter()
            .filter(|k| k["signing"] == true && k["alg"] == "ES256")
            .map(|k| k["kid"].as_str().unwrap())
            .collect();
        assert_eq!(signing, [new]);
        let out = podpis(
            dir,
            &["idp", "key", "retire", "--data", "data", "--kid", new],
        );
        assert!(!out.status.success(), "the signing key stays");
        ok(
            dir,
            &["idp", "key", "retire", "--data", "data", "--kid", &old],
        );
        let keys: Value = serde_json::from_str(&ok(
            dir,
            &["idp", "key", "list", "--data", "data", "--json"],
        ))
        .unwrap();
        assert_eq!(keys.as_array().unwrap().len(), 2);
    }
}

#[test]
fn accounts_confirmed_by_an_operator() {
    use idp::{FileOutbox, Idp, Policy, ServerKeys, SystemClock};
    use std::sync::Arc;
    use store::Store;
    use store::accounts::{AccountLevel, IdentityData, NewAccount};
    use store::action_journal::{ActionEntry, ActionFilter};

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for db in rt.block_on(TestDb::both()) {
        let name = db.name();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let data = dir.join("data");
        let mut place = vec!["--data".to_owned(), "data".to_owned()];
        let url = if name == "postgres" {
            place.extend(["--database-url".to_owned(), db.url().to_owned()]);
            db.url().to_owned()
        } else {
            std::fs::create_dir_all(&data).unwrap();
            Store::sqlite_url(&data.join("podpis.db"))
        };
        let run = |args: &[&str]| {
            let all: Vec<&str> = args
                .iter()
                .copied()
                .chain(place.iter().map(String::as_str))
                .collect();
            podpis(dir, &all)
        };

        // Without the journal key (podpis serve makes it) nothing is done.
        let out = run(&[
            "idp",
            "account",
            "confirm",
            "--login",
            "a@example.ru",
            "--document",
            "x",
            "--operator",
            "petrova",
        ]);
        assert!(!out.status.success());
        assert!(
            text(&out).contains("IDP_KEYS_UNAVAILABLE"),
            "{name}: {}",
            text(&out)
        );

        // Two accounts as the provider makes them: a simplified one and a
        // standard one (identity data entered).
        let now = std::time::SystemTime::now();
        let (simple, standard) = rt.block_on(async {
            let keys = ServerKeys::load_or_create(&data).unwrap();
            let idp = Idp::new(
                Store::open(&url).await.unwrap(),
                Arc::new(SystemClock),
                keys,
                Arc::new(FileOutbox::new(dir.join("outbox"))),
                Policy::default(),
            );
            let store = idp.store();
            let new = |email, phone| NewAccount {
                level: AccountLevel::Simplified,
                email,
                phone,
                password_hash: None,
                at: now,
            };
            let entry = ActionEntry::new(None, "account.registered", "ok");
            let simple = store
                .create_account(&new(Some("simple@example.ru"), None), &entry)
                .await
                .unwrap();
            let standard = store
                .create_account(&new(None, Some("+79161234567")), &entry)
                .await
                .unwrap();
            let data = IdentityData {
                surname: "Иванов".into(),
                given_name: "Иван".into(),
                birthdate: "1980-01-02".into(),
                snils: "11223344595".into(),
                passport_series: "4510".into(),
                passport_number: "123456".into(),
                passport_issued: "2010-05-06".into(),
                ..IdentityData::default()
            };
            let profile = ActionEntry::new(Some(standard.id), "settings.profile", "ok");
            store
                .set_identity(standard.id, &data, now, &profile)
                .await
                .unwrap();
            store.close().await;
            (simple.id, standard.id)
        });

        let list = |extra: &[&str]| -> Value {
            let mut args = vec!["idp", "account", "list", "--json"];
            args.extend(extra);
            let out = run(&args);
            assert!(out.status.success(), "{name}: {}", text(&out));
            serde_json::from_slice(&out.stdout).unwrap()
        };
        let all = list(&[]);
        let ids: Vec<i64> = all
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, [standard, simple], "{name}: newest first");
        assert!(!all.to_string().contains("password_hash"), "{name}");
        assert!(!all.to_string().contains("argon2"), "{name}");

        let confirm = |login: &str, snils: Option<&str>| {
            let mut args = vec![
                "idp",
                "account",
                "confirm",
                "--login",
                login,
                "--document",
                "паспорт РФ 4510 123456",
                "--operator",
                "petrova",
            ];
            if let Some(s) = snils {
                args.extend(["--snils", s]);
            }
            run(&args)
        };
        // Refusals, each with its code; nothing changes.
        let out = confirm("simple@example.ru", None);
        assert!(!out.status.success());
        assert!(
            text(&out).contains("ACCOUNT_NOT_STANDARD"),
            "{name}: {}",
            text(&out)
        );
        let out = confirm("8 916 123-45-67", Some("123-456-789 64"));
        assert!(!out.status.success());
        assert!(
            text(&out).contains("ACCOUNT_SNILS_MISMATCH"),
            "{name}: {}",
            text(&out)
        );
        let out = confirm("8 916 123-45-67", Some("112-233-445 96"));
        assert!(
            text(&out).contains("SNILS_INVALID_CHECKSUM"),
            "{name}: {}",
            text(&out)
        );
        let out = confirm("nobody@example.ru", None);
        assert!(!out.status.success());
        assert!(
            text(&out).contains("ACCOUNT_NOT_FOUND"),
            "{name}: {}",
            text(&out)
        );
        let out = confirm("not a login", None);
        assert!(
            text(&out).contains("LOGIN_INVALID"),
            "{name}: {}",
            text(&out)
        );
        assert_eq!(
            list(&["--level", "confirmed"]),
            serde_json::json!([]),
            "{name}"
        );

        // Confirmed, by the phone in any spelling, the SNILS checked.
        let out = confirm("8 916 123-45-67", Some("112-233-445 95"));
        assert!(out.status.success(), "{name}: {}", text(&out));
        assert!(text(&out).contains("petrova"), "{name}");
        let out = run(&[
            "idp",
            "account",
            "show",
            "--login",
            "+79161234567",
            "--json",
        ]);
        let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(shown["level"], "confirmed", "{name}");
        assert_eq!(shown["confirmed_by"], "operator:petrova", "{name}");
        let out = run(&["idp", "account", "show", "--login", "+79161234567"]);
        assert!(
            text(&out).contains("level: confirmed"),
            "{name}: {}",
            text(&out)
        );
        let confirmed = list(&["--level", "confirmed"]);
        assert_eq!(confirmed.as_array().unwrap().len(), 1, "{name}");
        let out = confirm("+79161234567", None);
        assert!(out.status.success(), "{name}");
        assert!(
            text(&out).contains("already confirmed"),
            "{name}: {}",
            text(&out)
        );

        // One entry in the user's journal, naming the operator; the chains
        // verify under the data directory's key.
        let entries = rt.block_on(async {
            let store = Store::open(&url).await.unwrap();
            let e = store
                .actions(&ActionFilter {
                    account_id: Some(standard),
                    action: Some("account.confirmed".into()),
                    ..ActionFilter::default()
                })
                .await
                .unwrap();
            store.close().await;
            e
        });
        assert_eq!(entries.len(), 1, "{name}: {entries:?}");
        let e = &entries[0];
        assert_eq!(e.details["operator"], "petrova", "{name}");
        assert_eq!(e.details["document"], "паспорт РФ 4510 123456", "{name}");
        assert_eq!(e.details["snils_checked"], true, "{name}");
        assert_eq!(e.user_agent.as_deref(), Some("podpis idp account confirm"));
        let mut verify = vec!["journal", "verify", "--data", "data"];
        if name == "postgres" {
            verify.extend(["--db", db.url()]);
        }
        let out = podpis(dir, &verify);
        assert!(out.status.success(), "{name}: {}", text(&out));
    }
}
