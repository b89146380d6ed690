"""Every text message fits in one SMS, in Thai and English (issue 17, item 10).

A message with any character outside the GSM 03.38 alphabet (all Thai) is sent as UCS-2, where
one SMS holds 70 characters; GSM text holds 160. Two SMS for a sign-in code double its cost and
its chance of arriving half.
"""

import pytest

from jitasa.accounts.signin import codes
from jitasa.core.i18n import LANGUAGES, translate

GSM = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Every SMS template with the longest values it is filled with.
SMS_TEXTS = [
    (codes.SIGN_IN_TEXT, {"code": "9" * codes.CODE_DIGITS, "minutes": 999}),
]


def fits_one_sms(text: str) -> bool:
    """Tell whether a text goes out as one SMS (GSM-7: 160 characters, UCS-2: 70 units)."""
    if set(text) <= GSM:
        return len(text) <= 160
    return len(text.encode("utf-16-le")) // 2 <= 70


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("template", "longest"), SMS_TEXTS)
def test_every_text_message_fits_in_one_sms(language, template, longest):
    text = translate(template, language, **longest)
    assert fits_one_sms(text), f"{len(text)} characters: {text}"


def test_the_measure_knows_thai_needs_ucs2():
    assert fits_one_sms("ก" * 70) and not fits_one_sms("ก" * 71)
    assert fits_one_sms("a" * 160) and not fits_one_sms("a" * 161)
