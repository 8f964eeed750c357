"""Words the portal shows for values stored in English (statuses, the default stages, partner types),
marked here so they reach the catalogues. A stage an admin renamed shows as they wrote it."""

from __future__ import annotations

from channelbase.core.i18n import N_, gettext

REGISTRATION_STATUSES = {"submitted": N_("Awaiting decision"), "approved": N_("Approved"),
                         "rejected": N_("Rejected"), "converted": N_("Converted to an opportunity"),
                         "expired": N_("Expired")}
DEFAULT_STAGE_NAMES = [N_("Qualify"), N_("Discover"), N_("Propose"), N_("Negotiate"), N_("Commit"),
                       N_("Closed won"), N_("Closed lost")]
OUTCOMES = {"open": N_("Open"), "won": N_("Won"), "lost": N_("Lost")}


def status_label(status: str) -> str:
    return gettext(REGISTRATION_STATUSES.get(status, status))


def stage_label(name: str) -> str:
    return gettext(name)


def outcome_label(outcome: str) -> str:
    return gettext(OUTCOMES.get(outcome, outcome))


# What a field needs, in the reader's language: the services explain a refusal in English, precisely;
# a Spanish or Portuguese reader sees this instead beside the field.
FIELD_HINTS = {
    "partner_id": N_("Choose your company or a reseller you supply."),
    "title": N_("Give the deal a title (up to 200 characters)."),
    "customer_name": N_("Give the customer's name and country."),
    "customer_country": N_("Use the country's two-letter code, e.g. BR, MX, US."),
    "customer_website": N_("Enter the customer's website, e.g. example.com.br."),
    "customer_tax_id": N_("This tax id is not valid for the customer's country."),
    "amount": N_("Enter an amount above zero, e.g. 24000.00 or 24.000,00."),
    "currency": N_("Use a three-letter currency code, e.g. USD, BRL, MXN."),
    "expected_close_date": N_("Choose a close date from today up to 5 years ahead."),
    "close_date": N_("Choose a close date from a year ago up to 5 years ahead."),
    "stage": N_("Choose one of the stages."),
    "next_step": N_("Keep the next step under 300 characters."),
    "notes": N_("Keep the notes under 4,000 characters."),
    "reason": N_("Say why the deal needs more time."),
    "email": N_("Enter a valid e-mail address that has no account yet."),
    "name": N_("Give the person's name."),
    "version": N_("Someone changed this record meanwhile: reload the page and try again."),
}


def field_hints(errors: dict[str, str], language: str) -> dict[str, str]:
    """The errors beside each field, in the reader's language (English keeps the services' own words)."""
    if language == "en":
        return errors
    return {field: gettext(FIELD_HINTS[field]) if field in FIELD_HINTS else message
            for field, message in errors.items()}
