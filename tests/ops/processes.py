"""Real Channelbase processes for tests: `channelbase serve` and `channelbase worker` started as the
operator would, their output kept in files, and a real SMTP server on 127.0.0.1 to receive their e-mail."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx


# The console script next to the interpreter running the tests: the processes run the same Python and code.
CHANNELBASE = str(Path(sys.executable).parent / "channelbase")
READY_TRIES = 300  # x 0.1 s: a hang guard for start-up, not a time limit
STOP_SECONDS = 15


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Process:
    """A started `channelbase` command whose stdout and stderr go to files (a pipe nobody reads would fill up
    and stall the process)."""

    name: str
    popen: subprocess.Popen
    stdout: Path
    stderr: Path

    def output(self) -> str:
        """What the process said so far, for assertion messages."""
        return (f"--- {self.name} (exit {self.popen.poll()}) stdout:\n{self.stdout.read_text(errors='replace')}"
                f"\n--- {self.name} stderr:\n{self.stderr.read_text(errors='replace')[-6000:]}")


def start(name: str, args: list[str], env: dict[str, str], folder: Path) -> Process:
    stdout, stderr = folder / f"{name}.out", folder / f"{name}.err"
    with stdout.open("w") as out, stderr.open("w") as err:
        popen = subprocess.Popen([CHANNELBASE, *args], env=env, cwd=folder, stdout=out, stderr=err,
                                 stdin=subprocess.DEVNULL)
    return Process(name, popen, stdout, stderr)


def wait_until_serving(process: Process, base_url: str) -> str:
    """Poll GET /healthz until the server answers 200; returns the path that answered. A server without
    /healthz (404) is taken as ready once its sign-in page answers."""
    path = "/healthz"
    for _ in range(READY_TRIES):
        assert process.popen.poll() is None, f"{process.name} exited during start-up\n{process.output()}"
        try:
            status = httpx.get(base_url + path, timeout=2).status_code
        except httpx.TransportError:
            status = 0  # not listening yet
        if status == 404 and path == "/healthz":
            path = "/login"
            continue
        if status == 200:
            return path
        time.sleep(0.1)
    raise AssertionError(f"{process.name} did not answer GET {path} on {base_url}\n{process.output()}")


def wait_for_output(process: Process, text: str) -> None:
    """Poll the process's stdout until it contains `text` (e.g. a worker's "looking for jobs")."""
    for _ in range(READY_TRIES):
        assert process.popen.poll() is None, f"{process.name} exited during start-up\n{process.output()}"
        if text in process.stdout.read_text(errors="replace"):
            return
        time.sleep(0.1)
    raise AssertionError(f"{process.name} never printed {text!r}\n{process.output()}")


def stop(processes: list[Process]) -> None:
    """SIGTERM every process, then kill those still running after STOP_SECONDS."""
    for process in processes:
        if process.popen.poll() is None:
            process.popen.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.popen.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.popen.kill()
            process.popen.wait()
