"""What the account and volunteer pages share: labels, area names, safe redirects, flash notes."""

import hmac
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.areas import service as areas_service
from jitasa.core.errors import DomainError, FieldError, Forbidden
from jitasa.core.i18n import translate
from jitasa.core.security import CSRF_SESSION_KEY
from jitasa.core.thai import format_phone
from jitasa.core.words import CODE_LENGTHS, AreaLevel

FLASH_KEY = "flash"
# English message ids; the templates translate them with _(). Thai labels are in th.po.
KIND_LABELS = {
    "vhv": "Village health volunteer (VHV)",
    "kamnan": "Subdistrict headman (kamnan)",
    "village_headman": "Village headman",
    "local_official": "Local government official",
    "student": "Student",
    "community_leader": "Community development volunteer leader",
    "womens_fund": "Women's development fund member",
    "local_volunteer": "Local environmental volunteer",
    "civil_defence": "Civil defence volunteer",
    "rescue": "Rescue volunteer or foundation",
    "general": "General volunteer",
}
VEHICLE_LABELS = {
    "none": "No vehicle",
    "motorcycle": "Motorcycle",
    "car": "Car",
    "pickup": "Pickup truck",
    "van": "Van",
    "ambulance": "Ambulance",
}
REFUSAL_LABELS = {
    "unknown_person": "Nobody in the area knows this person",
    "unreachable": "Could not reach them by phone",
    "other_area": "Lives in another area",
    "details_wrong": "Profile details are wrong",
}
ROLE_LABELS = {
    "requester": "Requester",
    "volunteer": "Volunteer",
    "coordinator": "Coordinator",
    "admin": "Administrator",
}


def safe_next(target: str | None, default: str = "/") -> str:
    """Return `target` when it is a path on this site, else `default` (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 or c == "\\" for c in target):
        return default
    return target


def check_signin_form(request: Request, sent: str) -> None:
    """Refuse a sign-in form not posted from this browser's own page (login CSRF).

    The application's CSRF check lets a post without a session cookie through, as nothing
    ambient can be abused; a sign-in post, though, would plant someone else's session.
    """
    expected = request.session.get(CSRF_SESSION_KEY)
    if not (isinstance(expected, str) and hmac.compare_digest(sent.encode(), expected.encode())):
        raise Forbidden(
            "auth.csrf", "This form has expired or came from another site; reload the page."
        )


def sign_in_first(request: Request, *, staff: bool = False) -> RedirectResponse:
    """Send an anonymous visitor to sign in, then back to this page (with its query)."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    page = "/staff/signin" if staff else "/signin"
    return RedirectResponse(f"{page}?next={quote(here, safe='/')}", status_code=303)


def go_to(path: str) -> RedirectResponse:
    """Redirect after a form post, so that reloading the page does not post it again."""
    return RedirectResponse(path, status_code=303)


def flash(request: Request, message: str, **params: str) -> None:
    """Keep a note (an English message id) to show once on the next page."""
    request.session[FLASH_KEY] = {"message": message, "params": params}


def pop_flash(request: Request, language: str) -> str | None:
    """Return the note kept for this page in the page language, and forget it."""
    note = request.session.pop(FLASH_KEY, None)
    if not isinstance(note, dict) or not isinstance(note.get("message"), str):
        return None
    return translate(note["message"], language, **note.get("params", {}))


def phone_for_display(e164: str) -> str:
    """Show a stored phone number the Thai way, such as "081 234 5678"."""
    try:
        return format_phone(e164)
    except DomainError:
        return e164


def field_messages(problems: list[FieldError], language: str) -> dict[str, list[str]]:
    """Group field errors into messages per form field (a field's top-level name)."""
    messages: dict[str, list[str]] = {}
    for problem in problems:
        text = problem.message_th if language == "th" else problem.message
        messages.setdefault(problem.field.partition(".")[0], []).append(text)
    return messages


async def area_names(session: AsyncSession, codes: set[str]) -> dict[str, tuple[str, str]]:
    """Load the Thai and English names of these areas and of every area holding them."""
    wanted = {prefix for code in codes if code for prefix in areas_service.enclosing_codes(code)}
    return await areas_service.names(session, codes=wanted)


# Thai writes a place with level prefixes and no commas (thai.md): "ต.ริมใต้ อ.แม่ริม
# จ.เชียงใหม่"; Bangkok's districts already carry เขต, its subdistricts get แขวง.
THAI_LEVELS = {AreaLevel.PROVINCE: "จ.", AreaLevel.DISTRICT: "อ.", AreaLevel.SUBDISTRICT: "ต."}
BANGKOK_LEVELS = {AreaLevel.DISTRICT: "เขต", AreaLevel.SUBDISTRICT: "แขวง"}
BANGKOK_CODE = "10"


def _thai_level(code: str, name: str) -> str:
    """Prefix an area's Thai name by its level: ต./อ./จ., in Bangkok แขวง/เขต."""
    prefixes = BANGKOK_LEVELS if code.startswith(BANGKOK_CODE) else THAI_LEVELS
    prefix = prefixes.get(CODE_LENGTHS.get(len(code)), "")
    return name if name.startswith(prefix) else prefix + name


def place(code: str | None, names: dict[str, tuple[str, str]], language: str) -> str:
    """Name an area most precise first, with its parents: "อ.เมืองเชียงใหม่ จ.เชียงใหม่"."""
    if not code:
        return ""
    found = [c for c in reversed(areas_service.enclosing_codes(code)) if c in names]
    if language != "th":
        return ", ".join(names[c][1] for c in found)
    return " ".join(_thai_level(c, names[c][0]) for c in found)
