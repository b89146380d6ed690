"""Import every domain's tables so that Alembic and the tests see the whole schema."""

from jitasa.areas import models as areas_models
from jitasa.db import Base

__all__ = ["Base", "areas_models"]
