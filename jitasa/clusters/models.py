"""The per-cell counts behind the map's clusters."""

from datetime import datetime

from sqlalchemy import JSON, Float, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from jitasa.core.db import Base, UTCDateTime, utcnow


class MapCell(Base):
    """How many items of a layer, with one value of each of its dimensions, lie in one cell.

    Each item is counted at every level twice: once nationally (province "") and once under
    its province, so a province's map reads only its own rows.
    """

    __tablename__ = "map_cells"
    # Rows stored in key order: a viewport reads runs of neighbouring cells, not scattered rows.
    # The key seeks columns of cells; the second index seeks rows of cells (a wide, flat strip).
    __table_args__ = (
        Index("ix_map_cells_rows", "layer", "province_code", "level", "y", "x"),
        {"sqlite_with_rowid": False},
    )

    layer: Mapped[str] = mapped_column(String(16), primary_key=True)
    province_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    x: Mapped[int] = mapped_column(Integer, primary_key=True)
    y: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The layer's dimensions, in the order it declares them (requests: category, urgency,
    # status); "" where a layer has fewer than three.
    d1: Mapped[str] = mapped_column(String(40), primary_key=True)
    d2: Mapped[str] = mapped_column(String(40), primary_key=True)
    d3: Mapped[str] = mapped_column(String(40), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    # Sums of the items' public pins, so a cluster sits at their centroid, not a grid corner.
    sum_lat: Mapped[float] = mapped_column(Float, default=0.0)
    sum_lon: Mapped[float] = mapped_column(Float, default=0.0)
    # Sums of the layer's measures, in the order it declares them (facilities: free beds by
    # triage colour); 0 where a layer has fewer than three.
    m1: Mapped[float] = mapped_column(Float, default=0.0)
    m2: Mapped[float] = mapped_column(Float, default=0.0)
    m3: Mapped[float] = mapped_column(Float, default=0.0)


class MapCellChange(Base):
    """What one commit added to the national cell counts, for the other processes' indexes.

    Written in the committing transaction (so it is seen exactly when the counts are); read by
    every process's `jitasa.clusters.follow` within a second, and deleted after a few minutes.
    """

    __tablename__ = "map_cell_changes"
    # Ids are never used again, even after every row was deleted: followers skip ids they saw.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # [layer, level, x, y, d1, d2, d3, count, sum_lat, sum_lon, m1, m2, m3] per national row
    rows: Mapped[list] = mapped_column(JSON, default=list)
    # Layers recounted from scratch by the commit: an index reads them again.
    rebuilt: Mapped[list] = mapped_column(JSON, default=list)
