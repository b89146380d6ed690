"""National ID numbers of residents: checked, kept only as a keyed digest and a masked form.

A national ID (เลขประจำตัวประชาชน) is checked with `python-stdnum` (13 digits and the check
digit, `jitasa.core.thai.normalize_national_id`), then kept as an HMAC-SHA256 under the secret
setting `JITASA_NATIONAL_ID_KEY` (so the same person is matched across files without the number
being stored) and as its masked form "1-2345-xxxxx-xx-1" for display. The full number is never
logged, answered or put in an error message: `Invalid` from here names the field only.
"""

import hashlib
import hmac

from jitasa.core.config import Settings, get_settings
from jitasa.core.thai import mask_national_id, normalize_national_id


def key_of(settings: Settings) -> bytes:
    """Return the HMAC key: the setting, or in development one derived from the secret key."""
    if settings.national_id_key is not None:
        return settings.national_id_key.get_secret_value().encode()
    seed = settings.secret_key.get_secret_value().encode()
    return hashlib.sha256(b"jitasa national id key|" + seed).digest()


def digest(digits: str, *, key: bytes | None = None) -> bytes:
    """Return the 32-byte keyed digest of a checked national ID's 13 digits."""
    return hmac.new(key or key_of(get_settings()), digits.encode(), hashlib.sha256).digest()


def check(text: str, *, key: bytes | None = None) -> tuple[bytes, str]:
    """Check a national ID; return (its keyed digest, its masked form).

    Raises `Invalid` ("thai.bad_national_id") naming no digits when the number or its check
    digit is wrong; dashes, spaces and Thai digits are accepted.
    """
    digits = normalize_national_id(text)
    return digest(digits, key=key), mask_national_id(digits)
