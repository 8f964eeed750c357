"""Finding partners where the territory needs them: coverage targets, the recruitment funnel, fit scores and applications."""
