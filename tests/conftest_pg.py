"""Start a throw-away PostgreSQL server for tests: ``url, stop = start_postgres(tmp_dir)``.

Works as a normal user and as root (initdb refuses root, so the server then runs as the
``postgres`` OS user). Listens on 127.0.0.1 only, trust auth, fsync off. Skips the calling test
when no PostgreSQL server binaries are installed. ``create_database`` gives each test its own db.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import make_url

NOT_FOUND = "PostgreSQL server binaries not found (install Debian's postgresql package)"
SERVER_EXES = ("initdb", "pg_ctl", "postgres")


def find_pg_bindir() -> Path | None:
    """Return the newest directory holding initdb, pg_ctl and postgres, or None."""

    def version(bindir: Path) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", bindir.parent.name))

    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True)
    if pg_config := shutil.which("pg_config"):
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(Path(out.stdout.strip()))
    if initdb := shutil.which("initdb"):
        candidates.append(Path(initdb).parent)
    for bindir in candidates:
        if all((bindir / exe).is_file() for exe in SERVER_EXES):
            return bindir
    return None


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_postgres(tmp_dir: Path) -> tuple[str, Callable[[], None]]:
    """Start a server; return its SQLAlchemy URL (database "postgres") and a function to stop it."""
    bindir = find_pg_bindir()
    if bindir is None:
        pytest.skip(NOT_FOUND)
    as_root = os.geteuid() == 0
    if as_root:
        # pytest's tmp dirs are 0700 and root-owned: the postgres user could not reach them.
        base = Path(tempfile.mkdtemp(prefix="deepbook-pg-"))
        shutil.chown(base, "postgres", "postgres")
    else:
        base = Path(tempfile.mkdtemp(prefix="pg-", dir=tmp_dir))
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    data, log = base / "data", base / "server.log"

    def run(exe: str, *args: str) -> None:
        cmd = [*prefix, str(bindir / exe), *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=base, check=False)
        if proc.returncode != 0:
            server_log = log.read_text(errors="replace") if log.exists() else ""
            raise RuntimeError(f"{exe} failed:\n{proc.stdout}{proc.stderr}{server_log}")

    def stop() -> None:
        try:
            run("pg_ctl", "-D", str(data), "stop", "-m", "fast", "-w")
        finally:
            shutil.rmtree(base, ignore_errors=True)

    try:
        run(
            "initdb",
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        )
        for attempt in range(3):  # the free port may be taken before the server binds it
            port = free_port()
            opts = (
                f"-p {port} -c listen_addresses=127.0.0.1 -c fsync=off"
                f" -c unix_socket_directories='{base}'"
            )
            try:
                run(
                    "pg_ctl", "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o", opts, "start"
                )
                break
            except RuntimeError:
                if attempt == 2:
                    raise
    except BaseException:
        shutil.rmtree(base, ignore_errors=True)
        raise
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", stop


def create_database(server_url: str, name: str) -> str:
    """Create an empty database on the server and return its SQLAlchemy URL."""
    url = make_url(server_url)
    with psycopg.connect(
        host=url.host, port=url.port, user=url.username, dbname=url.database, autocommit=True
    ) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return url.set(database=name).render_as_string(hide_password=False)
