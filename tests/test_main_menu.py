"""The staff menu: everyday pages as links, the rest in three groups; the group of the page shown is marked,
and each role sees only the links it may follow."""

from __future__ import annotations

import re


def _groups(html: str) -> dict[str, tuple[bool, list[str]]]:
    """{group label: (marked current, [hrefs])} of the main menu's groups."""
    groups = {}
    for classes, label, body in re.findall(
            r'<details class="navgroup( current)?">\s*<summary>([^<]+)</summary>(.*?)</details>', html, re.S):
        groups[label] = (bool(classes), re.findall(r'href="([^"]+)"', body))
    return groups


def test_the_admin_menu_groups_its_pages_and_marks_the_group_of_the_page_shown(client_as):
    html = client_as("admin").get("/health").text
    groups = _groups(html)
    assert list(groups) == ["Engage", "Develop", "Data & settings"]
    assert groups["Develop"] == (True, ["/recruitment", "/onboarding", "/tiers", "/plans", "/health", "/strategy"])
    assert groups["Engage"][0] is False and groups["Engage"][1][0] == "/tasks"
    assert {"/imports", "/fx-rates", "/users", "/webhooks", "/stages"} <= set(groups["Data & settings"][1])
    assert '<a href="/health" aria-current="page">' in html
    assert '<script src="/static/nav.js" defer></script>' in html


def test_a_manager_sees_no_admin_links_and_the_coverage_page_marks_develop(client_as):
    groups = _groups(client_as("lucia").get("/coverage").text)
    assert groups["Develop"][0] is True
    data = groups["Data & settings"][1]
    assert "/imports" in data and not {"/users", "/webhooks", "/stages"} & set(data)

