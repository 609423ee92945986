"""A page number nobody could reach (`?page=99999999999999999999`) shows the last page, never a server error
— on the public dataset page, with any size or revision number."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kaidan.access.services import SYSTEM
from kaidan.catalog.query import MAX_PAGE, GridQuery
from kaidan.ingest.services import plan_import, run_import

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


@pytest.fixture
def public_dataset(make_org, tmp_path):
    org = make_org("somu")
    path = tmp_path / "施設.csv"
    path.write_text("番号,施設名\n" + "".join(f"{n},施設{n:03d}\n" for n in range(1, 121)), encoding="utf-8")
    plan, _ = plan_import(path, dataset="facilities", organization=org.code, classification="public")
    run_import(plan, actor=SYSTEM)
    return reverse("catalog:dataset", kwargs={"name": "facilities"})


def test_an_absurd_page_shows_the_last_page_to_an_anonymous_visitor(client, public_dataset):
    response = client.get(public_dataset, {"page": HUGE})

    html = response.content.decode()
    assert response.status_code == 200
    assert "施設120" in html and "施設001" not in html  # 120 rows, 50 a page: the third page


def test_a_page_just_past_the_end_shows_the_last_page(client, public_dataset):
    html = client.get(public_dataset, {"page": "4"}).content.decode()
    assert "施設120" in html


def test_absurd_sizes_and_revisions_are_no_server_error(client, public_dataset):
    assert client.get(public_dataset, {"size": HUGE}).status_code == 200
    assert client.get(public_dataset, {"as_of": HUGE}).status_code in (200, 404)
    assert client.get(public_dataset, {"page": "-" + HUGE}).status_code == 200


def test_the_parser_clamps_the_page_number():
    assert GridQuery.from_params([], {"page": HUGE}).page == MAX_PAGE
    assert GridQuery.from_params([], {"page": "0"}).page == 1
    assert GridQuery.from_params([], {"page": "²"}).page == 1
    assert GridQuery.from_params([], {"page": "3"}).page == 3
