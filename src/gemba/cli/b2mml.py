"""``gemba b2mml export|import``: production orders out to, and performance in from, any MES
that speaks B2MML XML (V0701 or V0600). Errors print one line and exit 1."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import typer

b2mml_app = typer.Typer(help="B2MML XML exchange with a MES.", no_args_is_help=True)

Version = Literal["V0701", "V0600"]


@b2mml_app.command("export")
def export(order: str,
           version: str = typer.Option("V0701", help="B2MML version: V0701 or V0600."),
           out: Path | None = typer.Option(None, "--out", "-o",
                                           help="Write here instead of standard output.")
           ) -> None:
    """The ProductionSchedule of ORDER, validated against MESA's schema."""
    from gemba.cli.main import console, user_errors

    with user_errors():
        data = _export(order, version)
        if out is None:
            typer.echo(data.decode("utf-8"), nl=False)
        else:
            try:
                out.write_bytes(data)
            except OSError as exc:
                raise _fail(f"cannot write {out}: {exc.strerror}") from None
            console.print(f"{order} written to {out} (B2MML {version})")


@b2mml_app.command("import")
def import_(file: Path) -> None:
    """Apply a ProductionPerformance document (either version): all or nothing."""
    from gemba.cli.main import console, user_errors

    with user_errors():
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise _fail(f"cannot read {file}: {exc.strerror}") from None
        outcomes = _import(data, file)
        applied = sum(1 for o in outcomes if o.applied)
        console.print(f"{applied} report(s) applied, {len(outcomes) - applied} already known",
                      highlight=False)


def _fail(message: str) -> typer.Exit:
    from gemba.cli.main import fail

    return fail(message)


def _export(number: str, version: str) -> bytes:
    from gemba.adapters.b2mml import B2mmlError, to_xml
    from gemba.bootstrap import bootstrap
    from gemba.erp.mes_link.schedule import build_schedule
    from gemba.erp.production.production_order import get_production_order

    if version not in ("V0701", "V0600"):
        raise B2mmlError(f"version {version!r} is not V0701 or V0600", "version")
    gemba = bootstrap()
    try:
        with gemba.uow() as uow:
            return to_xml(build_schedule(get_production_order(uow, number)),
                          version)  # type: ignore[arg-type]
    finally:
        gemba.close()


def _import(data: bytes, file: Path) -> list:  # type: ignore[type-arg]
    from gemba.adapters.b2mml import B2mmlError, from_xml
    from gemba.bootstrap import bootstrap
    from gemba.contracts.isa95 import ProductionPerformance
    from gemba.erp.mes_link.performance import apply_performance
    from gemba.erp.mes_link.resolver import ErpResolver

    gemba = bootstrap()
    try:
        with gemba.uow(reason=f"gemba b2mml import {file.name}") as uow:
            message = from_xml(data, ErpResolver(uow))
            if not isinstance(message, ProductionPerformance):
                raise B2mmlError("this is a schedule; the ERP imports performance documents "
                                 "only")
            outcomes = apply_performance(uow, message)
            uow.commit()
            return outcomes
    finally:
        gemba.close()
