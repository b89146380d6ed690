"""Tables of imports: the keys of rows already imported, for kinds whose domain keeps none."""

from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from jitasa.core.db import Base, UTCDateTime, utcnow


class ImportedRow(Base):
    """A row once imported as a request or volunteer: its key's digest and what it became.

    The key is the row's external id, or what stands for one (a volunteer's phone; a request's
    reporting time, phone, category and pin), kept only as a digest: no personal data here.
    Importing the same row again finds the key and changes nothing.
    """

    __tablename__ = "imported_rows"

    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    key_digest: Mapped[bytes] = mapped_column(LargeBinary(16), primary_key=True)
    target_id: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
