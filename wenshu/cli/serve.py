"""Services and set-up: ``wenshu serve``, ``wenshu web``, ``wenshu demo``, ``wenshu db-upgrade``."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from wenshu.cli.common import console, parse_date, reported, settings

app = typer.Typer()
HostOption = Annotated[str, typer.Option(help="Address to listen on (127.0.0.1: this PC only).")]
PortOption = Annotated[int, typer.Option(help="Port to listen on.")]


@app.command()
def serve(
    port: Annotated[int | None, typer.Option(
        help="Port of the local Prefect server to start (default: a free one).")] = None,
    poll: Annotated[int, typer.Option(
        min=1, help="Seconds between the runner's looks for runs to start.")] = 1,
) -> None:
    """Serve the document flows as Prefect deployments (run them from the Prefect UI or
    'wenshu inspect run'); starts a Prefect server on 127.0.0.1 unless one is configured
    (PREFECT_API_URL) or already started by 'wenshu serve'. Stop with Ctrl-C or SIGTERM."""
    import os
    import signal

    from wenshu.workflows.serve import (
        DEPLOYMENT,
        ServeError,
        forget_server,
        record_server,
        running_server,
        serve_flows,
        served_flows,
        start_server,
    )

    current = settings()
    server = None
    with reported():
        api = running_server(current)
        if api is None and os.environ.get("PREFECT_API_URL"):
            raise ServeError(f"PREFECT_API_URL is {os.environ['PREFECT_API_URL']}, but no "
                             "Prefect server answers there")
        if api is None:
            with console.status("Starting the Prefect server on 127.0.0.1…"):
                server = start_server(current, port=port)
            api = server.api_url
            record_server(current, api)
    names = ", ".join(f"{f.name}/{DEPLOYMENT}" for f in served_flows())
    console.print(f"Prefect API {api} (UI {api.removesuffix('/api')}); serving {names}; "
                  "stop with Ctrl-C.", soft_wrap=True, markup=False, highlight=False)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # the same way out as Ctrl-C, through the finally below

    signal.signal(signal.SIGTERM, stop)
    try:
        serve_flows(api, poll_seconds=poll)
    except KeyboardInterrupt:
        pass
    finally:
        if server is not None:
            forget_server(current)
            server.stop()


@app.command()
def web(host: HostOption = "127.0.0.1", port: PortOption = 8000) -> None:
    """Serve the web application (clerks, supervisors, archivists, administrators) until
    Ctrl-C. The first administrator comes from 'wenshu users create-admin'."""
    from wenshu.web.server import serve_web

    current = settings()
    console.print(f"wenshu web: http://{host}:{port}/ (stop with Ctrl-C)", soft_wrap=True,
                  markup=False, highlight=False)
    serve_web(current, host=host, port=port)


@app.command()
def demo(
    seed: int = 9704,
    issued: Annotated[str | None, typer.Option(help="Signing date, YYYY-MM-DD.")] = None,
    serve: Annotated[bool, typer.Option(
        "--serve/--no-serve", help="Then serve the web app on the demo data "
                                   "(default: yes unless WENSHU_DEMO_SERVE=0).")] = True,
    host: HostOption = "127.0.0.1", port: PortOption = 8000,
) -> None:
    """Build a demo district (1 + 11 + 111 units), import two years, generate summaries,
    then serve the web app on it with demo accounts."""
    from wenshu.demo.run import run_demo

    current = settings()
    with reported():
        accounts = run_demo(current, seed=seed, issued_on=parse_date(issued), console=console)
    if not serve or os.environ.get("WENSHU_DEMO_SERVE", "1") == "0":
        return
    from rich.table import Table

    from wenshu.web.server import serve_web

    table = Table("用户名 user", "角色 role", "密码 password", "acts for",
                  title=f"Open http://{host}:{port}/ in a browser and sign in as one of:")
    for account in accounts:
        table.add_row(account.name, account.role_label, account.password, account.note)
    console.print(table)
    console.print("Stop with Ctrl-C.")
    serve_web(current, host=host, port=port)


@app.command("db-upgrade")
def db_upgrade() -> None:
    """Apply database migrations (every command does this on start)."""
    current = settings()
    console.print(f"database at the latest revision: {current.db_url}")
