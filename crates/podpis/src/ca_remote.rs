//! `podpis ca … --server URL`: the operator commands over a running
//! `podpis serve`'s REST API (docs/api.md) instead of the database —
//! HTTP Basic with the operator's login (`--operator`, else `$USER`) and
//! the password from `--password-file`, else `PODPIS_OPERATOR_PASSWORD`,
//! else the terminal.

use std::path::Path;

use anyhow::{Result, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use zeroize::Zeroizing;

use crate::pin::{self, Source};

/// A server and the operator's credentials.
pub(crate) struct Remote {
    base: String,
    auth: Zeroizing<String>,
    agent: ureq::Agent,
}

impl Remote {
    /// Logs in as `login` on `server` (the password is read now).
    pub(crate) fn new(server: &str, login: &str, password_file: Option<&Path>) -> Result<Remote> {
        if !(server.starts_with("http://") || server.starts_with("https://")) {
            bail!("--server {server:?}: нужен адрес http(s):// / an http(s):// URL is needed");
        }
        let password = pin::read(Source {
            file: password_file,
            env: "PODPIS_OPERATOR_PASSWORD",
            prompt: "Пароль оператора / operator password: ",
            allow_empty: false,
        })?;
        let pair = Zeroizing::new(format!("{login}:{}", password.as_str()));
        Ok(Remote {
            base: server.trim_end_matches('/').to_owned(),
            auth: Zeroizing::new(format!("Basic {}", STANDARD.encode(pair.as_bytes()))),
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .user_agent(concat!("podpis/", env!("CARGO_PKG_VERSION")))
                .build()
                .into(),
        })
    }

    /// Calls `method path` (a JSON body for POST); returns the JSON answer
    /// or the server's error (its Russian and English messages and code).
    pub(crate) fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value> {
        let url = format!("{}{path}", self.base);
        let response = if method == "GET" {
            self.agent
                .get(&url)
                .header("Authorization", self.auth.as_str())
                .call()
        } else {
            let body = body.map(Value::to_string).unwrap_or_else(|| "{}".into());
            self.agent
                .post(&url)
                .header("Authorization", self.auth.as_str())
                .content_type("application/json")
                .send(body)
        };
        let response = response.map_err(|e| anyhow::anyhow!("{url}: {e}"))?;
        let status = response.status();
        let text = response
            .into_body()
            .read_to_string()
            .map_err(|e| anyhow::anyhow!("{url}: {e}"))?;
        let json: Value = serde_json::from_str(&text)
            .map_err(|_| anyhow::anyhow!("{url}: HTTP {status}, не JSON / not JSON"))?;
        if !status.is_success() {
            bail!(
                "{}\n{} [{}]",
                json["message_ru"].as_str().unwrap_or_default(),
                json["message_en"].as_str().unwrap_or_default(),
                json["code"].as_str().unwrap_or("HTTP")
            );
        }
        Ok(json)
    }
}
