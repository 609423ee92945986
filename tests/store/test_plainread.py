"""The fixed-statement reads of the dataset and its fields (kaidan.catalog.plainread) give the very instances
the ORM gives: same values, same Python types, the owner and the fields' dataset already attached."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kaidan.access.services import SYSTEM
from kaidan.catalog.models import Dataset, Field
from kaidan.ingest.services import plan_import, run_import
from kaidan.store.plainread import dataset_with_owner

pytestmark = pytest.mark.django_db


@pytest.fixture
def dataset(make_org, tmp_path):
    owner = make_org("hokenfukushi", name="保健福祉政策課")
    path = tmp_path / "施設.csv"
    path.write_text("番号,施設名,定員\n1,池尻小学校,300\n2,太子堂中学校,\n", encoding="utf-8")
    plan, _analysis = plan_import(path, dataset="facilities", organization=owner.code)
    ds = run_import(plan, actor=SYSTEM).dataset
    ds.published, ds.published_at, ds.planned_release = True, timezone.now(), date(2027, 4, 1)
    ds.save()
    removed = ds.live_fields()[-1]
    removed.removed = True
    removed.save()
    return ds


def values(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_the_dataset_and_its_owner_read_as_the_orm_reads_them(dataset):
    orm = Dataset.objects.select_related("owner").get(name="facilities")
    with CaptureQueriesContext(connection) as queries:
        plain = dataset_with_owner(name="facilities")
        owner_name = plain.owner.name
    assert len(queries.captured_queries) == 1  # the owner came with it
    assert owner_name == "保健福祉政策課"
    assert values(plain) == values(orm)
    assert {k: type(v) for k, v in values(plain).items()} == {k: type(v) for k, v in values(orm).items()}
    assert values(plain.owner) == values(orm.owner)
    assert plain.published is True and plain.updated_at.tzinfo is not None
    assert values(dataset_with_owner(pk=orm.pk)) == values(orm)
    assert dataset_with_owner(name="no-such") is None


def test_live_fields_read_as_the_related_manager_reads_them(dataset):
    orm = list(dataset.fields.filter(removed=False).order_by("position", "pk"))
    with CaptureQueriesContext(connection) as queries:
        plain = dataset.live_fields()
        owners = {f.dataset.pk for f in plain}  # attached, no query each
    assert len(queries.captured_queries) == 1
    assert owners == {dataset.pk}
    assert [values(f) for f in plain] == [values(f) for f in orm]
    assert all(f.removed is False for f in plain)
    assert len(plain) == Field.objects.filter(dataset=dataset).count() - 1
