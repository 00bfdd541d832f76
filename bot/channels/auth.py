"""The buyer a request signs in, for the HTTP channels (REST chat, widget uploads): one dependency, one reading
of 'Authorization: Bearer <buyer token>'."""
from __future__ import annotations

from typing import Optional

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

_bearer = HTTPBearer(auto_error=False)  # a missing or malformed header is "nobody", answered by each endpoint


async def current_buyer(request: Request,
                        credentials: Optional[HTTPAuthorizationCredentials] = Depends(_bearer)) -> Optional[str]:
    """The buyer id the bearer token signs in, or None (no token, a bad or expired one, an unknown buyer)."""
    if credentials is None or not credentials.credentials:
        return None
    return await request.app.state.gateway.services.buyer_sign_in.buyer_id(credentials.credentials)
