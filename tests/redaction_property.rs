//! Issue 16's property: a random secret from a wide alphabet (punctuation,
//! quotes, escapes, spaces, unicode), under every secret key form of every
//! format, never survives redaction.

use hmctl::redact::{Content, redact_content};
use proptest::prelude::*;

/// Secrets: 8 to 60 characters, any printable ASCII and some unicode, with a
/// run of letters in the middle so that a survivor cannot hide in the mask.
fn secret() -> impl Strategy<Value = (String, String)> {
    ("[ -~éñ€漢😀]{0,24}", "[A-Za-z]{8}", "[ -~éñ€漢😀]{0,24}")
        .prop_map(|(head, middle, tail)| (format!("{head}{middle}{tail}"), middle))
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).unwrap()
}

fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

fn shell_single_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// (file name, text) of each secret key form holding `secret`.
fn forms(secret: &str) -> Vec<(&'static str, String)> {
    let json = json_string(secret);
    vec![
        ("a.ini", format!("[s]\npassword = {secret}\nhost = h\n")),
        ("a.ini", format!("[s]\nauth_key: {secret}\n")),
        ("a.conf", format!("[s]\nsecret_key = x\n  {secret}\n")),
        (
            "a.json",
            format!("{{\"password\": {json}, \"host\": \"h\"}}"),
        ),
        (
            "a.json",
            format!("{{\"credentials\": {{\"inner\": [{json}]}}}}"),
        ),
        (
            "a.json",
            format!(
                "{{\"Env\": [\"DB_PASSWORD={}\"]}}",
                &json[1..json.len() - 1]
            ),
        ),
        ("a.yaml", format!("db:\n  password: {json}\n  host: h\n")),
        ("a.yaml", format!("db:\n  token:\n    - {json}\n")),
        (
            "a.toml",
            format!("[db]\npassword = {}\n", toml_string(secret)),
        ),
        (
            "a.toml",
            format!("auth = {{ token = {} }}\n", toml_string(secret)),
        ),
        (
            ".env",
            format!("export DB_PASSWORD={}\n", shell_single_quoted(secret)),
        ),
        ("notes", format!("password = {secret}\n")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn a_secret_never_survives((secret, middle) in secret()) {
        let middle = middle.as_str();
        for (name, text) in forms(&secret) {
            let (redacted, count) = redact_content(name, &text, Content::Config);
            prop_assert!(!redacted.contains(middle), "{name}: {text:?} -> {redacted:?}");
            prop_assert!(count >= 1, "{name}: nothing counted in {redacted:?}");
        }
        let line = format!("2025-09-18 16:24:31 ERROR login password={secret} failed\n");
        let (redacted, _) = redact_content("a.log", &line, Content::Log);
        prop_assert!(!redacted.contains(middle), "{line:?} -> {redacted:?}");
    }
}
