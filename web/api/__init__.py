"""The JSON API under ``/api/v1`` (OpenAPI at ``/api/v1/openapi.json``): what the pages do,
for an office's OA system. Authenticate with ``Authorization: Bearer <token>``."""

from __future__ import annotations

from fastapi import APIRouter


def router() -> APIRouter:
    """Every API route."""
    from wenshu.web.api import account, documents, work

    combined = APIRouter()
    for part in (account.router, documents.router, work.router):
        combined.include_router(part)
    return combined
