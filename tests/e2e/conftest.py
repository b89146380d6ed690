"""Browser fixtures: the real application served by uvicorn, and Debian Chromium via Playwright.

The server runs in a thread of its own with its own event loop and its own application (and so
its own database engine), built by create_app() from the run's `settings` on the run's migrated
database. The tests drive Chromium with Playwright's async API on pytest-asyncio's session loop:
the sync API cannot share a process with running asyncio tests.
"""

import os
import shutil
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn
from playwright.async_api import Browser, Page, Route, async_playwright

from jitasa.core.config import Settings
from jitasa.main import create_app
from tests.conftest import REPO

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO / "test-artifacts"
DOC_IMAGES = REPO / "docs" / "img"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
SERVER_START_SECONDS = 30


@pytest.fixture(scope="package")
def live_app(settings: Settings):
    """The application the live server serves (its state holds the map's cluster index)."""
    return create_app(settings.model_copy(update={"dispatch_events": True}))


@pytest.fixture(scope="package")
def live_server(live_app, engine) -> Iterator[str]:
    """Serve the real application over HTTP on 127.0.0.1 and a free port; yield its base URL.

    Package-scoped, not session-scoped: its dispatcher and pollers work on the run's database,
    and a worker that goes on to other packages' tests must not keep them running there. One
    left running took an outbox cursor between a later test's clean-up and its own inserts
    (`UNIQUE constraint failed: outbox_cursors.consumer`).
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    # The map updates itself: this server publishes the events that reach the outbox, from its
    # own requests or from a test's setup, to the pages' live streams.
    config = uvicorn.Config(
        live_app,
        loop="asyncio",
        lifespan="on",
        log_config=None,
        access_log=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listener]}, name="jitasa-live-server", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + SERVER_START_SECONDS
    while not server.started:
        if not thread.is_alive():
            pytest.fail("the live server stopped while starting; see its log above")
        if time.monotonic() > deadline:
            server.should_exit = True
            pytest.fail(f"the live server did not start within {SERVER_START_SECONDS} s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=SERVER_START_SECONDS)
    listener.close()


@pytest.fixture(autouse=True)
def _map_index_built(request) -> None:
    """Start a browser test only once the live server's cluster index is built again.

    The previous test's clean-up emptied the tables and dropped the index; the server's poller
    builds it again within a second. A test's setup writes through an autocommit session (each
    statement its own commit), so a build running meanwhile could read a new item's cells
    before its change-log row and then add that change once more: a lone facility counted
    twice is drawn as a cluster, not as its marker. A real transaction is never seen half-way.
    """
    if "live_server" not in request.fixturenames:
        return
    request.getfixturevalue("live_server")
    follower = request.getfixturevalue("live_app").state.map_index
    deadline = time.monotonic() + SERVER_START_SECONDS
    while follower.current() is None:
        if time.monotonic() > deadline:
            pytest.fail(f"the live server's map index not built in {SERVER_START_SECONDS} s")
        time.sleep(0.02)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """Debian Chromium, headless, with no traffic of its own (updates, sync, QUIC)."""
    if not CHROMIUM.exists():
        message = (
            f"browser tests need Debian Chromium at {CHROMIUM}: "
            "apt-get install chromium fonts-thai-tlwg"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        await chromium.close()


@dataclass
class Problems:
    """What went wrong in the page: console errors, uncaught errors, failed or refused requests."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.console_errors or self.page_errors or self.failed_requests)

    def __str__(self) -> str:
        return "\n".join(
            f"{kind}: {item}"
            for kind, items in (
                ("console error", self.console_errors),
                ("page error", self.page_errors),
                ("failed request", self.failed_requests),
            )
            for item in items
        )


@pytest.fixture
def problems() -> Problems:
    """The problems the test's page ran into; assert `not problems` at the end of a test."""
    return Problems()


@pytest.fixture(params=sorted(VIEWPORTS))
def viewport(request) -> str:
    """Each browser test runs on a phone-sized and on a desktop-sized window."""
    return request.param


async def open_page(browser: Browser, live_server: str, viewport: str, problems: Problems) -> Page:
    """A fresh page (own cookies) on the live server, refusing every request that leaves it."""
    context = await browser.new_context(
        base_url=live_server,
        viewport=VIEWPORTS[viewport],
        device_scale_factor=1,
        is_mobile=viewport == "phone",
        has_touch=viewport == "phone",
        locale="th-TH",
        timezone_id="Asia/Bangkok",
        service_workers="block",
    )
    context.set_default_timeout(10_000)
    origin = urlsplit(live_server).netloc

    async def stay_local(route: Route) -> None:
        if urlsplit(route.request.url).netloc == origin or route.request.url.startswith("data:"):
            await route.continue_()
        else:
            problems.failed_requests.append(f"left the test server: {route.request.url}")
            await route.abort("blockedbyclient")

    await context.route("**/*", stay_local)
    page = await context.new_page()
    page.on(
        "console",
        lambda message: (
            problems.console_errors.append(f"{message.text} ({message.location.get('url')})")
            if message.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.page_errors.append(str(error)))

    def request_failed(request) -> None:
        # Chromium cancels what is still loading when the page navigates away (often the
        # favicon, which networkidle does not wait for): net::ERR_ABORTED is no failure.
        if request.failure != "net::ERR_ABORTED":
            problems.failed_requests.append(f"{request.method} {request.url}: {request.failure}")

    page.on("requestfailed", request_failed)

    async def http_error(response) -> None:
        if response.status >= 400:
            problems.failed_requests.append(
                f"{response.request.method} {response.url}: HTTP {response.status}"
            )

    page.on("response", http_error)
    return page


@pytest.fixture
async def page(
    browser: Browser, live_server: str, viewport: str, problems: Problems
) -> AsyncIterator[Page]:
    """A fresh page (own cookies) on the live server, refusing every request that leaves it."""
    page = await open_page(browser, live_server, viewport, problems)
    yield page
    await page.context.close()


@pytest.fixture
async def other_page(
    browser: Browser, live_server: str, viewport: str, problems: Problems
) -> AsyncIterator[Page]:
    """A second visitor's page, with cookies of its own; its problems count as the test's."""
    page = await open_page(browser, live_server, viewport, problems)
    yield page
    await page.context.close()


@pytest.fixture
def screenshot(page: Page, request, viewport: str) -> Callable[[str], Awaitable[Path]]:
    """Save a screenshot as test-artifacts/e2e/<test>-<viewport>-<step>.png.

    With JITASA_DOC_IMAGES=1, a screenshot taken with `doc_image="name"` also replaces the user
    guides' picture docs/img/<name>.png. `of` takes another page than the test's `page`.
    """
    test_name = request.node.originalname.removeprefix("test_")

    async def take(step: str, *, doc_image: str | None = None, of: Page | None = None) -> Path:
        path = ARTIFACTS / "e2e" / f"{test_name}-{viewport}-{step}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        await (of or page).screenshot(path=path, animations="disabled", caret="hide")
        if doc_image and os.environ.get("JITASA_DOC_IMAGES") == "1":
            DOC_IMAGES.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, DOC_IMAGES / f"{doc_image}.png")
        return path

    return take
