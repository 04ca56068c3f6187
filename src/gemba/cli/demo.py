"""``gemba demo``: migrate, load the demo company once, make demo users, print the login; and
the simulated factory behind it (``simulate``, ``start_live``)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from gemba.bootstrap import Gemba, data_files
from gemba.core.auth.models import User
from gemba.core.auth.services import UserIn, create_user
from gemba.core.dataload.loader import load_directory
from gemba.core.errors import GembaError
from gemba.core.listing import PageRequest
from gemba.core.types import utcnow
from gemba.demo.company import build_company, create_skills
from gemba.demo.company.people import PEOPLE
from gemba.erp.catalog.item import Item
from gemba.erp.production.production_order import (
    ProductionOrderIn,
    create_production_order,
    release_production_order,
)
from gemba.mes.work_order import WorkOrderStatus, list_work_orders, release_work_order

DEMO_DIR = Path(__file__).resolve().parents[1] / "demo"
# Badges worth trying at the terminal: E100 may weld, E101 holds no qualification, E102's
# welding certificate has expired (the terminal refuses her at the welding cell).
DEMO_OPERATORS = [(p.code, p.name, p.skills[0][0] if p.skills else None,
                   p.skills[0][1] if p.skills else 0)
                  for p in PEOPLE if p.code in ("E100", "E101", "E102")]
DEMO_USERS = [("admin", ["admin"]), ("planner", ["planner"]), ("buyer", ["buyer"]),
              ("sales", ["sales"]), ("accountant", ["accountant"]), ("operator", ["operator"]),
              ("supervisor", ["supervisor"]), ("viewer", ["viewer"])]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    loaded: bool


def _password(var_dir: Path) -> str:
    """One generated password for the demo users, kept in var/ so it is printed every time."""
    path = var_dir / "demo-password"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    password = "demo-" + secrets.token_urlsafe(6)
    path.write_text(password, encoding="utf-8")
    path.chmod(0o600)
    return password


def prepare_demo(gemba: Gemba, today: date | None = None) -> DemoLogin:
    """Idempotent: loads the demo company only into a database without items. ``today`` is
    the company's first day (default: today); a simulation passes its start date."""
    password = _password(gemba.settings.var_dir)
    day = today or utcnow().date()
    loaded = False
    with gemba.uow(reason="demo company") as uow:
        if not uow.session.scalar(select(func.count()).select_from(Item)):
            create_skills(uow)  # the routings name them
            result = load_directory(uow, data_files(), DEMO_DIR)
            if not result.ok:
                raise GembaError("demo data failed to load: "
                                 + "; ".join(str(e) for e in result.errors))
            loaded = True
    if loaded:
        with gemba.uow(reason="demo company") as uow:
            build_company(uow, day)
            uow.commit()
        _shop_floor(gemba, day)
    with gemba.uow(reason="demo users") as uow:
        for username, roles in DEMO_USERS:
            if uow.session.scalar(select(User.id).where(User.username == username)) is None:
                create_user(uow, UserIn(username=username, password=password, roles=roles,
                                        full_name=f"Demo {username}"))
        uow.commit()
    return DemoLogin("admin", password, loaded)


# (item, qty, due in days): work on every line from the first shift - welding (where E102 is
# refused), painting, wheels, a city bike and an e-bike (its e-drive needs the HV skill).
SHOP_FLOOR_ORDERS = [("FRAME-WLD", "20", 3), ("FRAME-AL", "10", 4), ("WHEEL-28", "40", 2),
                     ("BIKE-CITY", "4", 2), ("BIKE-E28", "2", 3)]


def _shop_floor(gemba: Gemba, today: date) -> None:
    """Production orders released to the MES, so the operator terminal has work at once."""
    with gemba.uow(reason="demo shop floor") as uow:
        for item, qty, days in SHOP_FLOOR_ORDERS:
            order = create_production_order(uow, ProductionOrderIn(
                item=item, qty=Decimal(qty), due_date=today + timedelta(days=days),
                start_date=today))
            release_production_order(uow, order.number)
        uow.commit()
    with gemba.uow(reason="demo shop floor") as uow:  # the schedules reached the MES
        for wo in list_work_orders(uow, PageRequest(limit=50)).items:
            if wo.status == WorkOrderStatus.RECEIVED:
                release_work_order(uow, wo.number)
        uow.commit()


# --- the simulated factory ----------------------------------------------------------------

Progress = Callable[[float, float], None]  # (simulated minutes done, of total)
STEP = 60.0  # simulated minutes between progress reports


def live_epoch(warmup_days: float, now: datetime | None = None) -> datetime:
    """Where a live demo's simulated time starts: ``warmup_days`` before today's midnight
    (UTC), moved back so the live part begins on a working day."""
    today = (now or utcnow()).astimezone(UTC).date()
    live = today
    while live.weekday() >= 5:
        live -= timedelta(days=1)
    return datetime.combine(live, time(0), tzinfo=UTC) - timedelta(days=warmup_days)


def new_simulation(gemba: Gemba, seed: int, epoch: datetime) -> Any:
    from gemba.demo.company.profile import PROFILE
    from gemba.sim.clock import SimClock
    from gemba.sim.world import Simulation

    return Simulation(gemba, PROFILE, seed=seed, clock=SimClock(epoch))


def simulate(sim: Any, days: float, progress: Progress | None = None) -> None:
    """Run ``days`` simulated days as fast as the machine allows."""
    end = sim.now + days * 24 * 60
    t = sim.now
    while t < end:
        t = min(t + STEP, end)
        sim.run(t)
        if progress is not None:
            progress(t, end)


def summary(sim: Any, start: float = 0.0) -> dict[str, Any]:
    from gemba.sim.summary import summarize

    return dict(summarize(sim, start, sim.now))


def start_live(sim: Any, speed: float) -> Any:
    from gemba.sim.live import LiveRunner

    runner = LiveRunner(sim, speed)
    runner.start()
    return runner
