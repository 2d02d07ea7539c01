"""Where the CPU went during a phase of the hall benchmark (bench/hall.py): the server, the
PostgreSQL backends, the client, and every other process of the machine — read from /proc,
so the figures do not depend on what else runs beside the benchmark."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path


def machine_busy_seconds() -> float:
    """CPU time all processes of the machine have used since boot (from /proc/stat)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """The pids of a process's live children (gunicorn's or nginx's workers)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            pids.append(int(stat.parent.name))
    return pids


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) the processes `pids` have used so far; gone ones count 0."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def pg_backends_ticks(database: str) -> dict[int, int]:
    """CPU ticks of each PostgreSQL backend serving `database`, by pid."""
    ticks = {}
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if f" {database} ".encode() not in cmdline.read_bytes():
                continue
            fields = (cmdline.parent / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks[int(cmdline.parent.name)] = int(fields[11]) + int(fields[12])
    return ticks


@dataclass
class CpuMeter:
    """Where the CPU went during a phase: the server, PostgreSQL, this client, the rest.

    PostgreSQL backends come and go (CONN_MAX_AGE), so they are sampled twice a second."""

    server: object  # anything with cpu_seconds(): hall.Server
    database: str  # the PostgreSQL database whose backends count
    spans: dict = field(default_factory=dict)
    backends: dict = field(default_factory=dict)
    done: threading.Event = field(default_factory=threading.Event)

    def _sample(self) -> None:
        for pid, ticks in pg_backends_ticks(self.database).items():
            first, _last = self.backends.get(pid, (ticks, ticks))
            self.backends[pid] = (first, ticks)

    def _sampler(self) -> None:
        while not self.done.wait(0.5):
            self._sample()

    def start(self) -> None:
        self.backends, self.done = {}, threading.Event()
        for pid, ticks in pg_backends_ticks(self.database).items():
            self.backends[pid] = (ticks, ticks)
        threading.Thread(target=self._sampler, daemon=True).start()
        self.spans = {
            "wall": time.monotonic(),
            "server": self.server.cpu_seconds(),
            "client": time.process_time(),
            "machine": machine_busy_seconds(),
            "load": os.getloadavg()[0],
        }

    def stop(self, requests: int) -> dict:
        begun = self.spans
        self.done.set()
        self._sample()
        wall = time.monotonic() - begun["wall"]
        server = self.server.cpu_seconds() - begun["server"]
        client = time.process_time() - begun["client"]
        clk = os.sysconf("SC_CLK_TCK")
        database = sum(last - first for first, last in self.backends.values()) / clk
        machine = machine_busy_seconds() - begun["machine"]
        return {
            "server_ms": 1000 * server / max(requests, 1),
            "database_ms": 1000 * database / max(requests, 1),
            "server_cores": server / wall,
            "database_cores": database / wall,
            "client_cores": client / wall,
            "others_cores": max(0.0, machine - server - database - client) / wall,
            "load": (begun["load"], os.getloadavg()[0]),
        }


def cpu_lines(args, submit: dict, bare: dict) -> list[str]:
    """Where the CPU went: the figures that do not depend on what else runs on the machine."""
    w = 34
    server = (
        "n/a (workers were killed)"
        if args.chaos
        else f"{submit['server_ms']:.2f} ms per answered POST, "
        f"{bare['server_ms']:.2f} ms per bare GET"
    )
    postgres = args.db == "postgres"
    return [
        f"{'server CPU':{w}}{server}",
        *(
            [f"{'PostgreSQL backends CPU':{w}}{submit['database_ms']:.2f} ms per answered POST"]
            if postgres
            else []
        ),
        f"{'CPU in use during submit (cores)':{w}}server {submit['server_cores']:.2f}, "
        + (f"PostgreSQL {submit['database_cores']:.2f}, " if postgres else "")
        + f"client {submit['client_cores']:.2f}, other processes {submit['others_cores']:.2f} "
        f"(of {os.cpu_count()})",
        f"{'load average (1 min) start → end':{w}}"
        f"{submit['load'][0]:.1f} → {submit['load'][1]:.1f}",
    ]
