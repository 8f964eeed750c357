"""Webhooks: signed JSON events to other systems, queued in the action's transaction and sent in the background."""
