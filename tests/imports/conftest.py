"""Import test fixtures: the write session factory of the test database, the sample files."""

from pathlib import Path

import pytest

from jitasa.core.db import create_session_factory
from tests.conftest import REPO, SHARED_DATA

# ../shared/data/samples beside the checkout, else the copy kept with the tests (a clone made
# anywhere, CI's included, has no ../shared).
SAMPLES = next(
    (
        p
        for p in (SHARED_DATA / "samples", REPO.parents[1] / "shared" / "data" / "samples")
        if p.exists()
    ),
    Path(__file__).parent / "samples",
)


@pytest.fixture
def factory(engine):
    """The write session factory an import runs with."""
    return create_session_factory(engine)


def sample(name: str) -> Path:
    """Return a sample file of ../shared/data/samples."""
    return SAMPLES / name
