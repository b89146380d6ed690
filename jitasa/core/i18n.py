"""Message catalogue: English message ids, Thai translations read from `locales/th.po`."""

from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

LANGUAGES = ("th", "en")
LOCALES_DIR = Path(__file__).parent.parent / "locales"


@lru_cache
def _catalogue(language: str) -> dict[str, str]:
    """Load one language's catalogue as a plain mapping from English to the translation."""
    path = LOCALES_DIR / f"{language}.po"
    if not path.exists():
        return {}
    with path.open("rb") as po_file:
        catalog = read_po(po_file, locale=language)
    return {m.id: m.string for m in catalog if m.id and m.string}


def translate(message: str, language: str, **params: object) -> str:
    """Translate an English message into `language` and fill in its `{named}` parameters."""
    template = _catalogue(language).get(message, message) if language != "en" else message
    return template.format(**params) if params else template


def thai(message: str, **params: object) -> str:
    """Translate an English message into Thai."""
    return translate(message, "th", **params)
