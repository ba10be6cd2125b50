//! Secrets out of everything a support bundle copies: passwords, keys, tokens
//! and credentials in URLs, in ini / conf / toml / yaml / env / JSON forms alike
//! (`transport_url = rabbit://guest:...@`, `connection = mysql://ant:...@`,
//! `secretAccessKey = ...`, `auth_key = ...`, `SecretKey = ...`, compose
//! `environment` passwords, `docker inspect` `Env`). Over-redacting is safe;
//! under-redacting is not, so the key rules are broad.

use regex::{Captures, Regex};
use std::sync::LazyLock;

/// What replaces a secret.
pub const MASK: &str = "***";

/// `scheme://user:password@host` → `scheme://user:***@host`.
static URL_CREDENTIALS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b([a-z][a-z0-9+.\-]*://)([^/\s:@'\x22]*):([^@\s'\x22/]+)@")
        .expect("a valid regex")
});

/// `key = value`, `key: value`, `KEY=value`, `"key": "value"`, `- KEY=value`,
/// `export KEY="value"`: a key, a separator, a value (quoted or not).
static KEY_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        // The key must hold a secret word, so a harmless `user=admin` never
        // swallows the `password=...` after it.
        r#"(?P<key>[A-Za-z0-9_.\-]*(?i:pass|pwd|secret|token|credential|key|auth|cookie|signature|_pw\b|\bpw\b)[A-Za-z0-9_.\-]*)"#,
        r#"(?P<close>["']?)(?P<separator>[ \t]*[:=][ \t]*)"#,
        r#"(?P<value>"[^"\n]*"|'[^'\n]*'|[^\s,;"'}\]\n][^\n,;"'}\]]*)"#,
    ))
    .expect("a valid regex")
});

/// PEM private keys.
static PRIVATE_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?s)-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----")
        .expect("a valid regex")
});

/// Whether a key names a secret (`password`, `auth_key`, `secretAccessKey`,
/// `SYNC_NODE_KEY`, `MYSQL_ROOT_PASSWORD`, `token`, `credentials`...), and not
/// merely where one is kept (`public_key_path`, `ServerKeyFile`).
pub fn is_secret_key(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    let describes_a_place = [
        "path",
        "file",
        "dir",
        "directory",
        "_id",
        "name",
        "type",
        "size",
        "count",
        "timeout",
        "interval",
        "length",
        "mode",
        "level",
        "enabled",
        "url",
        "endpoint",
    ]
    .iter()
    .any(|suffix| lower.ends_with(suffix));
    if describes_a_place {
        return false;
    }
    [
        "password",
        "passwd",
        "pass",
        "pwd",
        "secret",
        "token",
        "credential",
        "key",
        "auth",
        "_pw",
        "cookie",
        "signature",
    ]
    .iter()
    .any(|word| lower.contains(word))
        || lower == "pw"
}

fn mask_value(value: &str) -> String {
    match value.chars().next() {
        Some(quote @ ('"' | '\'')) => format!("{quote}{MASK}{quote}"),
        _ => MASK.to_string(),
    }
}

/// Redacts one text; returns it and how many secrets were masked.
pub fn redact(text: &str) -> (String, usize) {
    let mut count = 0;
    let step = PRIVATE_KEY.replace_all(text, |_: &Captures| {
        count += 1;
        format!("-----BEGIN PRIVATE KEY-----\n{MASK}\n-----END PRIVATE KEY-----")
    });
    let step = URL_CREDENTIALS.replace_all(&step, |captures: &Captures| {
        count += 1;
        format!("{}{}:{MASK}@", &captures[1], &captures[2])
    });
    let step = KEY_VALUE.replace_all(&step, |captures: &Captures| {
        let key = &captures["key"];
        let value = captures["value"].trim_end();
        let already =
            value.trim_matches(['"', '\'']) == MASK || value.trim_matches(['"', '\'']).is_empty();
        if is_secret_key(key) && !already && !value.contains("://") {
            count += 1;
            let trailing = &captures["value"][value.len()..];
            format!(
                "{key}{}{}{}{trailing}",
                &captures["close"],
                &captures["separator"],
                mask_value(value)
            )
        } else {
            captures[0].to_string()
        }
    });
    (step.into_owned(), count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(text: &str, secrets: &[&str]) -> String {
        let (redacted, count) = redact(text);
        for secret in secrets {
            assert!(
                !redacted.contains(secret),
                "{secret:?} survived in:\n{redacted}"
            );
        }
        assert!(count >= secrets.len(), "{count} < {}", secrets.len());
        redacted
    }

    #[test]
    fn the_guides_own_examples() {
        let ant = "[DEFAULT]\ntransport_url = rabbit://guest:fs82BgKdU2QTr4Oy@rabbitmq:5672//\n[database]\nconnection = mysql://ant:antPass@mysql:3306/ant?charset=utf8\nmax_pool_size = 30\n";
        let redacted = clean(ant, &["fs82BgKdU2QTr4Oy", "antPass"]);
        assert!(
            redacted.contains("rabbit://guest:***@rabbitmq:5672//"),
            "{redacted}"
        );
        assert!(redacted.contains("max_pool_size = 30"));
        let hamal = "[mass]\nmass_endpoint = https://192.168.7.141:10443/hypermotion/v1\nauth_key = 315d65ca-ef28-4e63-ad72-1260a91adf23\npublic_key_path = /etc/hamal/public_key\n";
        let redacted = clean(hamal, &["315d65ca-ef28-4e63-ad72-1260a91adf23"]);
        assert!(
            redacted.contains("public_key_path = /etc/hamal/public_key"),
            "paths stay: {redacted}"
        );
        assert!(redacted.contains("mass_endpoint = https://192.168.7.141:10443/hypermotion/v1"));
        let gateway = "accessKey = wCi7qC8RlFydraCugWWa\nsecretAccessKey = TH5g4gbJKsK2YEsBLj7GaFpbWTiGYarRQSu1B59t\nendpoint = https://192.168.14.65:13260\n";
        clean(
            gateway,
            &[
                "wCi7qC8RlFydraCugWWa",
                "TH5g4gbJKsK2YEsBLj7GaFpbWTiGYarRQSu1B59t",
            ],
        );
        let agent = "[S3]\nAccessKey = ak-visible\nSecretKey = sk-hidden\nServerKeyFile = /var/lib/egisplus-agent/key.pem\n";
        let redacted = clean(agent, &["ak-visible", "sk-hidden"]);
        assert!(redacted.contains("ServerKeyFile = /var/lib/egisplus-agent/key.pem"));
        clean(
            "SYNC_NODE_KEY =da8aae5b-facb-452f-8161-5c866f8fafaa\n",
            &["da8aae5b-facb-452f-8161-5c866f8fafaa"],
        );
    }

    #[test]
    fn compose_environment_in_both_forms() {
        let list =
            "    environment:\n      - MYSQL_ROOT_PASSWORD=r00tpw\n      - MYSQL_DATABASE=ant\n";
        let redacted = clean(list, &["r00tpw"]);
        assert!(redacted.contains("MYSQL_DATABASE=ant"));
        let map = "    environment:\n      RABBITMQ_DEFAULT_PASS: \"guestpw\"\n      POSTGRES_PASSWORD: pgpw\n";
        clean(map, &["guestpw", "pgpw"]);
    }

    #[test]
    fn json_from_docker_inspect() {
        let inspect = r#"{"Env": ["MYSQL_PASSWORD=jsonpw", "PATH=/usr/bin"], "Labels": {"api_token": "tok123"}}"#;
        let redacted = clean(inspect, &["jsonpw", "tok123"]);
        assert!(redacted.contains("PATH=/usr/bin"));
        let parsed: serde_json::Value = serde_json::from_str(&redacted).unwrap();
        assert_eq!(parsed["Labels"]["api_token"], "***");
    }

    #[test]
    fn nested_yaml_keys() {
        clean(
            "database:\n  password: yamlPasswordValue\n  user: ant\n",
            &["yamlPasswordValue"],
        );
    }

    #[test]
    fn env_files_toml_and_keys() {
        clean("export DB_PASS=\"envpw\"\n", &["envpw"]);
        clean("[auth]\ntoken = \"t0k3n\"\n", &["t0k3n"]);
        clean(
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\n-----END RSA PRIVATE KEY-----\n",
            &["MIIEabc"],
        );
        clean(
            "2025-09-18 ERROR login failed password=hunter2 user=x\n",
            &["hunter2"],
        );
        clean(
            "2025-09-18 INFO login user=admin password=after-a-harmless-pair\n",
            &["after-a-harmless-pair"],
        );
    }

    #[test]
    fn plain_text_is_left_alone() {
        let text = "2025-09-18 16:24:31 INFO volume 6ec3e693 attached\nkey points: none\n";
        let (redacted, _) = redact(text);
        assert!(redacted.contains("volume 6ec3e693 attached"));
    }
}
