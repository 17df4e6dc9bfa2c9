"""`polestar serve`: the web app."""

from __future__ import annotations

import typer

from polestar.cli.app import app, stderr, store


@app.command("serve")
def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        help="Server processes (one per core); they share rate limits through the store.",
    ),
) -> None:
    """Serve the web app in the foreground until Ctrl-C."""
    import uvicorn  # here, so other commands start without it

    store()
    stderr.print(f"Polestar is serving at http://{host}:{port}/ (Ctrl-C to stop)")
    uvicorn.run(
        "polestar.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # Access lines name paths (entity ids, never personal data) without query strings
        # (`web.privacy`), so operators can see the traffic.
        log_level="info",
        access_log=True,
        # uvicorn kills a worker that has not answered its health check in 5 s; on a busy
        # two-core machine a new worker's start-up alone can take longer, and each replacement
        # was killed in turn, so the server never answered.
        timeout_worker_healthcheck=30,
    )
