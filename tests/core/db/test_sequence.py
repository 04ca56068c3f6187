"""Gap-free document numbers under concurrency (the issue's ten-thread acceptance line)."""

import threading
from decimal import Decimal

import pytest

from gemba.core.db.sequence import next_number
from gemba.core.errors import GembaError
from gemba.erp.catalog.bom import BOM_SEQUENCE, Bom
from gemba.erp.catalog.item import ItemIn, create_item


def _parent(gemba):
    with gemba.uow() as uow:
        item = create_item(uow, ItemIn(code="P", name="Parent", type="manufactured", uom="ea"))
        uow.commit()
        return item.id


def test_ten_threads_get_distinct_gap_free_numbers(gemba):
    item_id = _parent(gemba)
    numbers: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(10)

    def worker(i: int) -> None:
        try:
            barrier.wait()
            with gemba.uow() as uow:
                number = next_number(uow.session, BOM_SEQUENCE)
                uow.session.add(Bom(number=number, item_id=item_id, revision=f"R{i}",
                                    base_qty=Decimal(1)))
                uow.commit()
                numbers.append(number)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(numbers) == [f"BOM-{n:06d}" for n in range(1, 11)]


def test_rolled_back_number_is_reused(gemba):
    item_id = _parent(gemba)
    with gemba.uow() as uow:
        assert next_number(uow.session, BOM_SEQUENCE) == "BOM-000001"
        uow.rollback()
    with gemba.uow() as uow:
        number = next_number(uow.session, BOM_SEQUENCE)
        uow.session.add(Bom(number=number, item_id=item_id, revision="A"))
        uow.commit()
    assert number == "BOM-000001"


def test_unknown_sequence_is_a_clear_error(gemba):
    with gemba.uow() as uow, pytest.raises(LookupError, match="no document sequence 'nope'"):
        next_number(uow.session, "nope")
    assert not issubclass(LookupError, GembaError)
