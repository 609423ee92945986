"""`kaidan import --org` takes an organization's code or its name; an unknown one is refused, naming the
organizations the user may import into."""

from __future__ import annotations

import pytest

from kaidan.accounts.selectors import resolve_organization
from kaidan.catalog.models import Dataset

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("org", ["hokenfukushi", "保健福祉政策課", " 保健福祉政策課 ", "HOKENFUKUSHI"])
def test_the_organization_is_given_by_its_code_or_its_name(kaidan, ward, csv_file, org):
    code, out, err = kaidan("import", str(csv_file), "--dataset=shelters", f"--org={org}", "--yes")

    assert code == 0, err
    assert Dataset.objects.get(name="shelters").owner == ward["hokenfukushi"]
    assert "shelters r1: 追加 added 2" in out


def test_an_unknown_organization_is_refused_naming_every_organization_for_the_system_operator(
    kaidan, ward, csv_file
):
    code, out, err = kaidan("import", str(csv_file), "--dataset=shelters", "--org=福祉課", "--yes")

    assert code == 2
    assert "福祉課" in err and "organization" in err and "組織" in err
    for org in ward.values():
        assert f"{org.code}  {org.name}" in err
    assert not Dataset.objects.exists() and out == ""


def test_an_unknown_organization_is_refused_naming_only_those_the_user_may_import_into(
    kaidan, ward, csv_file
):
    code, _out, err = kaidan(
        "import", str(csv_file), "--dataset=shelters", "--org=fukushi", "--user=fukushi.editor", "--yes"
    )

    assert code == 2
    assert "hokenfukushi  保健福祉政策課" in err
    assert "bosai" not in err and "shakyo" not in err  # a viewer there; not a member at all


def test_a_name_two_organizations_share_resolves_to_neither(make_org):
    make_org("kikaku-a", name="企画課")
    make_org("kikaku-b", name="企画課")

    assert resolve_organization("企画課") is None
    assert resolve_organization("kikaku-a").code == "kikaku-a"
    assert resolve_organization("") is None
