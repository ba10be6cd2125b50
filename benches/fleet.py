"""The fleet benchmark (issue 17): what `hmctl metrics --textfile` costs on
every host every 15 s, against `hmctl status --json` on the same host, in CPU
time and wall per run; then the fleet figures (PromQL latency, series per
host, Ansible hmctl_info wall per host) from the real 12-host fleet of
tests/fleet_real.rs. Not a test: numbers are printed, nothing asserted."""

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from bench import HMCTL, QUICK, ROOT, project  # noqa: E402


def cpu_and_wall(command):
    """CPU seconds (user + system, from wait4 of the child) and wall ms of one run."""
    with open("/dev/shm/hmctl-bench-output", "w") as output:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=output, stderr=subprocess.DEVNULL)
        _, _, usage = os.wait4(child.pid, 0)
        wall = (time.perf_counter() - started) * 1000
    return (usage.ru_utime + usage.ru_stime) * 1000, wall


def main():
    os.makedirs(ROOT, exist_ok=True)
    _, config = project("bench-fleet", 20)
    textfiles = tempfile.mkdtemp(prefix="hmctl-bench-textfile-")
    commands = {
        "hmctl status --json": [HMCTL, "--config", config, "--json", "status"],
        "hmctl metrics --textfile DIR": [HMCTL, "--config", config, "metrics", "--textfile", textfiles],
        "hmctl metrics (stdout)": [HMCTL, "--config", config, "metrics"],
    }
    rounds = 9 if QUICK else 31
    cpu = {name: [] for name in commands}
    wall = {name: [] for name in commands}
    names = list(commands)
    for round_number in range(rounds + 2):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            used, elapsed = cpu_and_wall(commands[name])
            if round_number >= 2:
                cpu[name].append(used)
                wall[name].append(elapsed)
    print(f"\nmetrics vs status: 20 compose services + 2 units, {rounds} interleaved rounds, "
          f"{platform.machine()}, {os.cpu_count()} CPUs")
    base = statistics.median(cpu["hmctl status --json"])
    for name in names:
        median_cpu = statistics.median(cpu[name])
        print(f"  {name:32} CPU {median_cpu:7.1f} ms ({median_cpu / base:4.2f}x)   wall {statistics.median(wall[name]):7.1f} ms")
    size = os.path.getsize(os.path.join(textfiles, "hmctl.prom"))
    series = sum(1 for line in open(os.path.join(textfiles, "hmctl.prom")) if not line.startswith("#"))
    print(f"  hmctl.prom: {size} bytes, {series} series for 22 services")
    verdict = "PASS" if statistics.median(cpu["hmctl metrics --textfile DIR"]) <= base * 1.05 else "MISS"
    print(f"  {verdict}  metrics --textfile CPU <= status --json CPU (5% noise allowed)")

    if "--metrics-only" in sys.argv:
        return
    print("\nfleet (tests/fleet_real.rs: 12 systemd hosts, real prometheus and ansible):")
    started = time.perf_counter()
    run = subprocess.run(["cargo", "nextest", "run", "--test", "fleet_real", "--no-capture"],
                         capture_output=True, text=True)
    for line in (run.stdout + run.stderr).splitlines():
        if line.startswith("fleet: "):
            print("  " + line[len("fleet: "):])
    print(f"  whole fleet test: {time.perf_counter() - started:.0f} s, "
          f"{'passed' if run.returncode == 0 else 'FAILED'}")


if __name__ == "__main__":
    main()
