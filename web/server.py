"""Running the web app: uvicorn on one process, the app keeping its workers warm."""

from __future__ import annotations

import uvicorn

from wenshu.settings import Settings


def serve_web(settings: Settings, *, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve until Ctrl-C or SIGTERM (uvicorn handles both and shuts the app down cleanly)."""
    from wenshu.web.app import create_app

    # One process: jobs run on its background thread and share its warm LibreOffice.
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning",
                proxy_headers=False, server_header=False)
