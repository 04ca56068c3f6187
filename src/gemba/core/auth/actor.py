"""Who is acting: carried by the unit of work so services check permissions themselves."""

from __future__ import annotations

from dataclasses import dataclass

from gemba.core.auth.permissions import Permission, Role, permissions_for
from gemba.core.errors import PermissionDenied


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    roles: frozenset[Role]
    site_codes: frozenset[str] | None = None  # None: every site

    @property
    def permissions(self) -> frozenset[Permission]:
        return permissions_for(self.roles)

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise PermissionDenied(f"{self.username} lacks permission {permission.value}")

    def can_see_site(self, site_code: str | None) -> bool:
        return self.site_codes is None or site_code is None or site_code in self.site_codes

    def require_site(self, site_code: str | None) -> None:
        if not self.can_see_site(site_code):
            raise PermissionDenied(f"{self.username} is not scoped to site {site_code}")


SYSTEM = Actor(user_id=None, username="system", roles=frozenset({Role.ADMIN}))
