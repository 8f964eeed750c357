"""Trainings in real Chromium: a manager creates a course and a one-seat session, enrols a partner's person
by e-mail; a second person waits; the partner user sees the session and her company's enrolment in the portal."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_manager_schedules_a_session_and_enrols_people_who_see_it_in_the_portal(page_as):
    lucia = page_as("lucia@channelbase.demo")
    lucia.goto("/trainings")
    lucia.get_by_label("Name").fill("Browser sales basics")
    lucia.get_by_label("Duration (hours)").fill("3")
    lucia.get_by_label("Certification valid for (months)").fill("12")
    lucia.get_by_role("button", name="Create course").click()
    expect(lucia.get_by_role("status")).to_contain_text("Course created")
    lucia.locator("#f-course_id").select_option(label="Browser sales basics")
    lucia.get_by_label("Starts (local time)").fill((datetime.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    lucia.get_by_label("Capacity").fill("1")
    lucia.get_by_label("Or the place").fill("São Paulo, sala 3")
    lucia.get_by_role("button", name="Schedule").click()
    expect(lucia.locator(".alert-error")).to_contain_text("start in the past")  # nothing was scheduled
    lucia.get_by_label("Starts (local time)").fill((datetime.now() + timedelta(days=9)).strftime("%Y-%m-%dT%H:%M"))
    lucia.get_by_role("button", name="Schedule").click()
    lucia.wait_for_url(re.compile(r"/trainings/sessions/\d+$"))
    for email in ("ana@abertas.com.br", "bruno@nubebravo.mx"):
        lucia.get_by_label("Enrol a partner's contact (e-mail)").fill(email)
        lucia.get_by_role("button", name="Enrol", exact=True).click()
    expect(lucia.get_by_role("status")).to_contain_text("waitlist")  # one seat: Bruno waits
    expect(lucia.locator("main table")).to_contain_text("Waitlisted (#1)")

    ana = page_as("ana@abertas.com.br")
    ana.goto("/portal/trainings")  # in Portuguese
    expect(ana.locator("main")).to_contain_text("Browser sales basics")
    expect(ana.locator("main")).to_contain_text("Ana Souza — Browser sales basics")
    expect(ana.locator("main")).not_to_contain_text("Bruno Castillo")  # another partner's person
