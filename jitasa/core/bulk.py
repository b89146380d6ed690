"""What every domain's bulk create shares: the per-row report and the loop of committed batches.

A batch is one transaction. Bad rows are reported by number and left out, and the good rows of
the same batch are still written: one typo must not hold back a thousand rows, and the importer
shows the bad rows to fix and send again. A batch that fails in the database is rolled back
whole (its map counts and events with it) and the error raised; earlier batches stay written.
"""

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice

from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.core.errors import FieldError

BATCH_SIZE = 1000
Row = Mapping[str, object]


@dataclass(frozen=True)
class RowProblem:
    """What is wrong with one row of an import, by its number (the first row is 1)."""

    row: int
    errors: list[FieldError]

    def as_dict(self) -> dict[str, object]:
        """Return the problem as JSON-ready data."""
        return {"row": self.row, "errors": [e.as_dict() for e in self.errors]}


@dataclass
class ImportReport:
    """The ids of the rows written and the rows left out, with why."""

    created_ids: list[int] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    def add(self, other: "ImportReport") -> None:
        """Take in the report of a further batch."""
        self.created_ids += other.created_ids
        self.problems += other.problems


async def in_batches(
    session: AsyncSession,
    rows: Iterable[Row],
    write_batch: Callable[[Sequence[Row], int], Awaitable[ImportReport]],
    *,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Write rows with `write_batch(batch, first_row_number)`, committing after each batch."""
    report = ImportReport()
    first_row, remaining = 1, iter(rows)
    while batch := tuple(islice(remaining, batch_size)):
        try:
            written = await write_batch(batch, first_row)
            await session.commit()
        except BaseException:
            await session.rollback()  # and with it the batch's map counts and events
            raise
        report.add(written)
        first_row += len(batch)
    return report
