"""Import every domain's tables so that Alembic and the tests see the whole schema."""

from jitasa.accounts import models as accounts_models
from jitasa.areas import models as areas_models
from jitasa.audit import models as audit_models
from jitasa.clusters import models as clusters_models
from jitasa.core import events, idempotency, jobs
from jitasa.core.db import Base
from jitasa.facilities import models as facilities_models
from jitasa.help_requests import models as help_requests_models
from jitasa.imports import models as imports_models
from jitasa.incidents import models as incidents_models
from jitasa.notifications import models as notifications_models
from jitasa.vaccination import models as vaccination_models
from jitasa.volunteers import models as volunteers_models

__all__ = [
    "Base",
    "accounts_models",
    "areas_models",
    "audit_models",
    "clusters_models",
    "events",
    "facilities_models",
    "help_requests_models",
    "idempotency",
    "imports_models",
    "incidents_models",
    "jobs",
    "notifications_models",
    "vaccination_models",
    "volunteers_models",
]
