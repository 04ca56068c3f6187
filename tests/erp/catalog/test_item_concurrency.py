"""Optimistic locking holds under parallel clients: of N writers holding the same version,
exactly one wins; the others get a 409 Conflict and write nothing."""

import threading

from gemba.core.errors import Conflict
from gemba.erp.catalog.item import ItemIn, ItemPatch, create_item, get_item, update_item


def test_parallel_updates_with_same_version_one_wins(gemba):
    with gemba.uow() as uow:
        create_item(uow, ItemIn(code="X", name="start", type="purchased", uom="ea"))
        uow.commit()
    barrier = threading.Barrier(8)
    wins: list[int] = []
    conflicts: list[int] = []

    def writer(i: int) -> None:
        barrier.wait()  # every writer edits the version 1 it read earlier
        with gemba.uow() as uow:
            try:
                update_item(uow, "X", ItemPatch(version=1, name=f"writer {i}"))
                uow.commit()
                wins.append(i)
            except Conflict:
                conflicts.append(i)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1 and len(conflicts) == 7
    with gemba.uow() as uow:
        item = get_item(uow, "X")
        assert item.version == 2 and item.name == f"writer {wins[0]}"
