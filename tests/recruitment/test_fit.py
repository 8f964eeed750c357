"""The fit score: each criterion's share and explanation, the weighted total, the built-in defaults, and the
checks on the criteria an admin saves."""

from __future__ import annotations

import pytest

from channelbase.core.errors import InvalidInput, NotPermitted, StaleEdit
from channelbase.partners.models import Partner
from channelbase.recruitment import coverage, fit
from channelbase.recruitment.fit import Scorer
from channelbase.recruitment.schemas import CriterionIn, TargetIn

WEIGHTS = {"coverage_gap": (25, ""), "partner_type": (15, "var, MSP"), "industries": (15, "Government, Healthcare"),
           "skills": (20, "linux, cloud, kubernetes"), "size": (10, "20"), "vendors": (15, "AWS, Microsoft")}


@pytest.fixture
def criteria(db, actor):
    fit.save_criteria(db, actor("admin"), [CriterionIn(key=k, weight=w, wanted=v) for k, (w, v) in WEIGHTS.items()])
    db.flush()


def _target(db, actor, world, territory: str, kind: str, target: int):
    coverage.set_target(db, actor("admin"), TargetIn(territory_id=world.territories[territory], partner_type=kind,
                                                     target=target))
    db.flush()


def _score(db, record):
    return Scorer(db).score(db.get(Partner, record.partner_id), record)


def _lines(result) -> dict[str, tuple[float, str]]:
    return {line.key: (round(line.points, 2), line.text) for line in result.lines}


def test_each_criterion_is_scored_and_explained_and_the_total_is_the_weighted_share(db, actor, world, criteria,
                                                                                    add_prospect):
    _target(db, actor, world, "brazil", "var", 3)  # Brazil has Soluções Abertas: 1 of 3
    record = add_prospect("Caju Cloud Ltda.", industries="government, Retail", skills="Linux, cloud, sap",
                          employees=12)
    result = _score(db, record)
    lines = _lines(result)
    assert lines["coverage_gap"] == (25, "Fills a gap: Brazil has 1 of 3 VAR partners → 25 of 25")
    assert lines["partner_type"] == (15, "VAR is a wanted type (VAR, MSP) → 15 of 15")
    assert lines["industries"] == (15, "Serves government (wanted: Government, Healthcare) → 15 of 15")
    assert lines["skills"] == (13.33, "Has 2 of 3 wanted skills (linux, cloud) → 13 of 20")
    assert lines["size"] == (0, "12 employees, fewer than the 20 wanted → 0 of 10")
    assert lines["vendors"] == (0, "Vendors unknown: fill in the fit inputs → 0 of 15")
    assert result.score == round(100 * (25 + 15 + 15 + 20 * 2 / 3) / 100) == 68


def test_criteria_met_and_missed(db, actor, world, criteria, add_prospect):
    _target(db, actor, world, "mexico", "distributor", 1)
    _target(db, actor, world, "latam", "distributor", 5)
    record = add_prospect("Maguey Mayorista S.A.", type="distributor", territory="mexico", country="MX",
                          industries="Retail", skills="windows", employees=250, vendors="microsoft, Oracle")
    lines = _lines(_score(db, record))
    # Mexico's own target wins over Latin America's; Mexico has no distributor yet.
    assert lines["coverage_gap"][1] == "Fills a gap: Mexico has 0 of 1 Distributor partners → 25 of 25"
    assert lines["partner_type"] == (0, "Distributor is not a wanted type (VAR, MSP) → 0 of 15")
    assert lines["industries"] == (0, "None of the wanted industries (Government, Healthcare) → 0 of 15")
    assert lines["skills"] == (0, "Has 0 of 3 wanted skills → 0 of 20")
    assert lines["size"] == (10, "250 employees, at least the 20 wanted → 10 of 10")
    assert lines["vendors"] == (15, "Works with microsoft (wanted: AWS, Microsoft) → 15 of 15")


def test_the_gap_comes_from_the_nearest_territory_above_with_a_target(db, actor, world, criteria, add_prospect):
    record = add_prospect("Pampa Redes S.R.L.", territory="argentina", country="AR")
    assert _lines(_score(db, record))["coverage_gap"] == (
        0, "No coverage target for VAR partners in Argentina or above → 0 of 25")
    _target(db, actor, world, "latam", "var", 1)  # met by Soluções Abertas in Brazil
    assert _lines(_score(db, record))["coverage_gap"] == (
        0, "No gap: Latin America has 1 of 1 VAR partners → 0 of 25")


def test_built_in_defaults_apply_until_an_admin_saves_criteria(db, actor, add_prospect):
    current = fit.criteria(db, actor("lucia"))
    assert [(c.key, c.weight, c.version) for c in current] == [(k, w, None) for k, (w, _v) in fit.DEFAULTS.items()]
    record = add_prospect("Buriti Nuvem Ltda.", skills="linux, cloud, kubernetes", employees=30)
    result = _score(db, record)
    assert len(result.lines) == 6 and 0 < result.score < 100


def test_saving_criteria_is_for_admins_validated_and_versioned(db, actor):
    items = [CriterionIn(key=k, weight=w, wanted=v) for k, (w, v) in WEIGHTS.items()]
    with pytest.raises(NotPermitted):
        fit.save_criteria(db, actor("lucia"), items)
    saved = {row.key: row for row in fit.save_criteria(db, actor("admin"), items)}
    db.flush()
    assert saved["partner_type"].wanted == "var, msp"  # tidied to the type keys
    zero = [CriterionIn(key=k, weight=0, wanted=v) for k, (_w, v) in WEIGHTS.items()]
    with pytest.raises(InvalidInput, match="At least one criterion needs a weight above 0"):
        fit.save_criteria(db, actor("admin"), zero)
    bad = {k: CriterionIn(key=k, weight=w, wanted=v) for k, (w, v) in WEIGHTS.items()}
    bad["partner_type"] = CriterionIn(key="partner_type", weight=10, wanted="var, reseller")
    bad["size"] = CriterionIn(key="size", weight=10, wanted="many")
    bad["skills"] = CriterionIn(key="skills", weight=10, wanted=" , ")
    with pytest.raises(InvalidInput) as problems:
        fit.save_criteria(db, actor("admin"), list(bad.values()))
    assert set(problems.value.field_errors) == {"wanted_partner_type", "wanted_size", "wanted_skills"}
    assert "unknown type reseller" in problems.value.field_errors["wanted_partner_type"]
    stale = {k: saved[k].version - 1 for k in saved}
    changed = [CriterionIn(key=k, weight=w + 1, wanted=v) for k, (w, v) in WEIGHTS.items()]
    with pytest.raises(StaleEdit):
        fit.save_criteria(db, actor("admin"), changed, stale)


def test_the_criteria_form_wants_whole_weights_from_0_to_100():
    form = {f"weight_{k}": str(w) for k, (w, _v) in WEIGHTS.items()} | {f"wanted_{k}": v for k, (_w, v) in WEIGHTS.items()}
    items, versions = fit.criteria_from_form(form | {"version_size": "3"})
    assert [i.weight for i in items] == [w for w, _v in WEIGHTS.values()] and versions["size"] == 3
    with pytest.raises(InvalidInput) as problem:
        fit.criteria_from_form(form | {"weight_size": "101", "weight_skills": "-1", "weight_vendors": "x"})
    assert set(problem.value.field_errors) == {"weight_size", "weight_skills", "weight_vendors"}
    assert "from 0 to 100" in problem.value.message
