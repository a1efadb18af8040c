"""Services and set-up: ``wenshu serve``, ``wenshu web``, ``wenshu demo``, ``wenshu db-upgrade``."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from wenshu.cli.common import console, parse_date, reported, settings
from wenshu.settings import Settings

app = typer.Typer()
HostOption = Annotated[str, typer.Option(help="Address to listen on (127.0.0.1: this PC only).")]
PortOption = Annotated[int, typer.Option(help="Port to listen on.")]


@app.command()
def serve(
    host: Annotated[str, typer.Option(
        help="Address the Prefect server listens on; beyond 127.0.0.1 it needs "
             "PREFECT_SERVER_API_AUTH_STRING.")] = "127.0.0.1",
    port: Annotated[int | None, typer.Option(
        help="Port of the Prefect server to start (default: a free one).")] = None,
    poll: Annotated[int, typer.Option(
        min=1, help="Seconds between the worker's looks for runs to start.")] = 1,
    limit: Annotated[int, typer.Option(
        min=1, help="Flow runs this machine runs at once.")] = 2,
) -> None:
    """Everything on one machine: a Prefect server (unless PREFECT_API_URL names one or
    'wenshu serve' already started one), every flow deployed on the work pool with its
    schedule, and a worker running them here. Stop with Ctrl-C or SIGTERM."""
    from wenshu.workflows.server import (
        ServeError,
        forget_server,
        record_server,
        running_server,
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
            with console.status(f"Starting the Prefect server on {host}…"):
                server = start_server(current, host=host, port=port)
            api = server.api_url
            record_server(current, api)
    try:
        _as_client_of(api, poll)
        from wenshu.workflows.serve import deploy

        with reported():
            written = deploy(current, api, replace=False)
        ui = server.ui_api_url if server else api
        console.print(f"Prefect API {api} (UI {ui.removesuffix('/api')}); work pool "
                      f"{current.work_pool}; {len(written)} deployment(s) written; running "
                      "flow runs here; stop with Ctrl-C.", soft_wrap=True, markup=False,
                      highlight=False)
        _work(current, None, limit)
    finally:
        if server is not None:
            forget_server(current)
            server.stop()


def _as_client_of(api: str, poll: int) -> None:
    """Point this process's Prefect at ``api`` (before Prefect is imported): its address,
    the basic-auth credentials a server started here checks, how often to poll."""
    from wenshu.workflows.server import AUTH_CLIENT, AUTH_SERVER

    os.environ["PREFECT_API_URL"] = api
    if os.environ.get(AUTH_SERVER):
        os.environ.setdefault(AUTH_CLIENT, os.environ[AUTH_SERVER])
    os.environ["PREFECT_WORKER_QUERY_SECONDS"] = str(poll)


def _work(current: Settings, name: str | None, limit: int) -> None:
    """Run the work pool's flow runs here until Ctrl-C or SIGTERM."""
    import signal

    from wenshu.workflows.worker import run_worker

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # the same way out as Ctrl-C

    signal.signal(signal.SIGTERM, stop)
    say = lambda text: console.print(text, soft_wrap=True, markup=False, highlight=False)  # noqa: E731
    try:
        run_worker(current, name=name, limit=limit, say=say)
    except KeyboardInterrupt:
        pass


@app.command()
def worker(
    name: Annotated[str | None, typer.Option(
        help="The worker's name in the Prefect UI (default: a generated one).")] = None,
    poll: Annotated[int, typer.Option(
        min=1, help="Seconds between looks for runs to start.")] = 2,
    limit: Annotated[int, typer.Option(
        min=1, help="Flow runs this machine runs at once (a batch waiting on its parts "
                    "takes one).")] = 2,
) -> None:
    """Run the work pool's flow runs on this machine, LibreOffice kept warm, against the
    Prefect server PREFECT_API_URL names (PREFECT_API_AUTH_STRING when it has basic auth).
    Needs the shared database (WENSHU_DATABASE_URL) and archive (WENSHU_HOME)."""
    from wenshu.workflows.server import ServeError, configured_api_url, running_server

    current = settings()
    with reported():
        api = running_server(current)
        if api is None:
            raise ServeError(f"no Prefect server answers at {configured_api_url(current)}: "
                             "set PREFECT_API_URL to its API, e.g. http://server:4200/api")
    _as_client_of(api, poll)
    console.print(f"worker for the work pool {current.work_pool} at {api}; stop with Ctrl-C.",
                  soft_wrap=True, markup=False, highlight=False)
    _work(current, name, limit)


@app.command()
def deploy() -> None:
    """Write the work pool and every deployment, schedules from the settings (WENSHU_*_CRON),
    to the Prefect server PREFECT_API_URL names; replaces schedules edited in the UI."""
    from wenshu.workflows.server import ServeError, configured_api_url, running_server

    current = settings()
    with reported():
        api = running_server(current)
        if api is None:
            raise ServeError(f"no Prefect server answers at {configured_api_url(current)}")
        _as_client_of(api, 2)
        from wenshu.workflows.serve import deploy as write_deployments

        written = write_deployments(current, api)
    console.print(f"work pool {current.work_pool}: {', '.join(written)}", soft_wrap=True,
                  markup=False, highlight=False)


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
