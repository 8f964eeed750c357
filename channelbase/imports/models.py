"""What an import keeps: the column mappings people save, each run with its counts and row errors, the
process working on a run, and the external ids of the rows it brought in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from channelbase.core.base import Base, TimestampedMixin, UTCDateTime, VersionedMixin


class ImportMapping(VersionedMixin, Base):
    """A saved column mapping (field -> header in the file) for one kind of row, reused on the next file."""

    __tablename__ = "import_mappings"
    __table_args__ = (UniqueConstraint("entity", "name"),)

    entity: Mapped[str] = mapped_column(String(30), nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    columns: Mapped[dict] = mapped_column(JSON, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)


class ImportStatus:
    NEW = "new"              # uploaded: its columns wait to be mapped
    CHECKING = "checking"
    CHECKED = "checked"      # dry run finished: the report says what a commit would do
    IMPORTING = "importing"
    DONE = "done"
    FAILED = "failed"        # problems found (by row and column) or the commit failed: nothing written


class ImportRun(TimestampedMixin, Base):
    """One file through dry run and commit. The file stays here (not on a worker's disk) between the two."""

    __tablename__ = "import_runs"

    entity: Mapped[str] = mapped_column(String(30), nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    file_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    mapping: Mapped[dict] = mapped_column(JSON, nullable=False)
    encoding: Mapped[str] = mapped_column(String(20), nullable=False, default="")  # "": UTF-8 (or a BOM's)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=ImportStatus.CHECKING)
    dry_run: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    total_rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    processed_rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    error_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    errors: Mapped[list] = mapped_column(JSON, nullable=False, default=list)       # first MAX_KEPT_ERRORS
    duplicates: Mapped[list] = mapped_column(JSON, nullable=False, default=list)   # likely duplicates to review
    message: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True,
                                                index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ExternalId(Base):
    """A row's id in the system it was imported from (a Salesforce or HubSpot id, a spreadsheet's key): the
    next import of that file updates the row instead of adding it again. Kept beside the rows, not as a
    column of partners, accounts, deals…: adding a column takes a lock that waits for every open reader of
    those tables, which a live upgrade must not do."""

    __tablename__ = "external_ids"
    # Looked up by kind and external id (the unique index); rows are found by their own id through it.
    __table_args__ = (UniqueConstraint("entity_type", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(30), nullable=False)  # the table: "accounts"
    external_id: Mapped[str] = mapped_column(String(120), nullable=False)
    row_id: Mapped[int] = mapped_column(Integer, nullable=False)
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id", ondelete="SET NULL"),
                                                      nullable=True)


class ImportClaim(Base):
    """The process checking or importing a run, so a run left behind by a killed process can be told from one
    still working and closed (see imports.claims). Its own table, not columns of import_runs: a live upgrade
    must not lock that table."""

    __tablename__ = "import_claims"

    run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id", ondelete="CASCADE"), primary_key=True)
    worker: Mapped[str] = mapped_column(String(200), nullable=False)  # "host:pid:start time" (claims.this_worker)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
