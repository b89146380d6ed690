"""Every benchmark scenario runs end to end on a tiny dataset, so that none can rot unseen.

`python -m benchmarks` is not run by the suite: product changes broke two of its scenarios (a
changed signature, a new per-client limit) and nobody saw it for days. Here each scenario of
`SCENARIOS` runs through `run_scenario`, as the command runs it, on a database prepared as the
command prepares one (`benchmark_settings`, `prepared`, `generate`), with tiny counts,
durations and budgets. It must give figures, neither `error` nor `skipped`, and what it checks
of the product (one winner of a claim storm, every event delivered, every answer a success)
must hold. No figure is compared with a target here: that is docs/performance.md's business.
"""

import json
from collections.abc import AsyncIterator

import pytest

from benchmarks.__main__ import SCENARIOS, Context, benchmark_settings, prepared, run_scenario
from benchmarks.generate import generate
from benchmarks.map_clusters import ZOOMS
from jitasa.core.config import Settings
from tests.conftest import fresh_database

ROWS = 2000  # enough for open requests near the claim storm's volunteers (it needs one)
FACILITIES = 50
# The per-client limits the benchmark lifts, at the product's defaults: the tiny sizes below
# cross each of them as the full-size runs do, so that a limit left in force fails here too.
STREAMS_PER_CLIENT = Settings.model_fields["event_streams_per_client"].default
REQUESTS_PER_ACCOUNT = Settings.model_fields["requests_per_account"].default
REQUESTS_PER_ADDRESS = Settings.model_fields["requests_per_address"].default
# Each scenario's keyword parameters: small enough that the whole file takes seconds, large
# enough that every path of the scenario runs (two samples at least, for percentiles).
TINY: dict[str, dict] = {
    "locate": {"points": 200, "http_requests": 10},
    "map": {
        "per_zoom": 4,
        "budget_seconds": 0.5,
        "seconds": 0.3,
        "processes": 1,
        "concurrency": 2,
        "throughput_runs": ("throughput_warm",),  # with the floor's: two server starts, not four
    },
    "nearby": {"asks": 5, "budget_seconds": 0.5, "warmup": 1},
    "create": {  # more creates from one address than it may make in an hour
        "sequential": 3,
        "concurrent": REQUESTS_PER_ADDRESS,
        "concurrency": 4,
        "warmup": 1,
    },
    "bulk_create": {"rows": 40, "single_rows": 3},
    "imports": {"rows": 40},
    "doses": {"rows": 40},
    "claim_storm": {"rounds": 1, "processes": 2, "volunteers": 12},
    "sse": {  # more streams than one client may hold, more creates than one account may make
        "listeners": STREAMS_PER_CLIENT + 1,
        "creates": REQUESTS_PER_ACCOUNT + 1,
        "gap": 0.02,
        "wait": 10.0,
    },
    "slow_sms": {"rounds": 1, "delay": 0.3},
    "export": {"exports": ("requests.csv",)},  # a server start per export
    "coverage": {"asks": 3, "cold_asks": 2, "budget_seconds": 0.5, "warmup": 1},
    "desk": {"asks": 2, "budget_seconds": 0.5},
}


@pytest.fixture(scope="module")
async def context(tmp_path_factory) -> AsyncIterator[Context]:
    """A database of this file's own, prepared and loaded as `python -m benchmarks` does."""
    data_dir = tmp_path_factory.mktemp("benchmark")
    async with (
        fresh_database(data_dir) as url,
        prepared(benchmark_settings(data_dir, url), ROWS) as context,
    ):
        await generate(context.engine, ROWS, facilities=FACILITIES)
        yield context


def figures(result: object) -> list[float]:
    """Return every number in a scenario's result, however deeply nested."""
    if isinstance(result, dict):
        return [n for value in result.values() for n in figures(value)]
    if isinstance(result, list):
        return [n for value in result for n in figures(value)]
    return [result] if isinstance(result, int | float) and not isinstance(result, bool) else []


def check_map(result: dict) -> None:
    assert set(result["zooms"]) == {str(zoom) for zoom in ZOOMS}
    assert set(result["facilities_layer"]) == {str(zoom) for zoom in ZOOMS}
    for run in ("throughput_http_floor", "throughput_warm"):
        assert result[run]["failures"] == 0 and result[run]["latency"]["count"] > 0, run
    assert result["throughput_warm_ratio_to_http_floor"] > 0


def check_create(result: dict) -> None:
    assert result["http_in_process_one_at_a_time"]["failures"] == {}
    assert result["http_in_process_in_flight"]["failures"] == {}
    assert result["http_in_process_one_at_a_time"]["count"] == TINY["create"]["sequential"]


def check_bulk_create(result: dict) -> None:
    assert (result["written"], result["refused"]) == (TINY["bulk_create"]["rows"], 0)


def check_import(name: str):
    def check(result: dict) -> None:
        assert (result["created"], result["refused"]) == (TINY[name]["rows"], 0)

    return check


def check_claim_storm(result: dict) -> None:
    volunteers = TINY["claim_storm"]["volunteers"]
    rounds = [(r["successes"], r["conflicts_409"], r["other"]) for r in result["rounds"]]
    assert rounds == [(1, volunteers - 1, {})] * TINY["claim_storm"]["rounds"]
    assert result["meets_target"] is True


def check_sse(result: dict) -> None:
    tiny = TINY["sse"]
    assert result["events_created"] == tiny["creates"]
    assert (result["deliveries"], result["missed"]) == (tiny["listeners"] * tiny["creates"], 0)


def check_slow_sms(result: dict) -> None:
    assert result["create_idle"]["statuses"] == [201]
    assert result["create_while_code_waits"]["statuses"] == [201]
    assert result["list_while_code_waits"]["statuses"] == [200]
    assert result["code_request"]["statuses"] == [202]  # a code sent


def check_export(result: dict) -> None:
    assert result["requests_in_table"] >= ROWS
    for path in TINY["export"]["exports"]:
        assert result[path]["megabytes"] > 0 and result[path]["floor_bare_select"]["rows"] > 0


def check_coverage(result: dict) -> None:
    assert all(result[area]["items"] > 0 for area in ("country", "50", "5001"))


def check_locate(result: dict) -> None:
    assert result["boundaries"] > 0 and result["points_in_thailand"] > 0


def check_nearby(result: dict) -> None:
    assert result["asks"] == TINY["nearby"]["asks"] and result["results_mean"] > 0


def check_desk(result: dict) -> None:
    assert {"chiang_mai", "country", "floor_healthz"} <= set(result)


CHECKS = {
    "locate": check_locate,
    "map": check_map,
    "nearby": check_nearby,
    "create": check_create,
    "bulk_create": check_bulk_create,
    "imports": check_import("imports"),
    "doses": check_import("doses"),
    "claim_storm": check_claim_storm,
    "sse": check_sse,
    "slow_sms": check_slow_sms,
    "export": check_export,
    "coverage": check_coverage,
    "desk": check_desk,
}


def test_every_scenario_has_tiny_parameters_and_a_check():
    assert set(TINY) == set(SCENARIOS) == set(CHECKS)


@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_scenario_runs_end_to_end_and_its_checks_hold(context, name):
    result = await run_scenario(name, context, **TINY[name])
    assert "error" not in result and "skipped" not in result, result
    json.dumps(result)  # the command prints every result as JSON
    assert len(figures({k: v for k, v in result.items() if k != "seconds"})) > 0, result
    CHECKS[name](result)
