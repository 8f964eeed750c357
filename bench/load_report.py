"""bench/load.py's recording and report: latencies per endpoint and per caller, and the Markdown report."""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
import time
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from channelbase.core.db import make_engine, make_sessionmaker
from channelbase.deals.models import Registration
from load_server import CpuMark
import run as page_bench

TARGET_P95_MS = 200.0
ROLE_NAMES = {"manager": "managers", "partner": "partner users", "api": "API clients"}


# Recording ----------------------------------------------------------------------------------------------------

SERVER_TIMING = re.compile(r"app;dur=([0-9.]+)")


@dataclass
class Endpoint:
    latency_ms: list[float] = field(default_factory=list)
    server_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    slowest: list[tuple[float, str]] = field(default_factory=list)

    def add(self, url: str, latency_ms: float, server_ms: float | None, error: str | None) -> None:
        self.latency_ms.append(latency_ms)
        if server_ms is not None:
            self.server_ms.append(server_ms)
        if error:
            self.errors += 1
            if len(self.error_samples) < 3:
                self.error_samples.append(error)
        self.slowest = sorted([*self.slowest, (latency_ms, url)], reverse=True)[:3]


@dataclass
class Recorder:
    start: float = float("inf")  # the end of the warm-up (time.monotonic)
    end: float = float("inf")
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    by_who: dict[tuple[str, str], Endpoint] = field(default_factory=dict)

    def add(self, label: str, who: str, url: str, started: float, latency_ms: float, server_ms: float | None,
            error: str | None) -> None:
        if self.start <= started < self.end:
            self.endpoints.setdefault(label, Endpoint()).add(url, latency_ms, server_ms, error)
            self.by_who.setdefault((label, who), Endpoint()).add(url, latency_ms, server_ms, error)



@dataclass
class Run:
    workers: int
    users: dict[str, int]
    recorder: Recorder
    first: CpuMark
    last: CpuMark
    load_start: tuple[float, ...]
    load_end: tuple[float, ...]
    ready_s: float = 0.0
    tracebacks: int = 0


# Report -------------------------------------------------------------------------------------------------------

def _pct(samples: list[float], p: int) -> float:
    return page_bench.percentile(samples, p) if len(samples) > 1 else (samples or [float("nan")])[0]


def _ms(samples: list[float], p: int) -> str:
    return f"{_pct(samples, p):.0f} ms" if samples else "–"


def _row(label: str, endpoint: Endpoint, seconds: float) -> str:
    latency, server = endpoint.latency_ms, endpoint.server_ms
    return (f"| {label} | {len(latency):,} | {endpoint.errors} | {len(latency) / seconds:.2f} | {_ms(latency, 50)} | "
            f"**{_ms(latency, 95)}** | {_ms(latency, 99)} | {max(latency):.0f} ms | {_ms(server, 50)} | "
            f"{_ms(server, 95)} |")


def whole_mix(run: Run) -> Endpoint:
    endpoints = run.recorder.endpoints.values()
    return Endpoint([ms for e in endpoints for ms in e.latency_ms], [ms for e in endpoints for ms in e.server_ms],
                    sum(e.errors for e in endpoints))


def cpu_cores(run: Run) -> dict[str, float]:
    """Cores used on average in the measured window, by whom."""
    first, last = run.first, run.last
    wall = last.wall - first.wall
    used = {"client": (last.client - first.client) / wall, "server": (last.server - first.server) / wall,
            "postgres": (last.postgres - first.postgres) / wall,
            "machine": (os.cpu_count() or 1) * (last.busy - first.busy) / max(last.total - first.total, 1e-9)}
    used["other"] = max(0.0, used["machine"] - used["client"] - used["server"] - used["postgres"])
    return used


TABLE_HEAD = ["| endpoint | requests | errors | req/s | p50 | p95 | p99 | max | server p50 | server p95 |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]


def run_section(run: Run, args: argparse.Namespace) -> list[str]:
    seconds = run.recorder.end - run.recorder.start
    mix, cpu = whole_mix(run), cpu_cores(run)
    think = f"{args.think:g} s ±50 %" if args.think else "0 (saturation)"
    lines = [f"### {run.workers} web worker{'s' if run.workers > 1 else ''}", "",
             f"- {args.users} virtual users ({', '.join(f'{n} {ROLE_NAMES[r]}' for r, n in run.users.items())}), "
             f"think time {think}; {seconds:.0f} s measured after {args.warmup:g} s of warm-up; server ready "
             f"(started, indexes warm, quiet) {run.ready_s:.0f} s after launch",
             f"- load average (1/5/15 min) at the start {_load(run.load_start)}, at the end {_load(run.load_end)}",
             f"- CPU in the measured window, in cores of {os.cpu_count()}: web server {cpu['server']:.2f}, PostgreSQL "
             f"{cpu['postgres']:.2f}, this client {cpu['client']:.2f}, everything else {cpu['other']:.2f} "
             f"(machine busy: {cpu['machine']:.2f})",
             f"- tracebacks in the server log: {run.tracebacks}", "", *TABLE_HEAD]
    lines += [_row(label, run.recorder.endpoints[label], seconds) for label in sorted(run.recorder.endpoints)]
    p95 = _pct(mix.latency_ms, 95)
    verdict = "meets" if p95 <= TARGET_P95_MS and mix.errors == 0 else "MISSES"
    target = (f": {verdict} the target of 0 errors and p95 ≤ {TARGET_P95_MS:.0f} ms" if args.think else
              " (saturation: the target is for the realistic mix)")
    lines += [_row("**the whole mix**", mix, seconds), "",
              f"- **The mix: {len(mix.latency_ms) / seconds:.1f} req/s, p95 {p95:.0f} ms, "
              f"{mix.errors} errors{target}.**"]
    for label, endpoint in sorted(run.recorder.endpoints.items()):
        if _pct(endpoint.latency_ms, 95) > TARGET_P95_MS:
            slowest = "; ".join(f"{ms:.0f} ms `{url}`" for ms, url in endpoint.slowest)
            lines.append(f"- {label}: p95 {_pct(endpoint.latency_ms, 95):.0f} ms; slowest {slowest}")
        lines += [f"- error on {label}: `{sample}`" for sample in endpoint.error_samples]
    by_who = sorted((item for item in run.recorder.by_who.items() if item[0][1] != "partner users"), key=lambda i: i[0])
    return [*lines, "", "By who asked (managers and API clients):", "", *TABLE_HEAD,
            *[_row(f"{label} as {who}", endpoint, seconds) for (label, who), endpoint in by_who], ""]


def _load(values: tuple[float, ...]) -> str:
    return " / ".join(f"{v:.2f}" for v in values)


def scaling_table(runs: list[Run]) -> list[str]:
    lines = ["| web workers | req/s | vs 1 worker | errors | p50 | p95 | p99 | server p95 | server CPU | "
             "PostgreSQL CPU | client CPU | machine busy |", "|---:" * 12 + "|"]
    base = None
    for run in runs:
        mix, cpu = whole_mix(run), cpu_cores(run)
        rate = len(mix.latency_ms) / (run.recorder.end - run.recorder.start)
        base = base or (rate if run.workers == 1 else None)
        lines.append(f"| {run.workers} | {rate:.1f} | {f'{rate / base:.2f}×' if base else '–'} | {mix.errors} | "
                     f"{_ms(mix.latency_ms, 50)} | **{_ms(mix.latency_ms, 95)}** | {_ms(mix.latency_ms, 99)} | "
                     f"{_ms(mix.server_ms, 95)} | {cpu['server']:.2f} | {cpu['postgres']:.2f} | {cpu['client']:.2f} | "
                     f"{cpu['machine']:.2f} |")
    return lines


def report(argv: list[str] | None, url: str, signed_in: str, runs: list[Run], args: argparse.Namespace) -> str:
    command = ".venv/bin/python bench/load.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    engine = make_engine(url)
    try:
        machine = page_bench.machine(engine)
        with make_sessionmaker(engine)() as session:
            registrations = session.scalar(select(func.count()).select_from(Registration)) or 0
    finally:
        engine.dispose()
    target = make_url(url)
    lines = [f"## Load test ({'realistic mix' if args.think else 'saturation'}): {target.get_backend_name()} "
             f"`{target.database}`", "", f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
             f"- command: `{command.strip()}`", *[f"- machine: {m}" for m in machine],
             f"- signed in: {signed_in}",
             f"- registrations in the database after the run: {registrations:,}", "", *scaling_table(runs), ""]
    for run in runs:
        lines += run_section(run, args)
    return "\n".join(lines) + "\n"
