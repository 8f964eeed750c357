"""What sell-out keeps: each distributor's column mapping, each uploaded file, its lines, and the aliases
people chose in the review queue (remembered for the distributor's next files)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from channelbase.core.base import Base, TimestampedMixin, UTCDateTime, VersionedMixin


class FileStatus:
    UPLOADED = "uploaded"   # stored, waiting for its column mapping to be checked
    CHECKED = "checked"     # dry run clean: importing it would write `line_count` lines
    REJECTED = "rejected"   # dry run found problems (by row and column): nothing can be written
    IMPORTED = "imported"   # its lines are the month's sell-out of the distributor
    REPLACED = "replaced"   # a corrected file of the same month took its place; its lines are gone

    DRAFTS = (UPLOADED, CHECKED, REJECTED)


class LineState:
    MATCHED = "matched"
    REVIEW = "review"  # a reseller, customer or product is still unmatched


class Kind:
    """What a line's text is matched to (also the kinds of review groups and aliases)."""

    RESELLER = "reseller"
    CUSTOMER = "customer"
    PRODUCT = "product"

    ALL = (RESELLER, CUSTOMER, PRODUCT)


class SelloutMapping(VersionedMixin, Base):
    """A distributor's column layout (field -> header) and parsing options, suggested for its next file."""

    __tablename__ = "sellout_mappings"

    distributor_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), nullable=False, unique=True)
    columns: Mapped[dict] = mapped_column(JSON, nullable=False)
    options: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)


class SelloutFile(VersionedMixin, Base):
    """One uploaded POS file of a distributor for a month. At most one file per distributor and month is
    imported at a time (the partial unique index): a corrected file replaces it in one transaction."""

    __tablename__ = "sellout_files"
    __table_args__ = (
        Index("ix_sellout_files_distributor_month", "distributor_id", "month"),
        Index("uq_sellout_files_imported_month", "distributor_id", "month", unique=True,
              sqlite_where=text("status = 'imported'"), postgresql_where=text("status = 'imported'")),
    )

    distributor_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), nullable=False)
    month: Mapped[date] = mapped_column(Date, nullable=False)  # the first day of the month
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=FileStatus.UPLOADED)
    mapping: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    options: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    total_rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    line_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    matched_lines: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    review_lines: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    error_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    errors: Mapped[list] = mapped_column(JSON, nullable=False, default=list)  # the first MAX_KEPT_ERRORS
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SelloutFileContent(Base):
    """The uploaded bytes, apart from the file row so that listing and auditing files never reads them."""

    __tablename__ = "sellout_file_contents"

    file_id: Mapped[int] = mapped_column(ForeignKey("sellout_files.id", ondelete="CASCADE"), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class SelloutLine(Base):
    """One row of an imported file: the texts as the distributor wrote them, the parsed values, and what each
    text matched (with the reason, e.g. "tax id" or "similar name 93"; '' while it waits for review)."""

    __tablename__ = "sellout_lines"
    __table_args__ = (
        Index("ix_sellout_lines_file_state", "file_id", "state"),
        Index("ix_sellout_lines_distributor_date", "distributor_id", "invoice_date"),
        Index("ix_sellout_lines_reseller_date", "reseller_partner_id", "invoice_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("sellout_files.id", ondelete="CASCADE"), nullable=False)
    distributor_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), nullable=False)
    row_number: Mapped[int] = mapped_column(Integer, nullable=False)
    reseller_text: Mapped[str] = mapped_column(String(200), nullable=False)
    reseller_tax_id: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    reseller_domain: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    customer_text: Mapped[str] = mapped_column(String(200), nullable=False)
    customer_tax_id: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    customer_domain: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    country: Mapped[str] = mapped_column(String(2), nullable=False, default="")
    sku: Mapped[str] = mapped_column(String(64), nullable=False)
    product_text: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    invoice_date: Mapped[date] = mapped_column(Date, nullable=False)
    # Review groups and aliases key on these (a company-name key; the SKU folded), not on the raw text.
    reseller_key: Mapped[str] = mapped_column(String(200), nullable=False)
    customer_key: Mapped[str] = mapped_column(String(200), nullable=False)
    product_key: Mapped[str] = mapped_column(String(200), nullable=False)
    reseller_partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), nullable=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), nullable=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), nullable=True)
    reseller_reason: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    customer_reason: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    product_reason: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    state: Mapped[str] = mapped_column(String(8), nullable=False)


class SelloutAlias(TimestampedMixin, Base):
    """A reviewer's choice for a text of a distributor's files: 'ACME SP' is partner 12. `target_id` None is
    "not an account we track" (customers only)."""

    __tablename__ = "sellout_aliases"
    __table_args__ = (UniqueConstraint("distributor_id", "kind", "key"),)

    distributor_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    key: Mapped[str] = mapped_column(String(200), nullable=False)
    text: Mapped[str] = mapped_column(String(200), nullable=False)
    target_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
