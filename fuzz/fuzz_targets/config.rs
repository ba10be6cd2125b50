//! hmctl.toml: any text is parsed or refused with exit 2, never a panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|text: &str| {
    hmctl::fuzzing::config(text);
});
