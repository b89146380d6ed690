"""Dependencies that load the help request named in a path, for the API and the pages alike."""

from typing import Annotated

from fastapi import Depends

from jitasa.core.db import SessionDep
from jitasa.core.fields import RowId
from jitasa.help_requests import service
from jitasa.help_requests.models import HelpRequest


async def valid_request(request_id: RowId, session: SessionDep) -> HelpRequest:
    """Load the request named in the path, or 404."""
    return await service.get_or_raise(session, request_id=request_id)


ValidRequest = Annotated[HelpRequest, Depends(valid_request)]
