"""The leak test (test_no_leaks.py) for a partner with a grant and a partner editor with a row scope: the same check, in a file
of its own so that pytest-xdist, which keeps a file on one worker, can run it beside the rest of the leak
test."""

from __future__ import annotations

import pytest

from .test_no_leaks import PARTNER_ACTORS, reveals_nothing, world  # noqa: F401 — world is a fixture

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("actor", PARTNER_ACTORS)
def test_no_response_to_any_actor_reveals_what_they_may_not_see(actor, world):  # noqa: F811 — the fixture imported above
    reveals_nothing(actor, world)
