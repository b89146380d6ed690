"""Exports stream: the header leaves before any row is read, rows leave batch by batch."""

import io

from openpyxl import load_workbook

from jitasa.exports import formats, service
from jitasa.exports.datasets import DATASETS, Filters, Format
from tests.help_requests.helpers import make_request


class CountingBatches:
    """Async batches of rows that count how many were taken."""

    def __init__(self, batches):
        self.batches, self.taken = batches, 0

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self.taken == len(self.batches):
            raise StopAsyncIteration
        self.taken += 1
        return self.batches[self.taken - 1]


async def test_csv_and_geojson_send_their_start_before_reading_a_row():
    for fmt in (Format.CSV, Format.GEOJSON):
        source = CountingBatches([[[1, 18.0, 98.0]], [[2, 18.1, 98.1]]])
        chunks = formats.write(fmt, ["id", "lat", "lon"], None, "lat", "lon", source)

        first = await anext(chunks)

        assert source.taken == 0 and first
        rest = [chunk async for chunk in chunks]
        assert source.taken == 2 and b"98.1" in b"".join(rest)


async def test_csv_leaves_in_chunks_as_batches_come(monkeypatch):
    monkeypatch.setattr(formats, "CHUNK_BYTES", 10)
    source = CountingBatches([[["a" * 20]], [["b" * 20]], [["c" * 20]]])
    chunks = formats.write(Format.CSV, ["x"], None, "lat", "lon", source)
    await anext(chunks)  # the header

    assert b"a" * 20 in await anext(chunks) and source.taken == 1
    assert b"b" * 20 in await anext(chunks) and source.taken == 2


async def test_rows_are_read_in_batches_from_the_database(app, session):
    made = [await make_request(session) for _ in range(5)]
    dataset = DATASETS["public-requests"]

    batches = [
        batch
        async for batch in service.batches(
            app.state.read_session_factory, dataset, Filters(), batch_rows=2
        )
    ]

    assert [len(b) for b in batches] == [2, 2, 1]
    assert [row[1] for b in batches for row in b] == [r.code for r in made]


async def test_xlsx_opens_a_next_sheet_when_one_is_full(monkeypatch):
    monkeypatch.setattr(formats, "XLSX_ROWS_PER_SHEET", 4)  # header, HXL row and two rows
    source = CountingBatches([[[n] for n in range(5)]])
    chunks = formats.write(Format.XLSX, ["n"], ["#meta+id"], "lat", "lon", source)

    workbook = load_workbook(io.BytesIO(b"".join([c async for c in chunks])))

    assert workbook.sheetnames == ["data", "data2", "data3"]
    assert [[c.value for c in row] for row in workbook["data2"].iter_rows()] == [
        ["n"],
        ["#meta+id"],
        [2],
        [3],
    ]


def test_cheap_phone_and_time_writing_agrees_with_the_libraries():
    from datetime import UTC, datetime

    from jitasa.core.thai import BANGKOK, format_phone
    from jitasa.exports.datasets import phone, when

    for number in ("+66812345678", "+66612345678", "+66991234567", "+6621234567", "+6653123456"):
        assert phone(number) == format_phone(number)
    assert phone("not a phone") == "not a phone" and phone("") == ""
    for moment in (datetime(2021, 7, 1, 23, 30, tzinfo=UTC), datetime(1990, 1, 1, tzinfo=UTC)):
        assert when(moment) == moment.astimezone(BANGKOK).isoformat(timespec="seconds")
