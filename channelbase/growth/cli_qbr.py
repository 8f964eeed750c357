"""`channelbase qbr "PARTNER" --quarter 2026Q4 --out qbr.pdf`: a partner's QBR pack from the terminal."""

from __future__ import annotations

from pathlib import Path

import typer

from channelbase.cli_support import cli_actor, cli_session, console, domain_errors, fail, set_acting_email
from channelbase.core.base import utcnow
from channelbase.growth import figures as f
from channelbase.growth.qbr import find_partner, qbr_pack


def qbr(partner: str = typer.Argument(..., help="The partner's exact name, or its id."),
        quarter: str = typer.Option(..., help="The fiscal quarter, e.g. 2026Q4."),
        out: Path = typer.Option(None, help="Where to write the PDF (default: qbr-<partner>-<quarter>.pdf here)."),
        as_user: str | None = typer.Option(None, "--as", help="Act as this user (default: the first admin)."),
        view: str = typer.Option(f.ACTUAL, help="actual or constant (plan rates)."),
        lang: str | None = typer.Option(None, help="en, es or pt (default: the partner's language).")) -> None:
    """Write a partner's quarterly business review pack (PDF)."""
    if as_user:
        set_acting_email(as_user)
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        found = find_partner(session, actor, partner)
        name, content = qbr_pack(session, actor, found.id, quarter, today=utcnow().date(), view=view, language=lang)
    target = out or Path(name)
    if target.is_dir():
        target = target / name
    try:
        target.write_bytes(content)
    except OSError as exc:
        fail(f"Cannot write {target}: {exc.strerror or exc}.")
    console.print(f"Wrote {target} ({len(content):,} bytes).", markup=False, highlight=False, soft_wrap=True)
