"""Every procedures URL, asked by every kind of outsider, never shows an applicant's answers: anonymous
visitors (without the private links), owner-organization viewers, other departments and partners without a
grant. The owner's editors see them (so the marker is real). URLs come from the resolver, so a new page is
covered the day it is added."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, get_resolver

from kaidan.procedures import applications
from kaidan.procedures.forms import ApplicationForm
from kaidan.procedures.models import Submission

from .conftest import ANSWERS

pytestmark = pytest.mark.django_db
SECRET = "QPROCSECRETNAME"


def procedure_routes() -> list[tuple[str, str]]:
    resolver = get_resolver()
    (prefix, namespace) = next(
        (str(p.pattern), p) for p in resolver.url_patterns if getattr(p, "namespace", None) == "procedures"
    )
    return [
        (prefix + str(item.pattern), str(item.name))
        for item in namespace.url_patterns  # type: ignore[attr-defined]
        if isinstance(item, URLPattern)
    ]


@pytest.fixture
def world(ward):
    procedure = ward["procedure"]
    raw = {**ANSWERS, "name": SECRET}
    draft = applications.save_draft(procedure, None, raw)
    form = ApplicationForm(
        draft.version, data=ApplicationForm.data_from(draft.version, raw, "a@example.jp"), held={}
    )
    assert form.is_valid()
    submission, _token = applications.submit(draft, form.answers(), email="a@example.jp")
    pending = applications.save_draft(procedure, None, raw)  # a draft not yet sent
    fill = {
        "slug": [procedure.slug],
        "pk": [submission.pk, 999],
        "number": [0, 1],
        "token": [f"{pending.pk}-{'0' * 40}", f"{submission.pk}-{'0' * 40}", "not-a-token"],
    }
    return {"ward": ward, "submission": submission, "fill": fill}


def urls(fill: dict) -> list[str]:
    found = []
    for route, _name in procedure_routes():
        paths = [route]
        for param in re.findall(r"<(?:\w+:)?(\w+)>", route):
            paths = [re.sub(rf"<(?:\w+:)?{param}>", str(v), p, count=1) for p in paths for v in fill[param]]
        found += ["/" + p for p in paths]
    return found


@pytest.mark.parametrize("who", ["anonymous", "viewer", "other", "partner"])
def test_no_procedures_page_shows_answers_to_outsiders(world, who):
    client = Client()
    if who != "anonymous":
        client.force_login(world["ward"][who])
    seen = 0
    for url in urls(world["fill"]):
        for response in (client.get(url), client.post(url, {})):
            seen += 1
            assert SECRET not in response.content.decode("utf-8", "replace"), (
                f"{who} saw the answers at {url}"
            )
    assert seen > 40


def test_the_owners_editor_sees_the_marker_so_the_test_is_real(world):
    client = Client()
    client.force_login(world["ward"]["editor"])
    submission: Submission = world["submission"]
    page = client.get(f"/procedures/manage/{submission.procedure.slug}/cases/{submission.pk}/")
    assert SECRET in page.content.decode()
