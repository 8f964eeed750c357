import pytest
from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table, insert, update
from sqlalchemy.orm import Session

from channelbase.core.db import make_engine
from channelbase.matching import service
from channelbase.partners import accounts
from channelbase.partners.schemas import AccountCreate


@pytest.fixture(autouse=True)
def fresh_index():
    # Each test rolls its rows back, and SQLite reuses their ids: start from an empty cache.
    service.forget_account_indexes()
    yield
    service.forget_account_indexes()


def _names(matches) -> list[str]:
    return [m.name for m in matches]


def test_an_admin_finds_a_retyped_account_by_similar_name(db, actor):
    [match] = service.find_similar_accounts(db, actor("admin"), "Cerveceria Rgeia SA de CV")
    assert match.name == "Cervecería Regia S.A. de C.V." and match.reason == "similar name"
    assert 80 <= match.score < 100


def test_a_partner_user_does_not_see_another_partners_account(db, actor):
    for name in ("Cerveceria Rgeia SA de CV", "Cervecería Regia"):
        assert "Cervecería Regia S.A. de C.V." not in _names(service.find_similar_accounts(db, actor("ana"), name))
    assert service.find_similar_accounts(db, actor("ana"), "Zeta", domain="cerveceriaregia.mx") == []


def test_the_owner_partner_and_the_manager_do_see_it(db, actor):
    for who in ("bruno", "lucia"):
        assert _names(service.find_similar_accounts(db, actor(who), "Cervecería Regia")) == \
            ["Cervecería Regia S.A. de C.V."]
    assert service.find_similar_accounts(db, actor("nathan"), "Cervecería Regia") == []


def test_it_reports_why_an_account_matched(db, actor, world):
    admin = actor("admin")
    accounts.create_account(db, admin, AccountCreate(
        name="Andes Logística S.A.", country="AR", tax_id="20-26756539-3", website="andeslogistica.com.ar",
        territory_id=world.territories["argentina"]))
    db.flush()
    by_tax = service.find_similar_accounts(db, admin, "Something Else", tax_id="20267565393", country="AR")
    by_domain = service.find_similar_accounts(db, admin, "Zeta", domain="https://www.cerveceriaregia.mx/contacto")
    by_name = service.find_similar_accounts(db, admin, "CERVECERIA REGIA")
    assert [(m.name, m.reason, m.score) for m in by_tax] == [("Andes Logística S.A.", "tax id", 100)]
    assert [(m.name, m.reason) for m in by_domain] == [("Cervecería Regia S.A. de C.V.", "domain")]
    assert [(m.name, m.reason, m.score) for m in by_name] == [("Cervecería Regia S.A. de C.V.", "same name", 100)]


def test_accounts_added_after_the_index_was_built_are_found(db, actor, world):
    admin = actor("admin")
    assert service.find_similar_accounts(db, admin, "Vinícola Serra Gaúcha") == []
    accounts.create_account(db, admin, AccountCreate(
        name="Vinícola Serra Gaúcha Ltda.", country="BR", territory_id=world.territories["brazil"]))
    db.flush()
    assert _names(service.find_similar_accounts(db, admin, "Vinicola Sera Gaucha")) == ["Vinícola Serra Gaúcha Ltda."]


def test_deleted_accounts_are_not_matches(db, actor, world):
    admin = actor("admin")
    service.find_similar_accounts(db, admin, "Banco Horizonte")  # builds the index with the account in it
    accounts.delete_account(db, admin, world.accounts["brazil"])
    db.flush()
    assert service.find_similar_accounts(db, admin, "Banco Horizonte") == []


def test_unknown_names_find_nothing(db, actor):
    assert service.find_similar_accounts(db, actor("admin"), "Quantum Widgets Unlimited") == []
    assert service.find_similar_accounts(db, actor("admin"), "") == []


def test_match_queries_and_pairs_and_dedupe():
    results = list(service.match_queries(["Banco Horizonte S.A.", "Harbor Health LLC"],
                                         ["Banco Horizonet", "harborhealth.org", "Acme", ""]))
    assert [(r.match, r.score >= 80) for r in results] == [
        ("Banco Horizonte S.A.", True), ("Harbor Health LLC", True), ("", False), ("", False)]
    pairs = list(service.match_pairs([("Datos Norte SAC", "Datos Sur SAC"), ("Acme Inc.", "ACME")]))
    assert [p.same for p in pairs] == [False, True]
    clusters = service.dedupe(["Acme Inc.", "Zeta S.A.", "ACME Corp", "Zeta SA de CV", "Omega Ltda."])
    assert clusters == [1, 2, 1, 2, 3]


def test_an_old_index_answers_while_a_fresh_one_builds_in_the_background(tmp_path, monkeypatch):
    """Past INDEX_MAX_AGE the index is rebuilt (to pick up renames) in a thread; the call that found it old
    is answered by the old index at once instead of waiting seconds for the rebuild."""
    engine = make_engine(f"sqlite:///{tmp_path / 'names.db'}")
    metadata = MetaData()
    names = Table("names", metadata, Column("id", Integer, primary_key=True), Column("name", String(100)),
                  Column("name_key", String(100)), Column("live", Boolean))
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(names), [{"id": 1, "name": "Banco Horizonte", "name_key": "bancohorizonte", "live": True},
                                     {"id": 2, "name": "Vinícola Serra", "name_key": "vinicolaserra", "live": True}])
    source = service.IndexSource("probe names", names.c.id, names.c.name, names.c.name_key, names.c.live.is_(True))
    try:
        with Session(engine) as session:
            first = service.cached_index(session, source)
        assert first.name(1) == "Banco Horizonte"
        with engine.begin() as conn:  # a rename: the newest row is unchanged, so only a rebuild sees it
            conn.execute(update(names).where(names.c.id == 1).values(name="Banco Aurora", name_key="bancoaurora"))
        monkeypatch.setattr(service, "INDEX_MAX_AGE", 0.0)
        with Session(engine) as session:
            served = service.cached_index(session, source)
        assert served is first and served.name(1) == "Banco Horizonte"  # answered by the old index
        service.wait_for_rebuilds()
        monkeypatch.setattr(service, "INDEX_MAX_AGE", 900.0)
        with Session(engine) as session:
            rebuilt = service.cached_index(session, source)
        assert rebuilt is not first and rebuilt.name(1) == "Banco Aurora" and rebuilt.name(2) == "Vinícola Serra"
    finally:
        service.forget_account_indexes()
        engine.dispose()
