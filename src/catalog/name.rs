//! What a name in hmctl's world may be (a group, a service, a unit, a compose
//! project): checked wherever one is read — the command line, `hmctl.toml`,
//! a compose call — so a name that could not be a service goes no further.

/// Names (groups, services, units, projects) are plain words: letters, digits
/// and `-_.@:`. They are matched against the catalog and never reach a shell,
/// but a name that could not be a service is refused where it is written.
pub fn validate_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("is empty".into());
    }
    if name.len() > 128 {
        return Err("is longer than 128 characters".into());
    }
    if name.starts_with(['-', '.']) {
        return Err("must not start with `-` or `.`".into());
    }
    match name
        .chars()
        .find(|character| !(character.is_ascii_alphanumeric() || "-_.@:".contains(*character)))
    {
        Some(character) => Err(format!(
            "contains {character:?}; only letters, digits and `-_.@:` are allowed"
        )),
        None => Ok(()),
    }
}
