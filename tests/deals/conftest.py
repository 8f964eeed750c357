"""Personas as fixtures for the deal tests."""

import pytest


@pytest.fixture
def admin(actor):
    return actor("admin")


@pytest.fixture
def lucia(actor):
    return actor("lucia")


@pytest.fixture
def ana(actor):
    return actor("ana")
