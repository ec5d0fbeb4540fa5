"""Login throttling for the shared-password gate (issue 9): after each wrong password the next
attempt waits twice as long (1 s, 2 s, 4 s, ... up to 5 min), for the whole server, not per
browser session, so opening a new tab does not reset it. Pure Python: tested without Streamlit.

:meth:`LoginThrottle.attempt` is the race-free entry (issue 21): it checks and counts in one step
under the lock, so parallel sessions cannot all pass ``wait() == 0`` before any ``failed()``."""

from __future__ import annotations

import threading
import time


class LoginThrottle:
    """Server-wide back-off: ``wait()`` seconds before the next attempt may be checked."""

    def __init__(self, base_s: float = 1.0, max_s: float = 300.0, clock=time.monotonic) -> None:
        self.base_s, self.max_s, self.clock = base_s, max_s, clock
        self.failures = 0
        self.until = 0.0
        self._lock = threading.Lock()

    def wait(self) -> float:
        """Seconds left before an attempt is accepted (0 = go ahead)."""
        with self._lock:
            return max(0.0, self.until - self.clock())

    def attempt(self) -> float:
        """Check-and-count in one step: 0 when this attempt may be checked (it is counted as a
        failure already, with the back-off that earns), else the seconds left (nothing counted).
        After a right password call :meth:`succeeded`; after a wrong one, nothing."""
        with self._lock:
            left = self.until - self.clock()
            if left > 0:
                return left
            self._failed()
            return 0.0

    def failed(self) -> None:
        with self._lock:
            self._failed()

    def _failed(self) -> None:
        self.failures += 1
        delay = min(self.base_s * 2 ** (self.failures - 1), self.max_s)
        self.until = self.clock() + delay

    def succeeded(self) -> None:
        with self._lock:
            self.failures = 0
            self.until = 0.0
