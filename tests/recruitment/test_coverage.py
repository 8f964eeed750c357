"""Coverage: targets per territory and partner type against active and onboarding partners, sub-territories
included, the gap, who may set targets, and a fixed number of queries however many territories."""

from __future__ import annotations

import pytest

from channelbase.core.errors import InvalidInput, NotPermitted, StaleEdit
from channelbase.partners import service as partners
from channelbase.recruitment import coverage
from channelbase.recruitment.schemas import TargetIn
from channelbase.web.forms import parse

from tests.recruitment.conftest import counted_statements


def _target(db, actor, world, territory: str, kind: str, target: int, who: str = "admin", version=None):
    return coverage.set_target(db, actor(who), TargetIn(territory_id=world.territories[territory], partner_type=kind,
                                                         target=target, version=version))


def test_counts_include_sub_territories_and_the_gap_subtracts_active_and_onboarding(db, actor, world, add_partner):
    # Brazil already has Soluções Abertas (VAR, active); Mexico none of type VAR.
    add_partner("Onboarding Redes Ltda.", status="onboarding")
    add_partner("Prospecto Redes Ltda.", status="prospect")
    add_partner("Inativa Redes Ltda.", status="inactive")
    add_partner("Regio Sistemas S.A. de C.V.", territory="mexico", country="MX")
    gone = add_partner("Apagada Redes Ltda.")
    partners.delete_partner(db, actor("admin"), gone.id)
    _target(db, actor, world, "brazil", "var", 5)
    _target(db, actor, world, "latam", "var", 10)
    view = coverage.coverage(db, actor("lucia"))
    brazil = view.cell(world.territories["brazil"], "var")
    assert (brazil.active, brazil.onboarding, brazil.prospects, brazil.target.target, brazil.gap) == (1, 1, 1, 5, 3)
    latam = view.cell(world.territories["latam"], "var")
    assert (latam.active, latam.onboarding, latam.prospects, latam.gap) == (2, 1, 1, 7)
    mexico_msp = view.cell(world.territories["mexico"], "msp")
    assert (mexico_msp.active, mexico_msp.target, mexico_msp.gap) == (1, None, 0)  # no target, no gap
    # Lucía sees her region only; the admin sees the whole tree, Americas counting everyone.
    assert {t.name for t in view.territories} == {"Latin America", "Brazil", "Mexico", "Argentina", "Chile",
                                                  "Colombia", "Peru"}
    everywhere = coverage.coverage(db, actor("admin"))
    assert everywhere.cell(world.territories["americas"], "var").covered == 3
    assert everywhere.cell(world.territories["americas"], "lvar").active == 1  # Northwind, US East


def test_filters_narrow_to_a_subtree_a_type_and_the_gaps(db, actor, world):
    _target(db, actor, world, "brazil", "msp", 2)
    view = coverage.coverage(db, actor("lucia"), territory_id=world.territories["latam"], partner_type="msp",
                             gaps_only=True)
    assert view.types == ["msp"]
    assert [t.name for t in view.territories] == ["Brazil"]
    assert view.total_gap == 2


def test_managers_set_targets_in_their_own_territories_only(db, actor, world):
    target = _target(db, actor, world, "brazil", "var", 4, who="lucia")
    assert target.target == 4
    with pytest.raises(InvalidInput, match="not one of yours"):
        _target(db, actor, world, "us_east", "var", 4, who="lucia")
    with pytest.raises(NotPermitted):
        _target(db, actor, world, "brazil", "var", 4, who="ana")
    assert _target(db, actor, world, "us_east", "var", 4).target == 4  # admins anywhere


def test_a_target_is_updated_in_place_and_a_stale_edit_is_refused(db, actor, world):
    first = _target(db, actor, world, "brazil", "var", 4)
    db.flush()
    version = first.version
    updated = _target(db, actor, world, "brazil", "var", 6, version=version)
    db.flush()
    assert updated.id == first.id and updated.target == 6
    with pytest.raises(StaleEdit):
        _target(db, actor, world, "brazil", "var", 8, version=version)


def test_targets_must_be_non_negative_whole_numbers_of_a_known_type(world):
    brazil = world.territories["brazil"]
    with pytest.raises(InvalidInput) as negative:
        parse(TargetIn, {"territory_id": brazil, "partner_type": "var", "target": "-1"})
    assert "target" in negative.value.field_errors
    with pytest.raises(InvalidInput) as fraction:
        parse(TargetIn, {"territory_id": brazil, "partner_type": "var", "target": "2.5"})
    assert "target" in fraction.value.field_errors
    with pytest.raises(InvalidInput) as unknown:
        parse(TargetIn, {"territory_id": brazil, "partner_type": "reseller", "target": "3"})
    assert "partner_type" in unknown.value.field_errors


def test_the_matrix_costs_the_same_queries_whatever_its_size(db, actor, world, add_partner):
    admin = actor("admin")
    with counted_statements(db) as few:
        coverage.coverage(db, admin)
    for index in range(5):
        add_partner(f"Mais Redes {index} Ltda.", territory="chile" if index % 2 else "peru", country="CL")
    _target(db, actor, world, "chile", "var", 3)
    _target(db, actor, world, "peru", "msp", 3)
    db.flush()
    with counted_statements(db) as many:
        coverage.coverage(db, admin)
    assert len(many) == len(few) <= 4
