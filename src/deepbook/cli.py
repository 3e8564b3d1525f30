"""The `deepbook` command: serve the course, check its content."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from deepbook.settings import Settings

app = typer.Typer(
    help="deepbook: an interactive chapter on deep learning for computer vision.",
    no_args_is_help=True,
    add_completion=False,
)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    db: Annotated[
        str | None, typer.Option(help="Database URL (sqlite:///… or postgresql+psycopg://…).")
    ] = None,
    content: Annotated[Path | None, typer.Option(help="Content folder.")] = None,
    no_open: Annotated[bool, typer.Option("--no-open", help="Do not open a browser.")] = False,
) -> None:
    """Serve the course on http://HOST:PORT (default 127.0.0.1:8000)."""
    import uvicorn

    from deepbook.web.app import create_app

    overrides: dict[str, Any] = {
        "host": host,
        "port": port,
        "database_url": db,
        "content_dir": content,
    }
    if no_open:
        overrides["open_browser"] = False
    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    url = f"http://{settings.host}:{settings.port}/"
    typer.echo(f"deepbook serving on {url} (database: {settings.database_url.split('@')[-1]})")
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="info",
        ws_max_size=max(65536, 8 * settings.max_message_bytes),  # our own limit answers first
    )


@app.command()
def check(
    content: Annotated[Path | None, typer.Option(help="Content folder.")] = None,
) -> None:
    """Validate all content; exit 1 with a list of problems if any."""
    from deepbook.content import check as check_content
    from deepbook.content import load_course
    from deepbook.sims import REGISTRY

    root = content or Settings().content_dir
    course = load_course(root)
    problems = check_content(course, REGISTRY)
    if problems:
        typer.echo(f"{len(problems)} problem(s) in {root}:", err=True)
        for p in problems:
            typer.echo(f"  - {p}", err=True)
        raise typer.Exit(1)
    n_q = sum(len(c.questions) for c in course.chapters)
    typer.echo(f"ok: {len(course.chapters)} chapters, {n_q} questions, {len(REGISTRY)} simulations")


def main() -> None:
    """Entry point of the console script."""
    app()
