"""``gemba mrp run``: plan what is in the database (regenerative) and store the plan.

``--json`` prints the plan as one JSON document (planned orders with pegging, exception
messages); without it a summary and tables. Errors print one line and exit 1.
"""

from __future__ import annotations

import json
from datetime import date

import typer

mrp_app = typer.Typer(help="Material requirements planning.", no_args_is_help=True)

SHOWN = 50  # rows per table in the summary; --json has everything


@mrp_app.command("run")
def run(today: str | None = typer.Option(None, "--today",
                                         help="Plan as of this day (YYYY-MM-DD); default: "
                                              "today."),
        as_json: bool = typer.Option(False, "--json", help="Print the plan as JSON."),
        net_change: bool = typer.Option(
            False, "--net-change",
            help="Re-plan only the items changed since the last run (a process without the "
                 "last plan in memory plans everything: same result).")) -> None:
    """Plan every item (regenerative MRP) and replace the stored plan."""
    from gemba.cli.main import fail, user_errors

    try:
        day = date.fromisoformat(today) if today is not None else None
    except ValueError:
        raise fail(f"--today: {today!r} is not a date (YYYY-MM-DD)") from None
    with user_errors():
        plan, summary = _run(day, net_change)
    from gemba.erp.planning.report import plan_dict

    if as_json:
        typer.echo(json.dumps(plan_dict(plan)))
        return
    _print(plan, summary)


def _run(day: date | None, net_change: bool = False):  # type: ignore[no-untyped-def]
    from gemba.bootstrap import bootstrap
    from gemba.core.types import utcnow
    from gemba.erp.planning.run import run_mrp, run_mrp_net_change, summary

    gemba = bootstrap()
    try:
        with gemba.uow(reason="gemba mrp run") as uow:
            today = day or utcnow().date()
            plan = run_mrp_net_change(uow, today) if net_change else run_mrp(uow, today)
            uow.commit()
            return plan, summary(uow)
    finally:
        gemba.close()


def _print(plan, summary) -> None:  # type: ignore[no-untyped-def]
    from rich.table import Table

    from gemba.cli.main import console
    from gemba.erp.planning.report import qty_text

    if summary is not None:
        console.print(f"MRP run {summary.run_id} for {summary.today}: {summary.items} items, "
                      f"{summary.planned_orders} planned orders, {summary.exceptions} "
                      f"exceptions in {summary.seconds:.2f} s", highlight=False)
    orders = Table(title=f"Planned orders ({len(plan.planned_orders)})")
    for column in ("item", "kind", "qty", "release", "due", "pegged to"):
        orders.add_column(column, justify="right" if column == "qty" else "left")
    for o in plan.planned_orders[:SHOWN]:
        pegs = ", ".join(f"{p.demand_ref} {qty_text(p.qty)}" for p in o.pegging)
        orders.add_row(o.item, o.kind + (" (expedite)" if o.expedite else ""),
                       qty_text(o.qty), str(o.release_date), str(o.due_date), pegs)
    console.print(orders)
    excs = Table(title=f"Exception messages ({len(plan.exceptions)})")
    for column in ("item", "kind", "ref", "date", "message"):
        excs.add_column(column)
    for e in plan.exceptions[:SHOWN]:
        excs.add_row(e.item, e.kind, e.ref, str(e.date), e.message)
    console.print(excs)
    if len(plan.planned_orders) > SHOWN or len(plan.exceptions) > SHOWN:
        console.print(f"(first {SHOWN} rows of each; --json lists everything)")
