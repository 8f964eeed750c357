"""Onboarding journeys: the steps from a signed agreement to a productive partner."""
