"""The ``gemba`` command: every verb is a thin call into the same services as the API."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console

from gemba.cli.b2mml import b2mml_app
from gemba.cli.mrp import mrp_app
from gemba.core.config import load_settings
from gemba.core.db.migrate import NotMigrated
from gemba.core.errors import ConfigError, GembaError

app = typer.Typer(help="Gemba: integrated ERP + MES.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="Users and API tokens.", no_args_is_help=True)
audit_app = typer.Typer(help="Audit trail.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
app.add_typer(b2mml_app, name="b2mml")
app.add_typer(mrp_app, name="mrp")

console = Console()
err = Console(stderr=True, soft_wrap=True)
F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code=1)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn every error a user can cause into one clear line and exit code 1."""
    try:
        yield
    except (ConfigError, NotMigrated) as exc:
        raise fail(str(exc)) from None
    except GembaError as exc:
        raise fail(exc.message) from None
    except ValidationError as exc:
        lines = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise fail("; ".join(lines)) from None


def handles_errors(fn: F) -> F:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with user_errors():
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@db_app.command("upgrade")
@handles_errors
def db_upgrade() -> None:
    """Apply all migrations (creates the database schema on first run)."""
    from gemba.core.db.migrate import upgrade

    settings = load_settings()
    upgrade(settings.database_url)
    console.print(f"database at head ({_safe_url(settings.database_url)})")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@user_app.command("create")
@handles_errors
def user_create(
    username: str,
    role: list[str] = typer.Option(..., "--role", "-r", help="Repeat for several roles."),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
    full_name: str = "",
    site: list[str] = typer.Option([], "--site", help="Limit the user to these site codes."),
) -> None:
    """Create a user with one or more roles."""
    from gemba.bootstrap import bootstrap
    from gemba.core.auth.services import UserIn, create_user

    gemba = bootstrap()
    with gemba.uow(reason="gemba user create") as uow:
        create_user(uow, UserIn(username=username, password=password, roles=role,  # type: ignore[arg-type]
                                full_name=full_name, site_codes=site))
        uow.commit()
    console.print(f"user {username} created with roles {', '.join(role)}")


@user_app.command("token")
@handles_errors
def user_token(username: str,
               name: str = typer.Option("cli", help="What the token is for.")) -> None:
    """Issue an API token for a user (shown once; only its hash is stored)."""
    from gemba.bootstrap import bootstrap
    from gemba.core.auth.services import create_api_token

    gemba = bootstrap()
    with gemba.uow() as uow:
        raw = create_api_token(uow, username, name)
        uow.commit()
    console.print(raw, highlight=False)


@audit_app.command("verify")
@handles_errors
def audit_verify() -> None:
    """Recompute the hash chain; exit 1 and name the first broken link if tampered."""
    from gemba.bootstrap import bootstrap
    from gemba.core.audit.verify import verify_chain

    gemba = bootstrap()
    with gemba.session_factory() as session:
        result = verify_chain(session)
    if not result.ok:
        raise fail(f"audit chain broken at entry {result.broken_seq}: {result.problem} "
                   f"({result.checked} entries verified before it)")
    console.print(f"audit chain intact: {result.checked} entries verified")


@app.command("load")
@handles_errors
def load_cmd(directory: Path) -> None:
    """Load master data CSV files from DIRECTORY: all or nothing (see docs/data-format.md)."""
    from gemba.cli import data

    errors, counts = data.load(directory)
    if errors:
        for line in errors:
            err.print(line, highlight=False, soft_wrap=True)
        raise fail(f"{len(errors)} error(s); nothing was written")
    for name, n in counts.items():
        console.print(f"{name}: {n} rows")


@app.command("dump")
@handles_errors
def dump_cmd(directory: Path) -> None:
    """Write all master data as CSV files into DIRECTORY (the format 'gemba load' reads)."""
    from gemba.cli import data

    for name, n in data.dump(directory).items():
        console.print(f"{name}: {n} rows")


@app.command()
@handles_errors
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Serve the REST API and the web UI."""
    import uvicorn

    from gemba.bootstrap import bootstrap

    bootstrap().close()  # fail fast (config, migrations) before uvicorn starts
    # Open live pages (server-sent events) never end on their own: give them 5 s on
    # shutdown, so a restart does not hang.
    uvicorn.run("gemba.api.app:create_app", factory=True, host=host, port=port,
                workers=workers, log_level="info", timeout_graceful_shutdown=5)


@app.command()
@handles_errors
def demo(host: str = "127.0.0.1", port: int = 8000,
         serve_ui: bool = typer.Option(True, "--serve/--no-serve"),
         days: int | None = typer.Option(
             None, "--days", min=1, help="Simulate this many days of the factory first."),
         seed: int = typer.Option(1, "--seed", help="Seed of the simulation's randomness."),
         json_out: bool = typer.Option(
             False, "--json", help="Print the simulation summary as JSON (nothing else on "
                                   "stdout)."),
         speed: float = typer.Option(
             60.0, "--speed", min=0.001,
             help="While serving: simulated seconds per real second."),
         warmup: int = typer.Option(
             2, "--warmup", min=0, help="Days simulated quickly before serving a new demo."),
         start: str | None = typer.Option(
             None, "--start", help="First simulated day, YYYY-MM-DD (default: 2026-01-05 "
                                   "with --days, else so the live part starts today)."),
         live: bool = typer.Option(True, "--live/--no-live",
                                   help="Keep the factory running while serving.")) -> None:
    """Migrate, load the demo company (once), create demo users, print the login and serve.

    With the server (the default) the simulated factory runs a quick warm-up and then goes
    on live; ``--days N --no-serve --json`` runs N days headless and prints a summary."""
    import json
    import sys
    from datetime import UTC, date, datetime, time

    from gemba.bootstrap import bootstrap
    from gemba.cli import demo as d
    from gemba.core.db.migrate import upgrade
    from gemba.core.types import utcnow
    from gemba.sim.clock import DEFAULT_EPOCH

    out = err if json_out else console
    settings = load_settings()
    upgrade(settings.database_url)
    simulating = days is not None or (serve_ui and live)
    if start is not None:
        try:
            epoch = datetime.combine(date.fromisoformat(start), time(0), tzinfo=UTC)
        except ValueError:
            raise fail(f"--start: {start!r} is not a date (YYYY-MM-DD)") from None
    else:
        epoch = DEFAULT_EPOCH if days is not None else d.live_epoch(warmup)
    gemba = bootstrap(settings)
    login = d.prepare_demo(gemba, epoch.date() if simulating else None)
    out.print("demo company loaded" if login.loaded else "demo company already present")
    sim = None
    if simulating:
        if not login.loaded and days is None and start is None:
            epoch = utcnow().replace(second=0, microsecond=0)  # go on from now
        sim = d.new_simulation(gemba, seed, epoch)
        run_days = days if days is not None else (warmup if login.loaded else 0)
        if run_days:
            _simulate(d, sim, run_days, quiet=json_out)
    if days is not None and sim is not None:
        summary = d.summary(sim)
        if json_out:
            sys.stdout.write(json.dumps(summary, indent=2) + "\n")
        else:
            console.print_json(data=summary)
        failed = [name for name, ok in summary["checks"].items() if not ok]
        if failed:
            gemba.close()
            raise fail("simulation checks failed: " + ", ".join(failed))
    out.print(f"\n  Open http://{host}:{port}/ and log in as [bold]{login.username}[/] "
              f"with password [bold]{login.password}[/]")
    others = ", ".join(u for u, _ in d.DEMO_USERS if u != login.username)
    out.print(f"  (same password for {others})")
    badges = ", ".join(f"{code} {name}" for code, name, _, _ in d.DEMO_OPERATORS)
    out.print(f"  Operator terminal: http://{host}:{port}/mes/terminal as operator; "
              f"badges {badges}\n", highlight=False)
    if not serve_ui:
        gemba.close()
        return
    if sim is not None and live:
        d.start_live(sim, speed)
        out.print(f"  The factory runs live: {speed:g} simulated seconds per second "
                  f"(simulated time now {sim.clock.at(sim.now):%Y-%m-%d %H:%M} UTC)\n",
                  highlight=False)
    serve(host=host, port=port, workers=1)


def _simulate(d: Any, sim: Any, days: int, quiet: bool) -> None:
    """Run the days, with a progress bar on a terminal (on stderr: stdout stays clean)."""
    if quiet or not err.is_terminal:
        d.simulate(sim, days)
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("simulating {task.description}"), BarColumn(),
               TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(f"{days} day(s)", total=days * 24 * 60)
        start = sim.now
        d.simulate(sim, days, lambda t, _end: bar.update(task, completed=t - start))


def main() -> None:  # pragma: no cover
    app()
