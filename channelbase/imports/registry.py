"""Every kind of row an import takes, by the name people type (`channelbase import accounts FILE`)."""

from __future__ import annotations

from channelbase.imports.entities import ACCOUNTS, CONTACTS, PARTNERS, EntitySpec
from channelbase.imports.fx_entities import FX_RATES
from channelbase.imports.pipeline_entities import ACTIVITIES, OPPORTUNITIES

ENTITIES: dict[str, EntitySpec] = {spec.name: spec for spec in (PARTNERS, CONTACTS, ACCOUNTS, OPPORTUNITIES,
                                                                  ACTIVITIES, FX_RATES)}
