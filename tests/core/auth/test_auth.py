import pytest
from sqlalchemy import select

from gemba.core.auth.actor import Actor
from gemba.core.auth.models import ApiToken, User
from gemba.core.auth.permissions import Permission, Role
from gemba.core.auth.services import (
    UserIn,
    actor_for_token,
    authenticate,
    create_api_token,
    create_user,
    revoke_api_token,
)
from gemba.core.errors import Conflict, NotAuthenticated, PermissionDenied
from gemba.erp.catalog.item import ItemIn, create_item


def _user(gemba, name="ann", roles=("planner",)):
    with gemba.uow() as uow:
        create_user(uow, UserIn(username=name, password="s3cret-pass", roles=list(roles)))
        uow.commit()


def test_passwords_are_argon2id_and_checked(gemba):
    _user(gemba)
    with gemba.uow() as uow:
        user = uow.session.scalar(select(User).where(User.username == "ann"))
        assert user.password_hash.startswith("$argon2id$")
        actor = authenticate(uow, "ann", "s3cret-pass")
        assert actor.roles == frozenset({Role.PLANNER})
        with pytest.raises(NotAuthenticated):
            authenticate(uow, "ann", "wrong-password")
        with pytest.raises(NotAuthenticated):
            authenticate(uow, "nobody", "s3cret-pass")


def test_duplicate_user_is_a_conflict(gemba):
    _user(gemba)
    with gemba.uow() as uow, pytest.raises(Conflict):
        create_user(uow, UserIn(username="ann", password="another-pass", roles=["viewer"]))


def test_api_tokens_are_stored_hashed_and_can_be_revoked(gemba):
    _user(gemba)
    with gemba.uow() as uow:
        raw = create_api_token(uow, "ann", "line-3 terminal")
        uow.commit()
    with gemba.uow() as uow:
        stored = uow.session.scalars(select(ApiToken)).one()
        assert raw not in (stored.token_hash, stored.prefix) and len(stored.token_hash) == 64
        assert actor_for_token(uow, raw).username == "ann"
        revoke_api_token(uow, stored.prefix)
        uow.commit()
    with gemba.uow() as uow, pytest.raises(NotAuthenticated, match="revoked"):
        actor_for_token(uow, raw)


def test_permissions_are_checked_in_the_service_layer(gemba):
    viewer = Actor(user_id=None, username="vic", roles=frozenset({Role.VIEWER}))
    with gemba.uow(viewer) as uow, pytest.raises(PermissionDenied, match="catalog.write"):
        create_item(uow, ItemIn(code="X", name="X", type="purchased", uom="ea"))
    with gemba.uow(viewer) as uow, pytest.raises(PermissionDenied):
        create_user(uow, UserIn(username="eve", password="whatever1", roles=["admin"]))


def test_every_role_has_read_access_and_only_admin_manages_users():
    for role in Role:
        actor = Actor(None, role.value, frozenset({role}))
        assert actor.can(Permission.MASTERDATA_READ)
        assert actor.can(Permission.USERS_ADMIN) == (role == Role.ADMIN)
