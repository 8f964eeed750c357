import ast
from pathlib import Path

import pytest
from sqlalchemy import select

from channelbase.auth import service
from channelbase.auth.models import ApiToken, User
from channelbase.core.errors import Conflict, InvalidInput, NotPermitted
from channelbase.demo.world import DEMO_PASSWORD

PACKAGE = Path(__file__).resolve().parents[2] / "channelbase"


def test_passwords_are_stored_as_argon2_hashes(db, world):
    user = db.get(User, world.users["lucia"])
    assert user.password_hash.startswith("$argon2id$") and DEMO_PASSWORD not in user.password_hash


def test_it_refuses_a_short_password(db, actor):
    with pytest.raises(InvalidInput, match="at least 12"):
        service.create_user(db, actor("admin"), email="x@y.com", name="X", role="manager", password="short")


def test_partner_users_need_a_partner(db, actor):
    with pytest.raises(InvalidInput, match="need a partner"):
        service.create_user(db, actor("admin"), email="p@y.com", name="P", role="partner", password="long-enough-pw")


def test_only_admins_create_users(db, actor):
    with pytest.raises(NotPermitted):
        service.create_user(db, actor("lucia"), email="m@y.com", name="M", role="manager", password="long-enough-pw")


def test_e_mail_addresses_are_unique_ignoring_case(db, actor):
    with pytest.raises(Conflict):
        service.create_user(db, actor("admin"), email="LUCIA@channelbase.demo", name="L", role="manager",
                            password="long-enough-pw")


def test_a_disabled_user_cannot_sign_in_and_loses_sessions_and_tokens(db, actor, world):
    lucia = actor("lucia")
    token = service.start_session(db, lucia)
    _t, secret = service.create_api_token(db, lucia, "sync")
    service.set_active(db, actor("admin"), "lucia@channelbase.demo", False)
    assert service.authenticate(db, "lucia@channelbase.demo", DEMO_PASSWORD) is None
    assert service.user_for_session(db, token) is None
    assert service.user_for_api_token(db, secret) is None


def test_api_tokens_are_stored_as_digests_and_can_be_revoked(db, actor):
    lucia = actor("lucia")
    token, secret = service.create_api_token(db, lucia, "sync")
    assert db.scalar(select(ApiToken.token_hash).where(ApiToken.id == token.id)) != secret
    assert service.user_for_api_token(db, secret).id == lucia.id
    service.revoke_api_token(db, lucia, token.id)
    assert service.user_for_api_token(db, secret) is None


def test_sign_in_is_limited_per_account(db):
    for _ in range(3):
        assert service.authenticate(db, "nathan@channelbase.demo", "wrong-wrong", max_failures=3) is None
    with pytest.raises(service.TooManyAttempts):
        service.authenticate(db, "nathan@channelbase.demo", DEMO_PASSWORD, max_failures=3)


ADAPTERS = [p for p in PACKAGE.rglob("*.py") if p.name in ("web.py", "api.py", "cli.py")
            or p.name.startswith(("web_", "api_", "cli_")) or p.name.endswith(("_web.py", "_api.py", "_cli.py"))]
SESSION_QUERIES = {"execute", "scalars", "scalar", "query", "get"}
ALLOWED_SQLALCHEMY = {"Session"}


def _sql_in(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy") \
                and node.module != "sqlalchemy.exc":
            found |= {a.name for a in node.names} - ALLOWED_SQLALCHEMY
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("sqlalchemy")}
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in SESSION_QUERIES and getattr(node.func.value, "id", "") in ("db", "session")):
            found.add(f"{node.func.value.id}.{node.func.attr}")
    return found


@pytest.mark.parametrize("path", ADAPTERS, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_adapters_issue_no_sql_of_their_own(path):
    """Reads go through services (and so through the visibility helper); adapters stay thin."""
    found = _sql_in(ast.parse(path.read_text()))
    assert not found, f"{path.name} builds SQL itself ({sorted(found)}); call a service instead"


def test_expired_sessions_and_old_attempts_are_purged(db, actor):
    from datetime import timedelta

    from channelbase.auth.models import LoginAttempt, WebSession
    from channelbase.core.base import utcnow
    token = service.start_session(db, actor("lucia"), days=1)
    db.add(LoginAttempt(email="x@y.z", at=utcnow() - timedelta(days=2)))
    db.flush()
    service.purge_expired(db, now=utcnow() + timedelta(days=2))
    assert service.user_for_session(db, token) is None
    assert db.scalar(select(WebSession.id).where(WebSession.token_hash == service.token_digest(token))) is None
    assert db.scalar(select(LoginAttempt.id).where(LoginAttempt.email == "x@y.z")) is None


def test_one_address_cannot_spray_passwords_across_accounts(db):
    for attempt in range(12):  # max_failures=3 per account, 4x that per address
        email = f"nobody{attempt}@channelbase.demo"
        assert service.authenticate(db, email, "guess-guess", ip="203.0.113.9", max_failures=3) is None
    with pytest.raises(service.TooManyAttempts, match="your network"):
        service.authenticate(db, "lucia@channelbase.demo", DEMO_PASSWORD, ip="203.0.113.9", max_failures=3)
    assert service.authenticate(db, "lucia@channelbase.demo", DEMO_PASSWORD, ip="198.51.100.7", max_failures=3)


def test_changing_the_password_checks_the_old_one_and_ends_other_sessions(db, actor):
    lucia = actor("lucia")
    here, elsewhere = service.start_session(db, lucia), service.start_session(db, lucia)
    with pytest.raises(InvalidInput, match="current password is wrong"):
        service.change_password(db, lucia, "not-it-at-all", "a-brand-new-secret")
    service.change_password(db, lucia, DEMO_PASSWORD, "a-brand-new-secret", keep_session=here)
    assert service.user_for_session(db, here) is not None
    assert service.user_for_session(db, elsewhere) is None
    assert service.authenticate(db, "lucia@channelbase.demo", DEMO_PASSWORD) is None
    assert service.authenticate(db, "lucia@channelbase.demo", "a-brand-new-secret") is not None
