"""Engagement: activities, tasks, contact cadence, My day, calendar feeds and the weekly digest."""
