"""``gemba b2mml export|import``: B2MML XML (V0701 or V0600) between Gemba and any other ERP or
MES. The ERP side: production orders out as schedules, performance in. The MES side:
schedules in as work orders, what the floor did out as performance. Errors print one line and
exit 1."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import typer

b2mml_app = typer.Typer(help="B2MML XML exchange between an ERP and a MES.",
                        no_args_is_help=True)

Version = Literal["V0701", "V0600"]
SIDES = ("erp", "mes")


@b2mml_app.command("export")
def export(order: str,
           version: str = typer.Option("V0701", help="B2MML version: V0701 or V0600."),
           out: Path | None = typer.Option(None, "--out", "-o",
                                           help="Write here instead of standard output."),
           side: str = typer.Option("erp", help="erp: the production order's schedule "
                                                "(to a MES); mes: everything the MES "
                                                "reported on ORDER (to an ERP).")
           ) -> None:
    """ORDER as B2MML, validated against MESA's schema: the ERP's ProductionSchedule, or with
    --side mes the MES's ProductionPerformance."""
    from gemba.cli.main import console, user_errors

    with user_errors():
        if side not in SIDES:
            raise _fail(f"side {side!r} is not erp or mes")
        data = _export(order, version) if side == "erp" else _export_performance(order,
                                                                                 version)
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
    """Apply a B2MML document (either version), all or nothing, to the side it is meant for:
    a schedule creates or updates MES work orders, a performance is applied to the ERP's
    production orders. A schedule the MES already holds at that revision or newer (a stale
    or repeated file) is an error."""
    from gemba.adapters.b2mml import detect
    from gemba.cli.main import console, user_errors

    with user_errors():
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise _fail(f"cannot read {file}: {exc.strerror}") from None
        _version, kind = detect(data)
        if kind == "schedule":
            for r in _import_schedule(data, file):
                console.print(f"{r.request_id} revision {r.revision}: {r.outcome} (work order "
                              f"{r.work_order} {r.status.value}, revision "
                              f"{r.work_order_revision})", highlight=False)
            return
        outcomes = _import(data, file)
        applied = sum(1 for o in outcomes if o.applied)
        console.print(f"{applied} report(s) applied, {len(outcomes) - applied} already known",
                      highlight=False)


def _fail(message: str) -> typer.Exit:
    from gemba.cli.main import fail

    return fail(message)


def _check_version(version: str) -> None:
    from gemba.adapters.b2mml import B2mmlError

    if version not in ("V0701", "V0600"):
        raise B2mmlError(f"version {version!r} is not V0701 or V0600", "version")


def _export(number: str, version: str) -> bytes:
    from gemba.adapters.b2mml import to_xml
    from gemba.bootstrap import bootstrap
    from gemba.erp.mes_link.schedule import build_schedule
    from gemba.erp.production.production_order import get_production_order

    _check_version(version)
    gemba = bootstrap()
    try:
        with gemba.uow() as uow:
            return to_xml(build_schedule(get_production_order(uow, number)),
                          version)  # type: ignore[arg-type]
    finally:
        gemba.close()


def _export_performance(request_id: str, version: str) -> bytes:
    from gemba.adapters.b2mml import to_xml
    from gemba.bootstrap import bootstrap
    from gemba.mes.erp_link.performance_document import performance_document

    _check_version(version)
    gemba = bootstrap()
    try:
        with gemba.uow() as uow:
            return to_xml(performance_document(uow, request_id),
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


def _import_schedule(data: bytes, file: Path) -> list:  # type: ignore[type-arg]
    from gemba.adapters.b2mml import B2mmlError, from_xml
    from gemba.bootstrap import bootstrap
    from gemba.contracts.isa95 import ProductionSchedule
    from gemba.erp.mes_link.resolver import ErpResolver
    from gemba.mes.erp_link.b2mml_inbox import receive_schedule

    gemba = bootstrap()
    try:
        with gemba.uow(reason=f"gemba b2mml import {file.name}") as uow:
            # Gemba's catalog (ERP master data, ADR 0003) knows the items: no MES mirror yet.
            message = from_xml(data, ErpResolver(uow))
            if not isinstance(message, ProductionSchedule):
                raise B2mmlError("this is a performance; the MES imports schedules only")
            received = receive_schedule(uow, message)
            if all(r.stale for r in received):
                held = ", ".join(f"{r.request_id} at revision {r.known_revision}"
                                 for r in received)
                raise _fail(f"nothing applied: the MES already holds {held} (this file has "
                            + ", ".join(f"revision {r.revision}" for r in received) + ")")
            uow.commit()
            return received
    finally:
        gemba.close()
