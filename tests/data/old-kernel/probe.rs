//! The seccomp profile's proof: calls one system call by number, with every
//! argument zero, and prints what the kernel answered (`-38` is ENOSYS). Built
//! by tests/old_kernel_real.rs as a static musl binary and run in the
//! container, beside hmctl, under seccomp-2.6.32.json.

use std::arch::asm;

fn main() {
    let number: i64 = std::env::args()
        .nth(1)
        .and_then(|word| word.parse().ok())
        .expect("usage: probe SYSCALL-NUMBER");
    let answer: i64;
    // SAFETY: the arguments are all zero (null pointers,
    // zero lengths), so a call that is allowed fails with EFAULT or EINVAL
    // instead of touching memory.
    unsafe {
        asm!(
            "syscall",
            inlateout("rax") number => answer,
            in("rdi") 0_i64,
            in("rsi") 0_i64,
            in("rdx") 0_i64,
            in("r10") 0_i64,
            in("r8") 0_i64,
            in("r9") 0_i64,
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    println!("{answer}");
}
