"""The home page's deal figures count only what the actor may see."""

from datetime import datetime, timedelta, timezone

from channelbase.deals import registrations
from channelbase.deals.deal_schemas import ApproveIn
from channelbase.deals.summary import deal_summary


def test_the_figures_follow_the_sla_the_expiry_window_and_visibility(db, actor, world):
    lucia = actor("lucia")
    submitted = registrations.get_registration(db, lucia, world.registrations["abertas"]).submitted_at
    fresh = deal_summary(db, lucia, now=submitted + timedelta(hours=1))
    assert (fresh.awaiting_decision, fresh.past_sla, fresh.expiring_soon, fresh.open_opportunities) == (1, 0, 0, 1)
    assert deal_summary(db, lucia, now=submitted + timedelta(hours=49)).past_sla == 1  # the default 48 h SLA

    registrations.approve(db, lucia, world.registrations["abertas"], ApproveIn(version=1), now=submitted)
    approved = deal_summary(db, lucia, now=submitted)
    assert (approved.awaiting_decision, approved.expiring_soon) == (0, 0)  # 90 days left
    assert deal_summary(db, lucia, now=submitted + timedelta(days=80)).expiring_soon == 1

    for outsider in ("nathan", "bruno"):
        nothing = deal_summary(db, actor(outsider), now=datetime.now(timezone.utc))
        assert (nothing.awaiting_decision, nothing.open_opportunities) == (0, 0)


def test_the_home_page_shows_the_figures_with_links(client_as):
    page = client_as("lucia").get("/")
    assert page.status_code == 200
    assert 'href="/registrations?status=submitted"><div class="value">1</div>' in page.text
    assert "Open opportunities" in page.text
