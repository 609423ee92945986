"""Named points where the crash tests kill the process, so "killed right there" is tested, not hoped for.

A kill -9 at a random moment mostly lands where nothing interesting happens; the states that matter are
between two steps (the data written but not committed; the webhook sent but not recorded; the database
restored but not yet its files). `reached(name)` kills the current process with SIGKILL — no cleanup, no
`finally`, exactly as the kernel would — when KAIDAN_FAILPOINT names that point, and does nothing otherwise
(one environment lookup). Only tests set the variable (tests/reliability/test_crashes.py).
"""

from __future__ import annotations

import os
import signal


def reached(name: str) -> None:
    if os.environ.get("KAIDAN_FAILPOINT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
