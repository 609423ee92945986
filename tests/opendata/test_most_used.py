"""Every download of a dataset counts, per day, towards the residents' home's "most used" list: the portal's
downloads in any format and the grid's exports; reading the pages and the API counts nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kaidan.catalog.models import DatasetUse
from kaidan.catalog.usage import count_download

pytestmark = pytest.mark.django_db


def downloads_of(dataset) -> int:
    return sum(DatasetUse.objects.filter(dataset=dataset).values_list("downloads", flat=True))


def test_portal_downloads_and_grid_exports_are_counted_and_rank_the_dataset_on_the_home(client, ward):
    for fmt in ("csv", "json"):
        response = client.get(f"/dataset/aed/download?format={fmt}")
        assert response.status_code == 200
        b"".join(response.streaming_content)
    assert client.get(reverse("catalog:export", args=["aed"]), {"format": "csv"}).status_code == 200
    client.get("/dataset/aed/")
    client.get(reverse("catalog:dataset", args=["aed"]))

    assert downloads_of(ward) == 3  # the two pages count nothing
    assert DatasetUse.objects.filter(dataset=ward).count() == 1  # one row a day, not one a download
    home = client.get(reverse("core:home"))
    assert [(d.name, n) for d, n in home.context["most_used"]] == [("aed", 3)]


def test_a_refused_download_counts_nothing(client, ward):
    assert client.get("/dataset/aed/download?format=nosuch").status_code == 400
    assert downloads_of(ward) == 0


def test_counting_adds_to_the_days_row(ward):
    count_download(ward)
    count_download(ward)

    assert list(DatasetUse.objects.values_list("downloads", flat=True)) == [2]
