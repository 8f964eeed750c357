"""Quotas, attainment, forecast, dashboards and QBR packs."""
