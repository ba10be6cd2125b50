//! hmctl on a host whose PID 1 is SysV init (CentOS / RHEL 6, SLES 11): a
//! container of the SysV image (tests/sandbox/sysv.sh), Debian's sysvinit
//! `/sbin/init` as PID 1, the agent's and the gateway's services as vendors'
//! LSB init scripts, and hmctl copied in.

mod common;

use common::*;

#[test]
fn the_sysv_image_runs_sysvinit_and_its_scripts_answer_as_lsb_says() {
    if skip_without_sandbox() {
        return;
    }
    let host = SysvHost::start("image");
    // /sbin is /usr/sbin on bookworm; the program is sysvinit-core's.
    let first = host.sh("readlink /proc/1/exe; cat /proc/1/comm; dpkg -S /sbin/init");
    assert_eq!(
        said(&first).trim(),
        "/usr/sbin/init\ninit\nsysvinit-core: /sbin/init",
        "{}",
        said(&first)
    );
    assert!(!host.sh("test -d /run/systemd/system").status.success());
    // Running, stopped, a status that lies, per the scripts' exit codes.
    for (script, code) in [
        ("/etc/init.d/egisplus-agent", 0),
        ("/etc/init.d/s3block", 0),
        ("/etc/rc.d/init.d/hyper_exporter", 3),
        ("/etc/init.d/watchman", 3),
        ("/etc/init.d/lying-status", 0),
    ] {
        let output = host.exec(script, &["status"]);
        assert_eq!(
            output.status.code(),
            Some(code),
            "{script}: {}",
            said(&output)
        );
    }
}
