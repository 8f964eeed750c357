"""bench/load.py's server and CPU accounting: `channelbase serve` on loopback, and the CPU of each party from /proc."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
SERVER_DATA = BENCH / "results" / "load-data"
LOOPBACK = "127.0.0.1"
SECRET_KEY = "load-test-secret-key-" + "k" * 32  # fixed: every worker must accept the cookies the others signed


# The server ---------------------------------------------------------------------------------------------------

@contextmanager
def served(url: str, workers: int, port: int) -> Iterator[subprocess.Popen]:
    """`channelbase serve` on loopback, ready and quiet; stopped with SIGTERM on the way out, whatever happened."""
    SERVER_DATA.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "CHANNELBASE_DATABASE_URL": url, "CHANNELBASE_DATA_DIR": str(SERVER_DATA),
           "CHANNELBASE_SECRET_KEY": SECRET_KEY, "CHANNELBASE_JOBS_IN_WEB": "false"}
    command = [str(BENCH.parent / ".venv/bin/channelbase"), "serve", "--host", LOOPBACK, "--port", str(port),
               "--workers", str(workers)]
    with open(SERVER_DATA / f"server-{workers}w.log", "w") as log:
        server = subprocess.Popen(command, cwd=BENCH.parent, env=env, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
        try:
            wait_until_ready(server, f"http://{LOOPBACK}:{port}", workers)
            yield server
        finally:
            stop(server)


def wait_until_ready(server: subprocess.Popen, base: str, workers: int, limit_s: float = 300) -> None:
    """Until a page answers, then until every worker has started and gone quiet: each builds the conflict
    check's indexes in a thread after start-up (about 5 s of CPU at large scale)."""
    deadline = time.monotonic() + limit_s
    while not _answers(base):
        if server.poll() is not None:
            log = (SERVER_DATA / f"server-{workers}w.log").read_text(errors="replace").strip().splitlines()
            raise SystemExit(f"the server exited with {server.returncode}: {log[-1] if log else 'no output'}")
        if time.monotonic() > deadline:
            raise SystemExit(f"the server did not answer within {limit_s:.0f} s")
        time.sleep(0.5)
    quiet, last = 0, tree_cpu(server.pid)
    while quiet < 3 and time.monotonic() < deadline:
        time.sleep(1)
        now = tree_cpu(server.pid)
        started = workers == 1 or len(descendants(server.pid)) >= workers
        quiet, last = (quiet + 1 if started and now - last < 0.05 else 0), now


def _answers(base: str) -> bool:
    try:
        return any(httpx.get(base + path, timeout=5).status_code == 200 for path in ("/healthz", "/login"))
    except httpx.HTTPError:
        return False


def stop(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=45)  # up to 30 s of graceful shutdown, then uvicorn ends its workers
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)  # the group this script started (start_new_session), nothing else
        server.wait()


# CPU from /proc -----------------------------------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, float, float]]:
    """pid: (parent pid, its CPU seconds, CPU seconds of its children that ended) of every process we can read."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            table[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK,
                                      (int(fields[13]) + int(fields[14])) / TICK)
    return table


def descendants(root: int) -> list[int]:
    table, found, todo = _processes(), [], [root]
    while todo:
        parent = todo.pop()
        children = [pid for pid, (ppid, *_cpu) in table.items() if ppid == parent]
        found += children
        todo += children
    return found


def tree_cpu(root: int) -> float:
    table = _processes()
    return sum(table[pid][1] for pid in [root, *descendants(root)] if pid in table)


def postgres_cpu() -> float:
    """Every PostgreSQL process, those that ended included (the postmaster reaped parallel workers and closed
    connections): all databases', so other users of the server count too."""
    total = 0.0
    for pid, (_ppid, cpu, ended) in _processes().items():
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if command.startswith(b"postgres: "):
            total += cpu
        elif b"/bin/postgres\0" in command:  # the postmaster
            total += cpu + ended
    return total


@dataclass
class CpuMark:
    wall: float
    client: float
    server: float
    postgres: float
    busy: float  # the whole machine, all cores
    total: float


def cpu_mark(server_pid: int) -> CpuMark:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    ticks = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = ticks[3] + ticks[4]
    return CpuMark(time.monotonic(), usage.ru_utime + usage.ru_stime, tree_cpu(server_pid), postgres_cpu(),
                   (sum(ticks) - idle) / TICK, sum(ticks) / TICK)
