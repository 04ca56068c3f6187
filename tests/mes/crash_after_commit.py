"""Child process of test_relay_crash.py: one operator completion, then death by SIGKILL
right after the commit, before the outbox relay sends anything.

    python crash_after_commit.py NUMBER SEQ GOOD MINUTES

Settings come from the environment (GEMBA_DATABASE_URL, ...), as for any Gemba process, in
embedded mode: the relay runs as an after-commit hook in this process. The hook is the only
thing replaced: the relay's ``relay_pending`` kills the process when it is called, so the
commit has happened and no message has left the outbox. "COMMITTED" on stdout tells the
parent the completion went through before the kill.
"""

from __future__ import annotations

import os
import signal
import sys
from decimal import Decimal

from gemba.bootstrap import bootstrap
from gemba.mes import execution as ex


def die_before_sending(*_args: object, **_kw: object) -> int:
    print("COMMITTED", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable: SIGKILL cannot be caught")


def main(number: str, seq: str, good: str, minutes: str) -> None:
    gemba = bootstrap()
    if not gemba.settings.embedded_broker:
        sys.exit("expected embedded mode (the relay runs after each commit)")
    gemba.relay.relay_pending = die_before_sending  # type: ignore[method-assign]
    with gemba.uow() as uow:
        ex.complete_operation(uow, number, int(seq), Decimal(good), minutes=Decimal(minutes))
        uow.commit()  # the after-commit relay hook calls die_before_sending
    sys.exit("the after-commit relay hook did not run")


if __name__ == "__main__":
    main(*sys.argv[1:5])
