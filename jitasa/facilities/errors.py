"""The facilities' own failure: capacity numbers changed since the form was loaded."""

from jitasa.core.errors import Conflict


class StaleCapacity(Conflict):
    """409: someone else changed the numbers since this form was loaded; shows both."""

    def __init__(self, *, current: dict, current_version: int, submitted: dict) -> None:
        super().__init__(
            "facilities.stale_capacity",
            "Someone changed these numbers since you loaded the form. Check the numbers now "
            "kept and send yours again if they are still right.",
        )
        self.current = current
        self.current_version = current_version
        self.submitted = submitted

    def problem(self, instance: str | None = None) -> dict[str, object]:
        """Return the problem document with both sets of numbers."""
        return {
            **super().problem(instance),
            "current": self.current,
            "current_version": self.current_version,
            "submitted": self.submitted,
        }
