"""Settings: the one place configuration comes from (environment variables `JITASA_*`)."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "development-only-secret-change-me"


class Settings(BaseSettings):
    """Jitasa's configuration; defaults give the embedded mode (SQLite, one process)."""

    model_config = SettingsConfigDict(env_prefix="JITASA_", env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = Field(
        "development", description="`production` refuses development defaults for secrets."
    )
    data_dir: Path = Field(
        Path("./jitasa-data"), description="Directory for the SQLite database and other files."
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL; `postgresql://…` for PostgreSQL. Default: SQLite file "
        "`jitasa.db` in the data directory.",
    )
    sqlite_synchronous: Literal["full", "normal"] = Field(
        "full",
        description="SQLite's durability: `full` syncs every commit to disk, so an answered "
        "create survives a power cut; `normal` is faster but may lose the last commits to one "
        "(never to a killed process).",
    )
    shared_commits: bool = Field(
        True,
        description="Let the creates waiting at one moment in a process share one commit "
        "(each answered only once it is stored); off: a transaction each.",
    )
    redis_url: str | None = Field(
        None, description="Redis URL for cross-process events and rate limits (optional)."
    )
    secret_key: SecretStr = Field(
        SecretStr(DEVELOPMENT_SECRET),
        description="Key that signs cookies; required (and not the default) in production.",
    )
    secure_cookies: bool | None = Field(
        None,
        description="Mark cookies Secure (HTTPS only); default: on in production, off in "
        "development.",
    )
    session_days: int = Field(14, ge=1, le=90, description="How long a sign-in lasts, in days.")
    unverified_open_claims: int = Field(
        1, ge=0, le=100, description="Requests an unverified volunteer may hold at once."
    )
    verified_open_claims: int = Field(
        5, ge=1, le=1000, description="Requests a verified volunteer or staff may hold at once."
    )
    releases_per_hour: int = Field(
        3,
        ge=0,
        le=1000,
        description="Claims a volunteer may give back in any hour (churn reveals personal data).",
    )
    sms_url: str | None = Field(
        None, description="HTTP endpoint of the SMS provider; unset: codes go to the console."
    )
    sms_token: SecretStr | None = Field(None, description="Bearer token for the SMS provider.")
    sms_sender: str = Field("Jitasa", description="Sender name shown on text messages.")
    redis_prefix: str = Field("jitasa:", description="Prefix of every Redis key Jitasa writes.")
    host: str = Field("127.0.0.1", description="Address `jitasa serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `jitasa serve` listens on.")
    tile_url: str = Field(
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        description="Map tile URL template (Leaflet `{z}/{x}/{y}` form).",
    )
    tile_attribution: str = Field(
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        description="Attribution shown on the map for the tile server.",
    )
    default_language: Literal["th", "en"] = Field(
        "th", description="Language of pages when the visitor has not chosen one."
    )
    log_level: str = Field("INFO", description="Python logging level.")
    log_json: bool = Field(True, description="Write logs as JSON lines (else human-readable).")
    boundary_refresh_seconds: float = Field(
        30.0, ge=0, description="How often a process checks for newly loaded area boundaries."
    )
    duplicate_checks_per_account: int = Field(
        20,
        ge=1,
        description="Duplicate checks (the SOS form's warning) one account may make in 10 "
        "minutes; more answer 429.",
    )
    duplicate_checks_per_address: int = Field(
        60,
        ge=1,
        description="Duplicate checks one client address may make in 10 minutes; more answer 429.",
    )
    requests_per_account: int = Field(
        10,
        ge=1,
        description="Requests for help one account (not staff) may create in an hour; more "
        "answer 429 with when to try again and the emergency number.",
    )
    requests_per_address: int = Field(
        60,
        ge=1,
        description="Requests for help that may be created from one client address in an hour "
        "(staff not counted). Raise it where many people share an address (a carrier's NAT).",
    )
    max_body_bytes: int = Field(
        1_048_576,
        ge=1024,
        description="Largest request body a route takes unless it declares its own (uploads "
        "do); a larger one answers 413 before it is read whole.",
    )
    event_streams_per_client: int = Field(
        20,
        ge=1,
        description="Live-update streams one signed-in user, or one address when anonymous, may "
        "hold open in each process; more answer 429.",
    )
    trusted_proxies: str | None = Field(
        None,
        description="Comma-separated addresses or networks of the reverse proxies whose "
        "X-Forwarded-For and X-Forwarded-Proto are believed (the client address that limits "
        "count by); unset: none, every client is who connects.",
    )
    public_api_docs: bool | None = Field(
        None,
        description="Serve /docs and /openapi.json to anyone; default: on in development, "
        "off in production.",
    )
    public_metrics: bool | None = Field(
        None,
        description="Serve /metrics to anyone; default: on in development; in production only "
        "to the machine itself (a local Prometheus).",
    )
    header_timeout_seconds: float = Field(
        10.0,
        gt=0,
        description="Seconds `jitasa serve` waits for a request's headers before closing the "
        "connection (slow clients hold no connection for long).",
    )
    retention_days: int = Field(
        90,
        ge=1,
        description="Days after a request is closed before its personal data is anonymised.",
    )
    data_controller: str = Field(
        "",
        max_length=200,
        description="Who is responsible for personal data under the PDPA (the data controller): "
        "the organisation running this site, named on the privacy notice and the SOS form.",
    )
    data_controller_contact: str = Field(
        "",
        max_length=200,
        description="How people reach the data controller (phone, e-mail or address), shown on "
        "the privacy notice.",
    )
    jobs_interval_seconds: float = Field(
        60.0,
        ge=0,
        description="Seconds between runs of the periodic jobs (escalation, expiry, "
        "anonymisation); 0 stops the web process running them (use `jitasa worker`).",
    )
    dispatch_events: bool = Field(
        True,
        description="Publish new events to live-update streams from the web process; turn off "
        "only when `jitasa worker` does it (which needs Redis).",
    )
    event_stream_heartbeat_seconds: float = Field(
        15.0,
        gt=0,
        description="Seconds between heartbeat comments on an open live-update stream, so "
        "proxies keep it open.",
    )
    event_retention_hours: float = Field(
        24.0,
        gt=0,
        description="Hours an event is kept, once every outbox consumer has read it, for "
        "clients that resume a live-update stream with Last-Event-ID.",
    )
    notify_max_attempts: int = Field(
        6,
        ge=1,
        le=20,
        description="Tries a notification gets (waiting 10 s, 20 s, 40 s… between them) before "
        "it is marked failed with the provider's reason.",
    )
    notify_timeout_seconds: float = Field(
        10.0,
        gt=0,
        le=120,
        description="Seconds a channel (SMS, LINE, e-mail) may take to answer before the try "
        "counts as failed and is retried.",
    )
    nearby_alerts_per_hour: int = Field(
        3,
        ge=0,
        le=100,
        description="Alerts of new requests nearby one volunteer gets at most in any hour.",
    )
    line_codes_per_hour: int = Field(
        5,
        ge=1,
        le=100,
        description="LINE link codes one person may ask for in an hour (each replaces the last); "
        "more are refused with 429 and Retry-After.",
    )
    notification_retention_days: int = Field(
        90,
        ge=1,
        description="Days a notification (its address and text) is kept once sent, failed or "
        "withdrawn; LINE drafts never confirmed and expired link codes go after a day.",
    )
    line_channel_token: SecretStr | None = Field(
        None, description="LINE Messaging API channel access token; unset: no LINE channel."
    )
    line_channel_secret: SecretStr | None = Field(
        None,
        description="LINE channel secret, which signs the webhook (`X-Line-Signature`); unset: "
        "the webhook answers 404.",
    )
    line_api_base: str = Field(
        "https://api.line.me", description="Base URL of the LINE Messaging API."
    )
    public_url: str = Field(
        "http://127.0.0.1:8000",
        description="Address people reach Jitasa at, for links sent in messages (LINE intake).",
    )
    smtp_url: SecretStr | None = Field(
        None,
        description="SMTP server for e-mail, `smtp://user:password@host:587` (STARTTLS) or "
        "`smtps://…:465`; unset: no e-mail channel.",
    )
    smtp_sender: str = Field(
        "Jitasa <no-reply@jitasa.invalid>", description="From address of e-mails."
    )

    facility_stale_hours: float = Field(
        24.0,
        gt=0,
        description="Hours after which a facility's capacity numbers, not changed or checked "
        "since, are shown as stale.",
    )
    national_id_key: SecretStr | None = Field(
        None,
        description="Key of the keyed hash (HMAC-SHA256) residents' national ID numbers are "
        "kept as, for matching doses to people; required in production, and never to be "
        "changed once residents are registered (their numbers would no longer match). Unset in "
        "development: derived from the secret key.",
    )
    resident_retention_days: int = Field(
        730,
        ge=1,
        description="Days a resident of a village register is kept after their last change "
        "(registration or dose) before `jitasa residents purge` deletes them and their doses.",
    )

    @model_validator(mode="after")
    def _refuse_development_secrets_in_production(self) -> "Settings":
        """Refuse the development secrets outside development."""
        if self.environment == "production" and (
            self.secret_key.get_secret_value() == DEVELOPMENT_SECRET
        ):
            raise ValueError("JITASA_SECRET_KEY must be set in production")
        if self.environment == "production" and self.national_id_key is None:
            raise ValueError("JITASA_NATIONAL_ID_KEY must be set in production")
        return self

    @property
    def cookies_are_secure(self) -> bool:
        """Tell whether cookies carry the Secure flag."""
        if self.secure_cookies is None:
            return self.environment == "production"
        return self.secure_cookies

    @property
    def api_docs_are_public(self) -> bool:
        """Tell whether /docs and /openapi.json are served."""
        if self.public_api_docs is None:
            return self.environment != "production"
        return self.public_api_docs

    @property
    def metrics_are_public(self) -> bool:
        """Tell whether /metrics answers other machines than this one."""
        if self.public_metrics is None:
            return self.environment != "production"
        return self.public_metrics

    @property
    def sqlalchemy_url(self) -> str:
        """Return the async SQLAlchemy URL for the configured database."""
        url = self.database_url or f"sqlite:///{(self.data_dir / 'jitasa.db').resolve()}"
        for plain, driver in (
            ("postgresql://", "postgresql+asyncpg://"),
            ("postgres://", "postgresql+asyncpg://"),
            ("sqlite://", "sqlite+aiosqlite://"),
        ):
            if url.startswith(plain):
                return driver + url[len(plain) :]
        return url

    @property
    def is_sqlite(self) -> bool:
        """Tell whether the database is SQLite."""
        return self.sqlalchemy_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings, read once from the environment."""
    return Settings()
