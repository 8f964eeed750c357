"""The conflict-check indexes are built in the background when a worker starts."""

from channelbase.deals.conflicts import OPEN_REGISTRATIONS
from channelbase.deals.warmup import warm_conflict_indexes
from channelbase.matching import service


def test_the_warm_up_builds_both_indexes_from_the_database(session_factory, world):
    service.forget_account_indexes()
    try:
        warm_conflict_indexes(session_factory).join(timeout=60)
        built = {kind: cached.index for (_url, kind), cached in service._indexes.items()}
        assert set(built) == {"accounts", "open registrations"}
        with session_factory() as session:
            accounts = service.cached_index(session, service.ACCOUNTS)
            registrations = service.cached_index(session, OPEN_REGISTRATIONS)
        assert accounts is built["accounts"] and registrations is built["open registrations"]  # reused, not rebuilt
        assert accounts.name(world.accounts["abertas"]) == "Prefeitura de Campinas"
        assert registrations.name(world.registrations["abertas"]) == "Prefeitura de Campinas"
    finally:
        service.forget_account_indexes()
