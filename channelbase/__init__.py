"""Channelbase: partner relationship management for channel sales teams."""

__version__ = "0.2.0"
