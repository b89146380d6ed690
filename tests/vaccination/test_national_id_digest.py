"""A national ID's keyed digest: which key, and that the digest never changes between versions.

Residents are matched across files by the digest alone (config: `national_id_key` is "never to
be changed once residents are registered"), so the digest of a number under a key is pinned here
to the value computed independently with the standard library's HMAC-SHA256: a changed key
derivation, encoding or hash would leave every registered resident unmatched.
"""

import hashlib
import hmac

from pydantic import SecretStr

from jitasa.core.config import Settings, get_settings
from jitasa.vaccination import national_ids

NUMBER = "1500101000212"  # a valid national ID (check digit 2)
KEY = b"a national id key"
# hmac.new(KEY, NUMBER.encode(), hashlib.sha256).hexdigest(), computed once and kept.
DIGEST_UNDER_KEY = "406c66265e78543b21b40820b2929eef8cc324f1b56e326340f5042fefea79dc"
# Under the key derived from the secret key "a cookie secret" (no national_id_key set).
DIGEST_UNDER_DEVELOPMENT_KEY = "dbbe1c4d62df15a7100be0a9a5a62693723489a823762840c40dc8b93a370047"


def settings(**values) -> Settings:
    return Settings(secret_key=SecretStr("a cookie secret"), **values)


def test_a_set_key_is_used_as_given_so_another_install_with_it_matches_the_same_people():
    key = national_ids.key_of(settings(national_id_key=SecretStr(KEY.decode())))
    assert key == KEY
    assert national_ids.digest(NUMBER, key=key).hex() == DIGEST_UNDER_KEY
    assert hmac.new(KEY, NUMBER.encode(), hashlib.sha256).hexdigest() == DIGEST_UNDER_KEY


def test_without_a_set_key_the_key_is_derived_from_the_secret_key_and_stays_the_same():
    key = national_ids.key_of(settings())
    assert key != b"a cookie secret"  # the cookie-signing secret is not used as is
    assert len(key) == 32
    assert national_ids.digest(NUMBER, key=key).hex() == DIGEST_UNDER_DEVELOPMENT_KEY
    other = Settings(secret_key=SecretStr("another cookie secret"))
    assert national_ids.key_of(other) != key


def test_checking_a_number_gives_its_digest_under_the_key_asked_and_its_masked_form():
    written = "1-5001-01000-21-๒"  # dashes and a Thai digit, as typed on a form
    assert national_ids.check(written, key=KEY) == (
        bytes.fromhex(DIGEST_UNDER_KEY),
        "1-5001-xxxxx-xx-2",
    )
    other_key = national_ids.check(written, key=b"another key")[0]
    assert other_key != bytes.fromhex(DIGEST_UNDER_KEY)


def test_without_a_key_asked_the_configured_key_is_used():
    configured = national_ids.key_of(get_settings())
    expected = hmac.new(configured, NUMBER.encode(), hashlib.sha256).digest()
    assert national_ids.digest(NUMBER) == expected
    assert national_ids.check(NUMBER)[0] == expected
