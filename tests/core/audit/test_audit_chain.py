"""The audit trail: same transaction, append-only, hash-chained, tamper-evident."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from gemba.core.audit.models import AuditEntry
from gemba.core.audit.verify import verify_chain
from gemba.core.errors import ValidationFailed
from gemba.erp.catalog.item import ItemIn, ItemPatch, create_item, delete_item, update_item


def _make_history(gemba):
    with gemba.uow(reason="initial load") as uow:
        create_item(uow, ItemIn(code="A", name="Alpha", type="purchased", uom="kg"))
        create_item(uow, ItemIn(code="B", name="Beta", type="purchased", uom="ea"))
        uow.commit()
    with gemba.uow(reason="typo") as uow:
        update_item(uow, "A", ItemPatch(version=1, name="Alpha 2"))
        uow.commit()
    with gemba.uow() as uow:
        delete_item(uow, "B")
        uow.commit()


def test_every_change_is_recorded_with_who_what_and_why(gemba):
    _make_history(gemba)
    with gemba.session_factory() as s:
        entries = s.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert [(e.action, e.record_type) for e in entries] == [
        ("create", "erp_items"), ("create", "erp_items"), ("update", "erp_items"),
        ("delete", "erp_items")]
    update = entries[2]
    assert update.old_values == {"name": "Alpha"} and update.new_values == {"name": "Alpha 2"}
    assert update.reason == "typo" and update.actor == "system"
    assert entries[3].old_values["code"] == "B" and entries[3].new_values is None
    assert entries[0].at.tzinfo is not None


def test_failed_change_leaves_no_audit_entry(gemba):
    with gemba.uow() as uow, pytest.raises(ValidationFailed):
        create_item(uow, ItemIn(code="C", name="C", type="purchased", uom="ea"))
        create_item(uow, ItemIn(code="D", name="D", type="purchased", uom="nope"))
        uow.commit()
    with gemba.session_factory() as s:
        assert s.scalars(select(AuditEntry)).all() == []
        assert verify_chain(s).ok


def test_verify_passes_on_clean_database(gemba):
    with gemba.session_factory() as s:
        assert verify_chain(s).ok and verify_chain(s).checked == 0
    _make_history(gemba)
    with gemba.session_factory() as s:
        result = verify_chain(s)
    assert result.ok and result.checked == 4


def test_audit_rows_cannot_be_updated_or_deleted(gemba):
    _make_history(gemba)
    for sql in ("UPDATE core_audit_log SET actor = 'mallory'", "DELETE FROM core_audit_log"):
        with gemba.engine.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text(sql))


def _disable_guard(conn):
    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE core_audit_log DISABLE TRIGGER core_audit_log_no_update"))
    else:
        conn.execute(text("DROP TRIGGER core_audit_log_no_update"))
        conn.execute(text("DROP TRIGGER core_audit_log_no_delete"))


def test_verify_detects_an_altered_row(gemba):
    _make_history(gemba)
    with gemba.engine.begin() as conn:
        _disable_guard(conn)  # an attacker with DBA rights
        conn.execute(text("UPDATE core_audit_log SET new_values = :v WHERE seq = 3"),
                     {"v": '{"name": "Forged"}'})
    with gemba.session_factory() as s:
        result = verify_chain(s)
    assert not result.ok and result.broken_seq == 3
    assert "altered" in result.problem


def test_verify_detects_removed_rows(gemba):
    _make_history(gemba)
    with gemba.engine.begin() as conn:
        _disable_guard(conn)
        conn.execute(text("DELETE FROM core_audit_log WHERE seq = 2"))
    with gemba.session_factory() as s:
        result = verify_chain(s)
    assert not result.ok and result.broken_seq == 2
    with gemba.engine.begin() as conn:
        conn.execute(text("DELETE FROM core_audit_log WHERE seq >= 2"))
    with gemba.session_factory() as s:
        tail = verify_chain(s)
    assert not tail.ok and "removed" in tail.problem
