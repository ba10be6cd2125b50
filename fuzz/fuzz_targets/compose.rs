//! Compose files: any text is read or refused with a reason, never a panic or a hang.
#![no_main]
libfuzzer_sys::fuzz_target!(|text: &str| {
    hmctl::fuzzing::compose(text);
});
