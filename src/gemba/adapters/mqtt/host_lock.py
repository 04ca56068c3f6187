"""One holder per host: an exclusive ``flock`` on a file named after what it guards.

Production runs several API worker processes (``uvicorn --workers N``), and each starts the
background relay and the MQTT consumers. Two things must not happen twice at once:
- a consumer's MQTT client id connected twice: the broker closes the older connection, both
  reconnect and take the session from each other for as long as they run;
- two relays sending the same outbox rows: harmless (the inbox absorbs them) but N-times work.
The kernel drops the lock when its holder dies, so a standby process takes over. The lock only
covers processes on one host; run the consumers of one deployment on one host.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from pathlib import Path


class HostLock:
    """A named exclusive lock shared by the processes of this host (not re-entrant: a second
    ``HostLock`` of the same name in the same process is a second contender)."""

    def __init__(self, name: str, directory: Path | None = None) -> None:
        digest = hashlib.sha256(name.encode()).hexdigest()[:24]  # names may hold secrets
        self.path = (directory or Path(tempfile.gettempdir())) / f"gemba-{digest}.lock"
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, blocking: bool = False) -> bool:
        """True once this object holds the lock; False when another holder has it (only when
        not ``blocking``)."""
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return True

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def __enter__(self) -> HostLock:
        self.acquire(blocking=True)
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
