"""The role -> permission matrix. Permissions are checked in the service layer."""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    MASTERDATA_READ = "masterdata.read"
    CATALOG_WRITE = "catalog.write"          # units, items, BOMs, routings
    EQUIPMENT_WRITE = "equipment.write"      # ISA-95 hierarchy, calendars
    PERSONNEL_READ = "personnel.read"
    PERSONNEL_WRITE = "personnel.write"      # employees, skills, labour rates
    AUDIT_READ = "audit.read"
    USERS_ADMIN = "users.admin"
    DATA_LOAD = "data.load"                  # bulk CSV import
    INVENTORY_READ = "inventory.read"
    INVENTORY_WRITE = "inventory.write"      # transfers, adjustments, counts, lots, holds
    PURCHASING_READ = "purchasing.read"
    PURCHASING_WRITE = "purchasing.write"    # suppliers, purchase orders, receipts
    SALES_READ = "sales.read"
    SALES_WRITE = "sales.write"              # customers, price lists, orders, deliveries
    FINANCE_READ = "finance.read"            # ledger, reports
    FINANCE_WRITE = "finance.write"          # invoices, bills, payments, manual entries
    FINANCE_CLOSE = "finance.close"          # close fiscal periods
    ATTENDANCE_WRITE = "attendance.write"    # clock in / out
    MES_READ = "mes.read"                    # work orders, dispatch lists, WIP
    MES_EXECUTE = "mes.execute"              # start / pause / complete operations, consume
    MES_SUPERVISE = "mes.supervise"          # release, hold, cancel, split, priorities
    PLANNING_READ = "planning.read"          # MRP plans, planned orders, exceptions, forecasts
    PLANNING_WRITE = "planning.write"        # run MRP, forecasts


class Role(StrEnum):
    ADMIN = "admin"
    PLANNER = "planner"
    BUYER = "buyer"
    SALES = "sales"
    ACCOUNTANT = "accountant"
    SUPERVISOR = "supervisor"
    OPERATOR = "operator"
    QUALITY = "quality"
    MAINTENANCE = "maintenance"
    VIEWER = "viewer"


P = Permission
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    # The planner firms MRP's planned orders: purchase orders and production orders (which
    # are written under INVENTORY_WRITE).
    Role.PLANNER: frozenset({P.MASTERDATA_READ, P.CATALOG_WRITE, P.EQUIPMENT_WRITE,
                             P.AUDIT_READ, P.DATA_LOAD, P.INVENTORY_READ, P.INVENTORY_WRITE,
                             P.PURCHASING_READ, P.PURCHASING_WRITE, P.SALES_READ, P.MES_READ,
                             P.MES_SUPERVISE, P.PLANNING_READ, P.PLANNING_WRITE}),
    Role.BUYER: frozenset({P.MASTERDATA_READ, P.INVENTORY_READ, P.INVENTORY_WRITE,
                           P.PURCHASING_READ, P.PURCHASING_WRITE, P.PLANNING_READ}),
    Role.SALES: frozenset({P.MASTERDATA_READ, P.INVENTORY_READ, P.INVENTORY_WRITE,
                           P.SALES_READ, P.SALES_WRITE, P.PLANNING_READ}),
    Role.ACCOUNTANT: frozenset({P.MASTERDATA_READ, P.PERSONNEL_READ, P.AUDIT_READ,
                                P.INVENTORY_READ, P.PURCHASING_READ, P.SALES_READ,
                                P.FINANCE_READ, P.FINANCE_WRITE, P.FINANCE_CLOSE}),
    Role.SUPERVISOR: frozenset({P.MASTERDATA_READ, P.PERSONNEL_READ, P.PERSONNEL_WRITE,
                                P.AUDIT_READ, P.INVENTORY_READ, P.ATTENDANCE_WRITE,
                                P.MES_READ, P.MES_EXECUTE, P.MES_SUPERVISE, P.PLANNING_READ}),
    Role.OPERATOR: frozenset({P.MASTERDATA_READ, P.ATTENDANCE_WRITE, P.MES_READ,
                              P.MES_EXECUTE}),
    Role.QUALITY: frozenset({P.MASTERDATA_READ, P.AUDIT_READ, P.INVENTORY_READ,
                             P.INVENTORY_WRITE, P.MES_READ}),
    Role.MAINTENANCE: frozenset({P.MASTERDATA_READ, P.EQUIPMENT_WRITE}),
    Role.VIEWER: frozenset({P.MASTERDATA_READ, P.INVENTORY_READ, P.PURCHASING_READ,
                            P.SALES_READ, P.PLANNING_READ}),
}


def permissions_for(roles: frozenset[Role]) -> frozenset[Permission]:
    out: set[Permission] = set()
    for role in roles:
        out |= ROLE_PERMISSIONS[role]
    return frozenset(out)
