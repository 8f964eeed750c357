"""Personas as fixtures for the engagement tests."""

import pytest


@pytest.fixture
def admin(actor):
    return actor("admin")


@pytest.fixture
def lucia(actor):
    return actor("lucia")


@pytest.fixture
def nathan(actor):
    return actor("nathan")


@pytest.fixture
def ana(actor):
    return actor("ana")
