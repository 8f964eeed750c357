"""Plans through the services: creating one per partner and year, commitments while a draft, the partner's
signature locking it (and refusing a stale one), revisions, bad inputs, and who may see or sign."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from channelbase.core.audit import AuditEntry
from channelbase.core.errors import Conflict, Duplicate, InvalidInput, NotFound, NotPermitted, StaleEdit
from channelbase.plans import commitments, plans
from channelbase.plans.models import BusinessPlan, PlanCommitment, PlanRevision
from channelbase.plans.schemas import CommitmentIn, CommitmentUpdate, PlanCreate, PlanUpdate, ReviseIn, SignIn
from channelbase.web.forms import parse
from tests.plans.conftest import TODAY, draft_plan, line, signed_plan


@pytest.fixture
def abertas(world) -> int:
    return world.partners["abertas"]


def test_a_manager_creates_a_draft_for_the_running_fiscal_year_and_it_is_audited(db, actor, abertas):
    plan = plans.create_plan(db, actor("lucia"), PlanCreate(partner_id=abertas, objectives="Grow"), today=TODAY)
    assert (plan.fiscal_year, plan.status, plan.revision, plan.locked) == (2026, "draft", 1, False)
    entry = db.scalar(select(AuditEntry).where(AuditEntry.entity_type == "business_plans",
                                               AuditEntry.entity_id == plan.id))
    assert entry is not None and entry.action == "create"


def test_a_second_plan_for_the_same_partner_and_year_is_refused_clearly(db, actor, abertas):
    lucia = actor("lucia")
    plans.create_plan(db, lucia, PlanCreate(partner_id=abertas, fiscal_year=2027), today=TODAY)
    with pytest.raises(Duplicate) as refused:
        plans.create_plan(db, lucia, PlanCreate(partner_id=abertas, fiscal_year=2027), today=TODAY)
    assert str(refused.value) == ("Soluções Abertas Ltda. already has a plan for FY2027 (draft): edit it or "
                                  "revise it")
    assert refused.value.link == f"/partners/{abertas}/plan?year=2027"
    plans.create_plan(db, lucia, PlanCreate(partner_id=abertas, fiscal_year=2028), today=TODAY)  # another year


def test_only_staff_who_see_the_partner_create_plans(db, actor, abertas):
    with pytest.raises(NotFound):
        plans.create_plan(db, actor("nathan"), PlanCreate(partner_id=abertas), today=TODAY)
    with pytest.raises(NotPermitted):
        plans.create_plan(db, actor("ana"), PlanCreate(partner_id=abertas), today=TODAY)


@pytest.mark.parametrize("fields, field, message", [
    (dict(kind="bookings", q1="-5.00", q2="10.00"), "q1", "cannot be negative"),
    (dict(kind="registrations", q1="0", q2="0", q3="0", q4="0"), "q1", "at least one quarter"),
    (dict(kind="registrations", q1="2.5"), "q1", "not a whole number"),
    (dict(kind="bookings", q1="12,50,0"), "q1", "thousands"),
    (dict(kind="custom", q1="3"), "description", "needs a description"),
])
def test_bad_commitments_are_refused_beside_the_field(db, actor, abertas, fields, field, message):
    lucia = actor("lucia")
    plan = draft_plan(db, lucia, abertas, [])
    data = parse(CommitmentIn, {"side": "partner", **fields})
    with pytest.raises(InvalidInput) as refused:
        commitments.add_commitment(db, lucia, plan.id, data)
    assert field in refused.value.field_errors and message in str(refused.value) + str(refused.value.field_errors)


def test_an_unknown_kind_or_side_is_refused_by_the_schema():
    with pytest.raises(InvalidInput) as refused:
        parse(CommitmentIn, {"side": "partner", "kind": "revenue", "q1": "1"})
    assert "kind" in refused.value.field_errors
    with pytest.raises(InvalidInput):
        parse(CommitmentIn, {"side": "distributor", "kind": "bookings", "q1": "1"})


def test_money_targets_are_stored_in_minor_units_and_counts_as_they_are(db, actor, abertas):
    lucia = actor("lucia")
    plan = draft_plan(db, lucia, abertas, [line("bookings", "50000.00", "0", "1234.5"),
                                           line("registrations", "4", "", "6", "8")])
    stored = plans.commitments_of(db, lucia, plan.id)
    assert [c.targets for c in stored] == [(5000000, 0, 123450, 0), (4, 0, 6, 8)]


def test_commitments_change_and_go_while_a_draft(db, actor, abertas):
    lucia = actor("lucia")
    plan = draft_plan(db, lucia, abertas, [line("registrations", "1", "1", "1", "1")])
    [commitment] = plans.commitments_of(db, lucia, plan.id)
    version = plan.version
    commitments.update_commitment(db, lucia, plan.id, commitment.id, CommitmentUpdate(
        version=commitment.version, side="partner", kind="registrations", q1="3", q2="3", q3="3", q4="3"))
    db.flush()
    assert commitment.targets == (3, 3, 3, 3) and plan.version > version   # the plan moved on: signatures restart
    with pytest.raises(StaleEdit):
        commitments.update_commitment(db, lucia, plan.id, commitment.id, CommitmentUpdate(
            version=commitment.version - 1, side="partner", kind="registrations", q1="9"))
    from channelbase.plans.schemas import VersionIn
    commitments.remove_commitment(db, lucia, plan.id, commitment.id, VersionIn(version=commitment.version))
    db.flush()
    assert plans.commitments_of(db, lucia, plan.id) == []


def test_the_partner_signs_and_the_plan_locks(db, actor, abertas):
    lucia, ana = actor("lucia"), actor("ana")
    plan = signed_plan(db, lucia, ana, abertas, [line("registrations", "2", "2", "2", "2")])
    assert (plan.status, plan.locked, plan.signed_by_id) == ("signed", True, ana.id) and plan.signed_at
    [revision] = db.scalars(select(PlanRevision).where(PlanRevision.plan_id == plan.id)).all()
    assert revision.action == "signed" and revision.changed_by_id == ana.id
    assert revision.snapshot["commitments"] == [{"side": "partner", "kind": "registrations", "description": "",
                                                 "targets": [2, 2, 2, 2]}]
    [commitment] = plans.commitments_of(db, lucia, plan.id)
    for attempt in (lambda: commitments.add_commitment(db, lucia, plan.id, line("bookings", "1.00")),
                    lambda: commitments.update_commitment(db, lucia, plan.id, commitment.id, CommitmentUpdate(
                        version=commitment.version, side="partner", kind="registrations", q1="5")),
                    lambda: plans.update_plan(db, lucia, plan.id, PlanUpdate(version=plan.version, objectives="X"))):
        with pytest.raises(Conflict, match="signed plans are locked; start a revision"):
            attempt()
    with pytest.raises(Conflict):
        plans.sign_plan(db, ana, SignIn(plan_id=plan.id, version=plan.version, agree=True))


def test_a_signature_on_a_stale_version_is_refused(db, actor, abertas):
    lucia, ana = actor("lucia"), actor("ana")
    plan = draft_plan(db, lucia, abertas, [line("registrations", "2", "2", "2", "2")])
    read = plan.version
    commitments.add_commitment(db, lucia, plan.id, line("bookings", "1000.00"))   # changed after Ana read it
    db.flush()
    with pytest.raises(StaleEdit):
        plans.sign_plan(db, ana, SignIn(plan_id=plan.id, version=read, agree=True))
    assert plan.status == "draft"


def test_signing_needs_the_box_ticked_commitments_and_a_user_of_the_partner(db, actor, abertas):
    lucia, ana = actor("lucia"), actor("ana")
    empty = draft_plan(db, lucia, abertas, [])
    with pytest.raises(Conflict, match="no commitments yet"):
        plans.sign_plan(db, ana, SignIn(plan_id=empty.id, version=empty.version, agree=True))
    commitments.add_commitment(db, lucia, empty.id, line("registrations", "1"))
    db.flush()
    with pytest.raises(InvalidInput) as refused:
        plans.sign_plan(db, ana, SignIn(plan_id=empty.id, version=empty.version, agree=False))
    assert "agree" in refused.value.field_errors
    with pytest.raises(NotPermitted):
        plans.sign_plan(db, lucia, SignIn(plan_id=empty.id, version=empty.version, agree=True))


def test_another_partner_neither_sees_nor_signs_the_plan(db, actor, abertas):
    plan = draft_plan(db, actor("lucia"), abertas, [line("registrations", "1")])
    for who in ("bruno", "dora", "nathan"):
        with pytest.raises(NotFound):
            plans.get_plan(db, actor(who), plan.id)
    for who in ("bruno", "dora"):
        with pytest.raises(NotFound):
            plans.sign_plan(db, actor(who), SignIn(plan_id=plan.id, version=plan.version, agree=True))
    assert plans.get_plan(db, actor("ana"), plan.id).id == plan.id


def test_revising_makes_revision_2_as_a_draft_and_supersedes_the_signed_one(db, actor, abertas):
    lucia, ana = actor("lucia"), actor("ana")
    plan = signed_plan(db, lucia, ana, abertas, [line("registrations", "2", "2", "2", "2"),
                                                 line("custom", "1", side="vendor", description="MDF")])
    with pytest.raises(InvalidInput):
        parse(ReviseIn, {"version": plan.version, "reason": ""})
    revised = plans.revise_plan(db, lucia, plan.id, ReviseIn(version=plan.version, reason="Bigger Q4 push"))
    db.flush()
    assert (plan.status, revised.status, revised.revision) == ("superseded", "draft", 2)
    assert plans.active_plan(db, lucia, abertas, 2026).id == revised.id
    copied = plans.commitments_of(db, lucia, revised.id)
    assert [(c.kind, c.targets) for c in copied] == [("registrations", (2, 2, 2, 2)), ("custom", (1, 0, 0, 0))]
    history = plans.history(db, lucia, abertas, 2026)
    assert [(h.revision.revision, h.revision.action, h.revision.reason) for h in history] == [
        (2, "revised", "Bigger Q4 push"), (1, "signed", "")]
    commitments.add_commitment(db, lucia, revised.id, line("bookings", "500.00"))   # drafts change again
    plans.sign_plan(db, ana, SignIn(plan_id=revised.id, version=revised.version, agree=True))
    db.flush()
    assert revised.status == "signed" and len(plans.history(db, lucia, abertas, 2026)) == 3
    with pytest.raises(Conflict, match="superseded"):
        plans.revise_plan(db, lucia, plan.id, ReviseIn(version=plan.version, reason="Again"))


def test_a_draft_is_not_revised_and_the_database_keeps_one_active_plan(db, actor, abertas):
    lucia = actor("lucia")
    plan = draft_plan(db, lucia, abertas, [line("registrations", "1")])
    with pytest.raises(Conflict, match="draft"):
        plans.revise_plan(db, lucia, plan.id, ReviseIn(version=plan.version, reason="Why not"))
    from sqlalchemy.exc import IntegrityError
    db.add(BusinessPlan(partner_id=abertas, fiscal_year=2026, status="draft", revision=1,
                        active_key=plan.active_key, objectives=""))
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()


def test_the_list_shows_the_visible_partners_plans_of_a_year(db, actor, world, abertas):
    from channelbase.plans.schemas import PlanFilter
    lucia = actor("lucia")
    draft_plan(db, lucia, abertas, [line("registrations", "1")])
    draft_plan(db, lucia, world.partners["bravo"], [line("registrations", "1")])
    draft_plan(db, actor("nathan"), world.partners["northwind"], [line("registrations", "1")])
    year, page = plans.list_plans(db, lucia, PlanFilter(fiscal_year=2026), today=TODAY)
    assert year == 2026 and [line.partner.name for line in page.items] == ["Nube Bravo S.A. de C.V.",
                                                                           "Soluções Abertas Ltda."]
    assert page.items[0].commitments == 1
    _year, found = plans.list_plans(db, lucia, PlanFilter(fiscal_year=2026, q="abertas"), today=TODAY)
    assert [line.partner.name for line in found.items] == ["Soluções Abertas Ltda."]
    _year, signed = plans.list_plans(db, lucia, PlanFilter(fiscal_year=2026, status="signed"), today=TODAY)
    assert signed.total == 0
    _year, brazil = plans.list_plans(db, lucia, PlanFilter(fiscal_year=2026, territory_id=world.territories["brazil"]),
                                     today=TODAY)
    assert [line.partner.name for line in brazil.items] == ["Soluções Abertas Ltda."]
    _year, everyone = plans.list_plans(db, actor("admin"), PlanFilter(fiscal_year=2026), today=TODAY, per_page=2)
    assert everyone.total == 3 and everyone.pages == 2
    with pytest.raises(NotPermitted):
        plans.list_plans(db, actor("ana"), PlanFilter(), today=TODAY)


def test_commitment_rows_follow_the_plans_visibility(db, actor, abertas):
    from channelbase.auth.visibility import visible
    plan = draft_plan(db, actor("lucia"), abertas, [line("registrations", "1")])
    for who, expected in (("ana", 1), ("bruno", 0), ("nathan", 0), ("lucia", 1)):
        rows = db.scalars(visible(select(PlanCommitment), actor(who)).where(PlanCommitment.plan_id == plan.id))
        assert len(rows.all()) == expected, who
