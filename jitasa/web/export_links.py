"""The filters of a list page as an export's query: what the page shows is what downloads."""

from urllib.parse import urlencode


def export_query(**filters: str | list[str] | tuple[str, ...] | None) -> str:
    """Return `area=5001&status=open,claimed` from the filters given, leaving out empty ones."""
    pairs = {
        name: ",".join(value) if isinstance(value, list | tuple) else value
        for name, value in filters.items()
    }
    return urlencode({name: value for name, value in pairs.items() if value})
