"""E-mail over SMTP (`aiosmtplib`): `JITASA_SMTP_URL` = smtp://user:password@host:port.

`smtp://` upgrades with STARTTLS when the server offers it; `smtps://` speaks TLS from the start
(port 465). A 5xx answer to the recipient or the message is a refusal (not retried); a 4xx
answer, a refused connection or a timeout is retried.
"""

from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import aiosmtplib
import structlog

from jitasa.notifications.errors import DeliveryFailed

log = structlog.get_logger(__name__)

DEFAULT_TIMEOUT_SECONDS = 10.0
SUBJECT = "Jitasa"


class EmailChannel:
    """Sends each notification as a short plain-text e-mail."""

    name = "email"

    def __init__(self, *, url: str, sender: str, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("JITASA_SMTP_URL must look like smtp://user:password@host:port")
        self.tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender = sender
        self.timeout = timeout

    async def deliver(self, *, to: str, text: str, key: str | None = None) -> None:
        """Send one e-mail; raise DeliveryFailed with the server's answer if it is refused."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = SUBJECT
        if key:
            # The same Message-ID on every retry lets a mail system drop a duplicate.
            message["Message-ID"] = f"<{key}@jitasa>"
        message.set_content(text)
        try:
            await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                use_tls=self.tls,
                start_tls=None if not self.tls else False,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as refused:
            error = refused.recipients[0]
            log.warning("email_send_failed", code=error.code)
            raise DeliveryFailed(
                f"SMTP {error.code} {error.message}"[:300], retry=error.code < 500
            ) from None
        except aiosmtplib.SMTPResponseException as error:
            log.warning("email_send_failed", code=error.code)
            raise DeliveryFailed(
                f"SMTP {error.code} {error.message}"[:300], retry=error.code < 500
            ) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            log.warning("email_send_failed", error=type(error).__name__)
            reason = f"SMTP: not reached ({type(error).__name__})"
            raise DeliveryFailed(reason, retry=True) from None

    async def aclose(self) -> None:
        """Release nothing: each message has its own connection."""
