"""BOM services: validation, cycles, effectivity, explosion, where-used, locking, history."""

from datetime import date
from decimal import Decimal
from fractions import Fraction
from itertools import count

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import func, select

from gemba.core.auth.actor import Actor
from gemba.core.auth.permissions import Role
from gemba.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gemba.core.listing import PageRequest
from gemba.erp.catalog import bom as b
from gemba.erp.catalog.bom_explosion import effective_bom, explode, to_qty, where_used
from gemba.erp.catalog.item import ItemIn, create_item

D = Decimal
VIEWER = Actor(user_id=None, username="v", roles=frozenset({Role.VIEWER}))


def items(gemba, *specs: tuple[str, str, str]) -> None:
    with gemba.uow() as uow:
        for code, kind, uom in specs:
            create_item(uow, ItemIn(code=code, name=f"Item {code}", type=kind, uom=uom))
        uow.commit()


def line(component: str, qty: str, scrap: str = "0", seq: int | None = None) -> b.BomLineIn:
    return b.BomLineIn(component=component, qty_per=D(qty), scrap_pct=D(scrap), seq=seq)


def make_bom(gemba, item: str, lines: list[b.BomLineIn], **kw) -> str:
    with gemba.uow() as uow:
        bom = b.create_bom(uow, b.BomIn(item=item, revision=kw.pop("revision", "A"),
                                        lines=lines, **kw))
        uow.commit()
        return bom.number


def bom_count(gemba) -> int:
    with gemba.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(b.Bom)) or 0


@pytest.fixture
def bike(gemba):
    """BIKE -> FRAME (base 2) -> TUBE, WELD; BIKE -> WHEELSET (phantom) -> WHEEL -> RIM, SPOKE,
    TUBE; BIKE -> PAINT with scrap."""
    items(gemba, ("BIKE", "manufactured", "ea"), ("FRAME", "manufactured", "ea"),
          ("WHEELSET", "phantom", "ea"), ("WHEEL", "manufactured", "ea"),
          ("TUBE", "purchased", "m"), ("WELD", "purchased", "kg"), ("RIM", "purchased", "ea"),
          ("SPOKE", "purchased", "ea"), ("PAINT", "purchased", "kg"),
          ("FITTING", "service", "h"))
    make_bom(gemba, "FRAME", [line("TUBE", "3.5", "12.5"), line("WELD", "0.1")],
             base_qty=D(2))
    make_bom(gemba, "WHEEL", [line("RIM", "1"), line("SPOKE", "32", "3"), line("TUBE", "0.5")])
    make_bom(gemba, "WHEELSET", [line("WHEEL", "2")])
    return make_bom(gemba, "BIKE", [line("FRAME", "1"), line("WHEELSET", "1"),
                                    line("PAINT", "0.25", "20")])


def test_create_numbers_lines_and_reads(gemba, bike):
    with gemba.uow() as uow:
        bom = b.get_bom(uow, bike)
        assert bike == "BOM-000004" and bom.item_code == "BIKE"
        assert [(x.seq, x.component_code) for x in bom.lines] == [
            (10, "FRAME"), (20, "WHEELSET"), (30, "PAINT")]
        assert bom.status == b.BomStatus.ACTIVE and bom.version == 1
        page = b.list_boms(uow, PageRequest(filters=(("item", "FRAME"),)))
        assert [x.number for x in page.items] == ["BOM-000001"]
        assert b.list_boms(uow, PageRequest(q="wheel")).total == 2
        with pytest.raises(ValidationFailed):
            b.list_boms(uow, PageRequest(filters=(("status", "bogus"),)))


def test_bad_input_names_the_field_and_writes_nothing(gemba, bike):
    before = bom_count(gemba)
    items(gemba, ("NEW", "manufactured", "ea"))
    with gemba.uow() as uow, pytest.raises(ValidationFailed) as exc:
        b.create_bom(uow, b.BomIn(item="NEW", revision="A", lines=[
            line("NOPE", "1"), line("RIM", "1.5"), line("FITTING", "1"), line("WELD", "1")]))
    fields = {(i.field, i.rule) for i in exc.value.issues}
    assert fields == {("lines[0].component", "unknown_item"), ("lines[1].qty_per", "uom_precision"),
                      ("lines[2].component", "service_component")}
    with gemba.uow() as uow, pytest.raises(ValidationFailed) as exc:
        b.create_bom(uow, b.BomIn(item="TUBE", revision="A", lines=[line("RIM", "1")]))
    assert exc.value.issues[0].field == "item"
    with gemba.uow() as uow, pytest.raises(ValidationFailed) as exc:
        b.create_bom(uow, b.BomIn(item="NEW", revision="A", lines=[
            line("RIM", "1", seq=10), line("WELD", "1", seq=10)]))
    assert exc.value.issues[0].field == "lines[1].seq"
    with gemba.uow() as uow, pytest.raises(Conflict):
        b.create_bom(uow, b.BomIn(item="BIKE", revision="A", lines=[line("RIM", "1")]))
    with pytest.raises(ValidationError) as verr:
        b.BomIn(item="NEW", revision="A", lines=[line("RIM", "-1")])
    assert verr.value.errors()[0]["loc"] == ("qty_per",)
    with pytest.raises(ValidationError) as verr:
        b.BomIn(item="NEW", revision="A", effective_from=date(2025, 2, 1),
                effective_to=date(2025, 1, 1))
    assert verr.value.errors()[0]["loc"] == ("effective_to",)
    assert bom_count(gemba) == before
    # The sequence gave nothing away: the next BOM gets the next number.
    assert make_bom(gemba, "NEW", [line("RIM", "1")]) == "BOM-000005"


def test_direct_and_indirect_cycles_are_rejected_with_path(gemba):
    items(gemba, ("A", "manufactured", "ea"), ("B", "manufactured", "ea"),
          ("C", "phantom", "ea"), ("X", "purchased", "ea"))
    with gemba.uow() as uow, pytest.raises(ValidationFailed) as exc:
        b.create_bom(uow, b.BomIn(item="A", revision="1", lines=[line("X", "1"), line("A", "1")]))
    assert "BOM cycle: A -> A" in exc.value.message
    assert exc.value.issues[0].field == "lines[1].component"
    make_bom(gemba, "A", [line("B", "1")])
    make_bom(gemba, "B", [line("C", "2")], status="draft")  # drafts count too
    with gemba.uow() as uow, pytest.raises(ValidationFailed) as exc:
        b.create_bom(uow, b.BomIn(item="C", revision="1", lines=[line("X", "1"), line("A", "1")]))
    assert exc.value.issues[0].rule == "bom_cycle"
    assert "BOM cycle: C -> A -> B -> C" in exc.value.message
    assert bom_count(gemba) == 2
    # Through another revision of a component, and through line edits.
    c = make_bom(gemba, "C", [line("X", "1")])
    with gemba.uow() as uow, pytest.raises(ValidationFailed) as exc:
        b.add_line(uow, c, b.BomLineAdd(version=1, component="A", qty_per=D(1)))
    assert "BOM cycle: C -> A -> B -> C" in exc.value.message
    assert exc.value.issues[0].field == "component"
    with gemba.uow() as uow, pytest.raises(ValidationFailed) as exc:
        b.replace_lines(uow, c, b.BomLinesIn(version=1, lines=[line("B", "1")]))
    assert "BOM cycle: C -> B -> C" in exc.value.message
    with gemba.uow() as uow:
        assert [x.component_code for x in b.get_bom(uow, c).lines] == ["X"]
        assert b.get_bom(uow, c).version == 1


def test_obsolete_boms_do_not_count_until_revived(gemba):
    items(gemba, ("A", "manufactured", "ea"), ("B", "manufactured", "ea"))
    old = make_bom(gemba, "B", [line("A", "1")], status="obsolete")
    make_bom(gemba, "A", [line("B", "1")])
    with gemba.uow() as uow, pytest.raises(ValidationFailed) as exc:
        b.update_bom(uow, old, b.BomPatch(version=1, status="active"))
    assert "BOM cycle: B -> A -> B" in exc.value.message


def test_header_update_status_dates_and_stale_version(gemba, bike):
    with gemba.uow() as uow:
        bom = b.update_bom(uow, bike, b.BomPatch(version=1, effective_from=date(2025, 1, 1),
                                                  revision="B"))
        uow.commit()
        assert bom.version == 2 and bom.revision == "B"
    with gemba.uow() as uow, pytest.raises(Conflict, match="stale version"):
        b.update_bom(uow, bike, b.BomPatch(version=1, revision="C"))
    with gemba.uow() as uow, pytest.raises(ValidationFailed) as exc:
        b.update_bom(uow, bike, b.BomPatch(version=2, effective_to=date(2024, 1, 1)))
    assert exc.value.issues[0].field == "effective_to"
    with gemba.uow() as uow, pytest.raises(ValidationFailed):
        b.update_bom(uow, bike, b.BomPatch(version=2, status=None))
    with gemba.uow() as uow, pytest.raises(Conflict, match="cannot go from active to draft"):
        b.update_bom(uow, bike, b.BomPatch(version=2, status="draft"))
    with gemba.uow() as uow, pytest.raises(ValidationFailed) as exc:
        b.update_bom(uow, bike, b.BomPatch(version=2, base_qty=D("1.5")))
    assert exc.value.issues[0].field == "base_qty"


def test_line_edits_bump_version_and_are_audited(gemba, bike):
    with gemba.uow() as uow:
        bom = b.replace_lines(uow, bike, b.BomLinesIn(version=1, lines=[
            line("FRAME", "1", seq=10), line("PAINT", "0.3", "20", seq=30),
            line("RIM", "2", seq=40)]))
        uow.commit()
        assert bom.version == 2
        assert [(x.seq, x.component_code, x.qty_per) for x in bom.lines] == [
            (10, "FRAME", D(1)), (30, "PAINT", D("0.3")), (40, "RIM", D(2))]
    with gemba.uow() as uow, pytest.raises(Conflict):  # concurrent editor read version 1
        b.add_line(uow, bike, b.BomLineAdd(version=1, component="WELD", qty_per=D(1)))
    with gemba.uow() as uow:
        bom = b.add_line(uow, bike, b.BomLineAdd(version=2, component="WELD", qty_per=D(1)))
        assert bom.lines[-1].seq == 50 and bom.version == 3
        bom = b.remove_line(uow, bike, 40, version=3)
        uow.commit()
        assert [x.seq for x in bom.lines] == [10, 30, 50] and bom.version == 4
    with gemba.uow() as uow, pytest.raises(NotFound):
        b.remove_line(uow, bike, 40)
    with gemba.uow() as uow:
        hist = b.bom_history(uow, bike)
        actions = [(e.record_type, e.action) for e in hist]
        seqs = [e.seq for e in hist]
    assert actions.count(("erp_bom_lines", "create")) == 5  # 3 initial, RIM, WELD
    assert ("erp_bom_lines", "update") in actions  # PAINT 0.25 -> 0.3
    assert actions.count(("erp_bom_lines", "delete")) == 2  # WHEELSET, RIM
    assert seqs == sorted(seqs) and ("erp_boms", "create") in actions


def test_delete_and_permissions(gemba, bike):
    with gemba.uow(VIEWER) as uow:
        assert b.get_bom(uow, bike).number == bike
        assert explode(uow, "BIKE", D(1), date(2025, 1, 1)).lines
        with pytest.raises(PermissionDenied):
            b.update_bom(uow, bike, b.BomPatch(version=1, revision="Z"))
        with pytest.raises(PermissionDenied):
            b.delete_bom(uow, bike)
    with gemba.uow() as uow, pytest.raises(Conflict):
        b.delete_bom(uow, bike, version=7)
    with gemba.uow() as uow:
        b.delete_bom(uow, bike, version=1)
        uow.commit()
    with gemba.uow() as uow, pytest.raises(NotFound):
        b.get_bom(uow, bike)


def test_three_level_explosion_with_scrap_and_phantom(gemba, bike):
    with gemba.uow() as uow:
        result = explode(uow, "BIKE", D(10), date(2025, 6, 1))
    rows = [(r.level, r.component_code, r.gross_qty, r.parent_code) for r in result.lines]
    assert rows == [
        (1, "FRAME", D(10), "BIKE"),
        (2, "TUBE", D(20), "FRAME"),          # 10 * 3.5 / 2 / 0.875
        (2, "WELD", D("0.5"), "FRAME"),       # 10 * 0.1 / 2
        (1, "WHEEL", D(20), "WHEELSET"),      # phantom blown through, at its level
        (2, "RIM", D(20), "WHEEL"),
        (2, "SPOKE", D("659.793814"), "WHEEL"),  # 20 * 32 / 0.97, rounded to 6 places
        (2, "TUBE", D(10), "WHEEL"),
        (1, "PAINT", D("3.125"), "BIKE"),     # 10 * 0.25 / 0.8
    ]
    assert result.lines[3].path == ("BIKE", "WHEELSET", "WHEEL")
    assert "WHEELSET" not in {r.component_code for r in result.lines}
    totals = {t.component_code: (t.low_level, t.gross_qty) for t in result.totals}
    assert totals == {"FRAME": (1, D(10)), "WHEEL": (1, D(20)), "PAINT": (1, D("3.125")),
                      "TUBE": (2, D(30)), "WELD": (2, D("0.5")), "RIM": (2, D(20)),
                      "SPOKE": (2, D("659.793814"))}
    assert all(isinstance(t.gross_qty, Decimal) for t in result.totals)
    with gemba.uow() as uow, pytest.raises(ValidationFailed):
        explode(uow, "BIKE", D(0), date(2025, 6, 1))
    with gemba.uow() as uow, pytest.raises(NotFound):
        explode(uow, "TUBE", D(1), date(2025, 6, 1))


def test_where_used_single_and_multilevel(gemba, bike):
    with gemba.uow() as uow:
        single = where_used(uow, "TUBE")
        multi = where_used(uow, "TUBE", multilevel=True)
    assert [(u.parent_code, u.qty_per) for u in single] == [("FRAME", D("3.5")),
                                                            ("WHEEL", D("0.5"))]
    assert [(u.level, u.path) for u in multi] == [
        (1, ("TUBE", "FRAME")), (2, ("TUBE", "FRAME", "BIKE")),
        (1, ("TUBE", "WHEEL")), (2, ("TUBE", "WHEEL", "WHEELSET")),
        (3, ("TUBE", "WHEEL", "WHEELSET", "BIKE"))]
    with gemba.uow() as uow:
        assert where_used(uow, "BIKE", multilevel=True) == []


def test_effective_bom_selection(gemba):
    items(gemba, ("P", "manufactured", "ea"), ("X", "purchased", "ea"))
    r1 = make_bom(gemba, "P", [line("X", "1")], revision="1", effective_from=date(2024, 1, 1))
    r2 = make_bom(gemba, "P", [line("X", "2")], revision="2", effective_from=date(2025, 1, 1),
                  effective_to=date(2025, 12, 31))
    make_bom(gemba, "P", [line("X", "3")], revision="3", effective_from=date(2025, 6, 1),
             status="draft")
    make_bom(gemba, "P", [line("X", "4")], revision="4", status="obsolete")
    with gemba.uow() as uow:
        assert effective_bom(uow, "P", date(2024, 6, 1)).number == r1
        assert effective_bom(uow, "P", date(2025, 1, 1)).number == r2
        assert effective_bom(uow, "P", date(2025, 12, 31)).number == r2
        assert effective_bom(uow, "P", date(2026, 1, 1)).number == r1
        assert explode(uow, "P", D(1), date(2025, 7, 1)).totals[0].gross_qty == D(2)
        with pytest.raises(NotFound, match="no active BOM"):
            effective_bom(uow, "P", date(2023, 12, 31))


def test_to_qty_is_exact_or_rounds_half_up():
    assert to_qty(Fraction(5, 2)) == D("2.5") and str(to_qty(Fraction(5, 2))) == "2.5"
    assert str(to_qty(Fraction(30))) == "30"
    assert to_qty(Fraction(1, 3)) == D("0.333333")
    assert to_qty(Fraction(2, 3)) == D("0.666667")
    assert to_qty(Fraction(1, 2_000_000)) == D("0.000001")


# --- property: explosion totals equal the sum over paths of qty_per products -----------------

_run = count()
DAG = st.integers(min_value=2, max_value=6).flatmap(lambda n: st.tuples(
    st.just(n),
    st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1),
                       st.integers(1, 40)), min_size=1, max_size=12)))


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(dag=DAG)
def test_explosion_totals_match_path_products(gemba, dag):
    n, raw_edges = dag
    edges: dict[int, list[tuple[int, Decimal]]] = {}
    for a, c, q in raw_edges:
        if a != c:  # orient every edge from lower to higher index: acyclic by construction
            parent, child = min(a, c), max(a, c)
            edges.setdefault(parent, []).append((child, D(q) / 10))
    if 0 not in edges:
        edges[0] = [(n - 1, D("1.5"))]
    run = next(_run)
    code = [f"H{run}-{i}" for i in range(n)]
    items(gemba, *[(code[i], "manufactured" if i in edges else "purchased", "kg")
                   for i in range(n)])
    for parent in sorted(edges, reverse=True):
        make_bom(gemba, code[parent], [line(code[c], str(q)) for c, q in edges[parent]])

    expected: dict[str, Decimal] = {}

    def paths(node: int, product: Decimal) -> None:
        for child, q in edges.get(node, []):
            expected[code[child]] = expected.get(code[child], D(0)) + product * q
            paths(child, product * q)

    paths(0, D(1))
    with gemba.uow() as uow:
        result = explode(uow, code[0], D(1), date(2025, 1, 1))
    assert {t.component_code: t.gross_qty for t in result.totals} == expected
