"""`jitasa serve --workers N` serves even when its worker processes are slow to start.

uvicorn's supervisor asks each new worker for a sign of life and, by default, kills and restarts
one that has not answered within 5 seconds. A worker imports the whole application first (the
console script's module, then the app), which took more than 5 seconds on a loaded 2-core
machine: the workers were killed and restarted forever and nothing answered. Here each worker
is made to start 12 seconds late (a `sitecustomize` that sleeps in a spawned worker only), as a
loaded machine would.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

SLOW_START = """
import sys, time
if "--multiprocessing-fork" in sys.orig_argv:
    time.sleep(12)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def healthy(url: str, *, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    return False


def test_two_workers_that_start_slowly_are_kept_and_answer(tmp_path: Path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(SLOW_START)
    port = free_port()
    script = shutil.which("jitasa", path=str(Path(sys.executable).parent))
    assert script, "the console script is installed beside the interpreter"
    environment = {
        **os.environ,
        "PYTHONPATH": str(tmp_path / "site"),
        "JITASA_DATA_DIR": str(tmp_path / "data"),
        "JITASA_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "JITASA_JOBS_INTERVAL_SECONDS": "0",
    }
    upgraded = subprocess.run([script, "db", "upgrade"], env=environment, capture_output=True)
    assert upgraded.returncode == 0, upgraded.stderr
    server = subprocess.Popen(
        [script, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert healthy(f"http://127.0.0.1:{port}/healthz", within=90)
    finally:
        server.terminate()
        server.wait(timeout=30)
