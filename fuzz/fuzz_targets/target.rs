//! TARGETs: any argument resolves or is refused with exit 2, never a panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|text: &str| {
    hmctl::fuzzing::target(text);
});
