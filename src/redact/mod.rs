//! Secrets out of everything a support bundle copies. Each file is redacted by
//! what it is: JSON, YAML (compose files), TOML, INI / conf (the product's
//! `hamal.conf`, `config.ini`, `s3block_config.ini`, `Sysconfig.ini`, the
//! console's `config/*.conf`) and env files are parsed, every value under a
//! secret-naming key masked whole, and written back in the same format so the
//! bundle's copy still parses ([`tree`], [`ini`], [`env`]); what no parser
//! accepts falls back to masking the whole rest of a secret key's line
//! ([`indented`]). Logs stay line-oriented, with detectors for
//! credential-shaped tokens wherever they stand ([`lines`]). Over-redacting
//! is safe; under-redacting is not, so the key rules are broad.

pub mod env;
pub mod indented;
pub mod ini;
pub mod lines;
pub mod obfuscate;
pub mod tree;

/// What replaces a secret.
pub const MASK: &str = "***";

/// What a file in the bundle is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    /// A configuration file: its format is told by its name, else its text.
    Config,
    /// A log: line-oriented.
    Log,
    /// JSON hmctl produced (`status --json`, `docker inspect`).
    Json,
}

/// A configuration file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
    Toml,
    Ini,
    Env,
    /// None known: the line rules.
    Text,
}

/// The format of the configuration file `name` holding `text`.
pub fn format_of(name: &str, text: &str) -> Format {
    let file = name.rsplit('/').next().unwrap_or(name).to_ascii_lowercase();
    let extension = file.rsplit_once('.').map_or("", |(_, extension)| extension);
    match extension {
        "json" => return Format::Json,
        "yml" | "yaml" => return Format::Yaml,
        "toml" => return Format::Toml,
        "ini" | "conf" | "cfg" | "cnf" | "properties" => return Format::Ini,
        "env" | "sh" => return Format::Env,
        _ => {}
    }
    if file.starts_with(".env") || file == "environment" {
        return Format::Env;
    }
    let start = text.trim_start();
    if (start.starts_with('{') || start.starts_with('['))
        && serde_json::from_str::<serde_json::Value>(text).is_ok()
    {
        Format::Json
    } else if ini::looks_like(text) {
        Format::Ini
    } else if env::looks_like(text) {
        Format::Env
    } else {
        Format::Text
    }
}

/// Redacts one file of the bundle; returns its text and how many values
/// were masked.
pub fn redact_content(name: &str, text: &str, content: Content) -> (String, usize) {
    match content {
        Content::Log => lines::redact_text(text),
        Content::Json => redact_as(Format::Json, text),
        Content::Config => redact_as(format_of(name, text), text),
    }
}

/// Redacts `text` as `format`, falling back to the line rules when it does
/// not parse as that.
pub fn redact_as(format: Format, text: &str) -> (String, usize) {
    let parsed = match format {
        Format::Json => tree::json(text),
        Format::Yaml => tree::yaml(text),
        Format::Toml => tree::toml(text),
        Format::Ini => Some(ini::redact(text)),
        Format::Env => Some(env::redact(text)),
        Format::Text => None,
    };
    parsed.unwrap_or_else(|| indented::redact(text, indented::Style::Plain))
}

/// Redacts a text by the line rules alone (logs, unknown formats).
pub fn redact(text: &str) -> (String, usize) {
    lines::redact_text(text)
}

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
        "uri",
        "endpoint",
        "host",
        "port",
        "strategy",
        "version",
        "protocol",
        "region",
        "user",
        "username",
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

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(text: &str, secrets: &[&str]) -> String {
        clean_as(Format::Text, text, secrets)
    }

    fn clean_as(format: Format, text: &str, secrets: &[&str]) -> String {
        let (redacted, count) = redact_as(format, text);
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
        let redacted = clean_as(Format::Ini, ant, &["fs82BgKdU2QTr4Oy", "antPass"]);
        assert!(
            redacted.contains("rabbit://guest:***@rabbitmq:5672//"),
            "{redacted}"
        );
        assert!(redacted.contains("max_pool_size = 30"));
        let hamal = "[mass]\nmass_endpoint = https://192.168.7.141:10443/hypermotion/v1\nauth_key = 315d65ca-ef28-4e63-ad72-1260a91adf23\npublic_key_path = /etc/hamal/public_key\n";
        let redacted = clean_as(
            Format::Ini,
            hamal,
            &["315d65ca-ef28-4e63-ad72-1260a91adf23"],
        );
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
        let redacted = clean_as(Format::Yaml, list, &["r00tpw"]);
        assert!(redacted.contains("MYSQL_DATABASE=ant"));
        let map = "    environment:\n      RABBITMQ_DEFAULT_PASS: \"guestpw\"\n      POSTGRES_PASSWORD: pgpw\n";
        clean_as(Format::Yaml, map, &["guestpw", "pgpw"]);
    }

    #[test]
    fn json_from_docker_inspect() {
        let inspect = r#"{"Env": ["MYSQL_PASSWORD=jsonpw", "PATH=/usr/bin"], "Labels": {"api_token": "tok123"}}"#;
        let redacted = clean_as(Format::Json, inspect, &["jsonpw", "tok123"]);
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
