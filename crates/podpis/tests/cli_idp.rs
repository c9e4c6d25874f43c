//! `podpis idp` as an administrator runs it, on SQLite (the data
//! directory) and PostgreSQL (`--database-url`): OpenID Connect clients
//! added, listed, refused and removed; the provider's keys listed, rotated
//! and retired (the JWK file stays private).
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
