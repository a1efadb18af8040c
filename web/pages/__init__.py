"""Server-rendered pages, one module per area; each a thin shell over the library."""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    """Every page router, in the order routes are matched."""
    from wenshu.web.pages import (
        admin,
        archive,
        auth,
        campaign_form,
        data,
        documents,
        inspections,
        self_answers,
        units,
    )

    return [auth.router, units.router, data.router, self_answers.router, campaign_form.router,
            documents.router, inspections.router, archive.router, admin.router]
