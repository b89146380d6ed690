"""Schemathesis over the whole OpenAPI schema, as an admin: never a 5xx, answers as documented."""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from jitasa.core.words import Role
from jitasa.main import create_app
from tests.factories import signed_in

# Per operation and mode: enough to reach each field's edges in ~40 operations within ~60 s.
EXAMPLES = 30
# An endless text/event-stream body; its bad input is tested in tests/realtime/test_stream.py.
NOT_FUZZED = {"GET /api/v1/events/stream"}


@pytest.fixture(scope="session")
def fuzzed_app(settings, engine):
    """A second app on the run's database; schemathesis drives it in its own event loop."""
    return create_app(settings)


@pytest.fixture
async def admin_headers(session) -> dict[str, str]:
    """Headers of an admin, who may call every operation (tables are emptied after each test)."""
    _admin, headers = await signed_in(session, roles=[Role.ADMIN])
    return headers


def fuzz(operation, mode: GenerationMode, headers: dict[str, str]) -> None:
    """Call one operation with generated input; raise on a 5xx or an undocumented answer."""

    @given(case=operation.as_strategy(mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],  # a failure names its input; no shrinking
        suppress_health_check=list(HealthCheck),
    )
    def call(case) -> None:
        case.call_and_validate(
            headers=headers, checks=[not_a_server_error, response_schema_conformance]
        )

    call()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_input_makes_a_server_error(fuzzed_app, admin_headers, mode):
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app)
    failures, fuzzed = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.label in NOT_FUZZED:
            continue
        fuzzed += 1
        try:
            fuzz(operation, mode, admin_headers)
        except Unsatisfiable:
            pass  # no input can break this operation's schema (no parameters, or free text)
        except Exception as failure:
            failures.append(f"{operation.label}: {failure}")
    assert fuzzed >= 35, "the schema lost its operations"
    assert failures == [], "\n\n".join(failures)
