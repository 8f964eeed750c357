"""The weights of the health components: defaults while none is stored, set by an admin as whole numbers from 0
to 100 adding up to 100, audited, refused when stale, and used by the scores."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from channelbase.core.audit import AuditEntry
from channelbase.core.errors import InvalidInput, NotPermitted, StaleEdit
from channelbase.health import weights
from channelbase.health.components import COMPONENT_KEYS, DEFAULT_WEIGHTS, Subject
from channelbase.health.schemas import HealthWeightsIn, read_weights_form, weight_field
from channelbase.health.score import compute
from channelbase.web.forms import parse

from tests.health.conftest import TODAY


def _form(stamp: str, **values: int | str) -> dict[str, str]:
    data = {weight_field(key): str(DEFAULT_WEIGHTS[key]) for key in COMPONENT_KEYS}
    data.update({weight_field(key): str(value) for key, value in values.items()})
    return {**data, "stamp": stamp}


def test_the_defaults_add_up_to_100_and_apply_while_nothing_is_stored(db, actor):
    assert sum(DEFAULT_WEIGHTS.values()) == 100 and set(DEFAULT_WEIGHTS) == set(COMPONENT_KEYS)
    current = weights.current_weights(db, actor("lucia"))
    assert current.values == DEFAULT_WEIGHTS and current.defaulted
    assert weights.weights_in_force(db) == DEFAULT_WEIGHTS


def test_an_admin_saves_the_weights_and_each_change_is_audited(db, actor):
    admin = actor("admin")
    opened = weights.current_weights(db, admin)
    changed = weights.save_weights(db, admin, read_weights_form(_form(opened.stamp, cadence=30, pipeline=10)))
    assert changed == len(COMPONENT_KEYS)  # every weight is stored the first time
    saved = weights.current_weights(db, admin)
    assert not saved.defaulted and saved.values["cadence"] == 30 and saved.values["pipeline"] == 10
    assert weights.save_weights(db, admin, read_weights_form(_form(saved.stamp, cadence=25, pipeline=15))) == 2
    entries = db.scalars(select(AuditEntry).where(AuditEntry.entity_type == "health_weights")
                         .order_by(AuditEntry.id)).all()
    assert [e.action for e in entries].count("create") == len(COMPONENT_KEYS)
    assert [(e.before["weight"], e.after["weight"]) for e in entries if e.action == "update"] == [(30, 25), (10, 15)]
    assert weights.weights_in_force(db)["cadence"] == 25


def test_weights_that_do_not_add_up_to_100_are_refused_with_the_total(db, actor):
    admin = actor("admin")
    stamp = weights.current_weights(db, admin).stamp
    with pytest.raises(InvalidInput) as refused:
        read_weights_form(_form(stamp, cadence=10))
    assert refused.value.message == "The weights add up to 90 %: they must add up to 100 %."
    assert refused.value.field_errors == {"total": "The weights add up to 90 %: they must add up to 100 %"}
    with pytest.raises(InvalidInput) as over:
        read_weights_form(_form(stamp, cadence=40))
    assert "add up to 120 %" in over.value.message
    with pytest.raises(InvalidInput) as schema:  # the schema checks it too, for callers that skip the form
        parse(HealthWeightsIn, {"stamp": stamp, "weights": {**DEFAULT_WEIGHTS, "nps": 0}})
    assert schema.value.field_errors["weights"] == "The weights add up to 90 %: they must add up to 100 %"


@pytest.mark.parametrize(("value", "message"), [
    ("-5", "cannot be negative: enter 0 to 100"),
    ("120", "must be 100 or less"),
    ("12.5", "must be a whole number from 0 to 100"),
    ("", "required: enter 0 to leave the component out"),
])
def test_each_weight_is_a_whole_number_from_0_to_100(db, actor, value, message):
    stamp = weights.current_weights(db, actor("admin")).stamp
    with pytest.raises(InvalidInput) as refused:
        read_weights_form(_form(stamp, nps=value))
    assert refused.value.field_errors == {"weight_nps": message}
    assert refused.value.message.startswith(f"Satisfaction (NPS): {message}")


def test_a_weight_may_be_typed_with_a_percent_sign(db, actor):
    data = read_weights_form(_form("x", cadence="20 %"))
    assert data.weights["cadence"] == 20


def test_weights_saved_meanwhile_refuse_the_older_form_and_only_admins_save(db, actor):
    admin = actor("admin")
    opened = weights.current_weights(db, admin)
    weights.save_weights(db, admin, read_weights_form(_form(opened.stamp, cadence=30, pipeline=10)))
    with pytest.raises(StaleEdit) as stale:
        weights.save_weights(db, admin, read_weights_form(_form(opened.stamp, cadence=10, pipeline=30)))
    assert stale.value.status == 409 and "changed by Ada Admin" in stale.value.message
    with pytest.raises(NotPermitted):
        weights.save_weights(db, actor("lucia"), read_weights_form(_form(weights.current_weights(db, admin).stamp)))
    with pytest.raises(NotPermitted):
        weights.current_weights(db, actor("ana"))


def test_the_stored_weights_make_the_scores(db, actor, known):
    admin = actor("admin")
    everything_on_cadence = {key: 0 for key in COMPONENT_KEYS} | {"cadence": 100}
    weights.save_weights(db, admin, read_weights_form(
        {**{weight_field(k): str(v) for k, v in everything_on_cadence.items()},
         "stamp": weights.current_weights(db, admin).stamp}))
    health = compute(db, [Subject(known.partner_id, "gold")], TODAY)[known.partner_id]
    assert health.score == Decimal("41.7")  # the cadence component alone
