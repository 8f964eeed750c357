"""What the public application form says, marked for the catalogues (English here; Spanish and Brazilian
Portuguese in channelbase/locale). Services raise these English texts; the page translates them when shown."""

from __future__ import annotations

from channelbase.core.i18n import N_

FIELD_MESSAGES = {
    "company": N_("Enter your company's name (up to 200 characters)."),
    "website": N_("Enter your company's website or domain, e.g. example.com."),
    "country": N_("Choose your country."),
    "partner_type": N_("Choose the kind of partner you are."),
    "contact_name": N_("Enter your name (up to 200 characters)."),
    "email": N_("Enter a valid e-mail address, e.g. name@example.com."),
    "phone": N_("Use only digits, spaces and + ( ) - . in the phone number (up to 40 characters)."),
    "industries": N_("Choose at least one industry from the list."),
    "skills": N_("Choose at least one skill from the list."),
    "employees": N_("Enter the number of employees as a whole number, 1 or more."),
    "message": N_("Keep the message under 2,000 characters."),
    "consent": N_("Tick the box so that we may store your details and contact you."),
}
CHECK_FIELDS = N_("Please check the fields marked below.")
TOO_FAST = N_("That was quicker than a person fills this form. Please check your details and send it again.")
EXPIRED = N_("This form has expired. Please check your details and send it again.")
HONEYPOT_FILLED = N_("We could not accept this form. Please send it again and leave the field marked "
                     "\u201cleave this field empty\u201d blank.")
TOO_MANY = N_("Too many applications were sent from your network in the last hour. Please try again later.")
ALREADY_KNOWN = N_("We already know this company, from an earlier application or as a partner, so there is "
                   "no need to apply again: we will be in touch.")
NOT_OPEN = N_("Applications are not open yet. Please try again later.")

TYPE_LABELS = {
    "distributor": N_("Distributor"),
    "dmr": N_("Direct market reseller (DMR)"),
    "var": N_("Value-added reseller (VAR)"),
    "lvar": N_("Large value-added reseller (LVAR)"),
    "msp": N_("Managed service provider (MSP)"),
    "si": N_("System integrator (SI / GSI)"),
    "public_sector": N_("Public-sector reseller"),
}
# Stored in English (the fit criteria compare them with the wanted industries); shown translated.
INDUSTRY_LABELS = {
    "Education": N_("Education"),
    "Energy": N_("Energy"),
    "Financial services": N_("Financial services"),
    "Government": N_("Government"),
    "Healthcare": N_("Healthcare"),
    "Manufacturing": N_("Manufacturing"),
    "Media": N_("Media"),
    "Retail": N_("Retail"),
    "Technology": N_("Technology"),
    "Telecommunications": N_("Telecommunications"),
    "Transportation": N_("Transportation"),
}
SKILL_LABELS = {
    "linux": N_("Linux"),
    "cloud": N_("Cloud"),
    "kubernetes": N_("Kubernetes"),
    "containers": N_("Containers"),
    "automation": N_("Automation"),
    "security": N_("Security"),
    "virtualization": N_("Virtualization"),
    "databases": N_("Databases"),
    "networking": N_("Networking"),
    "sap": N_("SAP"),
}
