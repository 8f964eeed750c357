"""Build the conflict check's name indexes when a web worker starts, so no partner waits for it.

The first build reads every account name (about 5 s for 200,000 accounts); without the warm-up the
first registration submitted after a restart would pay that time."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session, sessionmaker

from channelbase.deals.conflicts import OPEN_REGISTRATIONS
from channelbase.matching.service import ACCOUNTS, cached_index

log = logging.getLogger(__name__)


def warm_conflict_indexes(session_factory: sessionmaker[Session]) -> threading.Thread:
    """Start building the account and open-registration indexes in a background thread."""

    def build() -> None:
        try:
            with session_factory() as session:
                for source in (ACCOUNTS, OPEN_REGISTRATIONS):
                    cached_index(session, source)
        except Exception:  # a cold index is only slower, never wrong: log and let requests build it
            log.exception("warming the conflict-check indexes failed")

    thread = threading.Thread(target=build, name="warm-conflict-indexes", daemon=True)
    thread.start()
    return thread
