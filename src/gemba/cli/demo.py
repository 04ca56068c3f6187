"""``gemba demo``: migrate, load the demo company once, make demo users, print the login."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from gemba.bootstrap import Gemba, data_files
from gemba.core.auth.models import User
from gemba.core.auth.services import UserIn, create_user
from gemba.core.dataload.loader import load_directory
from gemba.core.errors import GembaError
from gemba.erp.catalog.item import Item

DEMO_DIR = Path(__file__).resolve().parents[1] / "demo"
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


def prepare_demo(gemba: Gemba) -> DemoLogin:
    """Idempotent: loads the demo data only into a database without items."""
    password = _password(gemba.settings.var_dir)
    loaded = False
    with gemba.uow(reason="demo company") as uow:
        if not uow.session.scalar(select(func.count()).select_from(Item)):
            result = load_directory(uow, data_files(), DEMO_DIR)
            if not result.ok:
                raise GembaError("demo data failed to load: "
                                 + "; ".join(str(e) for e in result.errors))
            loaded = True
    with gemba.uow(reason="demo users") as uow:
        for username, roles in DEMO_USERS:
            if uow.session.scalar(select(User.id).where(User.username == username)) is None:
                create_user(uow, UserIn(username=username, password=password, roles=roles,
                                        full_name=f"Demo {username}"))
        uow.commit()
    return DemoLogin("admin", password, loaded)
