"""The public home page and the staff home page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kaidan.accounts.models import Organization

pytestmark = pytest.mark.django_db


def test_the_public_home_page_renders_for_anyone(client):
    response = client.get(reverse("core:home"))

    assert response.status_code == 200
    content = response.content.decode()
    assert '<html lang="ja">' in content
    assert reverse("accounts:login") in content
    assert 'href="#main"' in content and 'id="main"' in content


def test_the_staff_home_requires_login(client):
    response = client.get(reverse("core:staff_home"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={reverse('core:staff_home')}"


def test_the_staff_home_lists_the_users_organizations_and_roles(client, make_org, make_user):
    user = make_user("tanaka", make_org("bosai", name="防災課"), role="editor")
    make_org("kodomo", name="子ども家庭課")
    from kaidan.accounts.services import set_membership

    set_membership(
        actor=None,
        user=user,
        organization=make_org("shakyo", Organization.Kind.PARTNER, "社会福祉協議会"),
        role="viewer",
    )
    client.force_login(user)
    client.cookies["django_language"] = "en"  # the choice made with the header's language switch

    response = client.get(reverse("core:staff_home"))

    assert response.status_code == 200
    content = response.content.decode()
    assert "防災課" in content and "社会福祉協議会" in content
    assert "子ども家庭課" not in content
    assert "Editor" in content and "Partner organization" in content


def test_the_staff_home_roles_are_in_japanese_by_default(client, make_org, make_user):
    client.force_login(make_user("tanaka", make_org("bosai", name="防災課"), role="editor"))

    content = client.get(reverse("core:staff_home")).content.decode()

    assert "編集者" in content
    assert "課（区の部署）" in content


def test_a_user_without_organizations_is_told_whom_to_ask(client, make_user):
    client.force_login(make_user("tanaka"))

    response = client.get(reverse("core:staff_home"))

    assert response.status_code == 200
    assert response.context["memberships"] == []


def test_switching_the_language_to_english_and_back(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response["Location"] == "/"
    assert '<html lang="en">' in client.get("/").content.decode()

    client.post(reverse("set_language"), {"language": "ja", "next": "/"})
    assert '<html lang="ja">' in client.get("/").content.decode()


def test_health_check(client):
    assert client.get(reverse("core:health")).content == b"ok"


def test_pages_are_japanese_even_for_an_english_browser_until_english_is_chosen(client, db):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="ja">' in page.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert '<html lang="en">' in client.get("/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()


def test_the_visitors_menu_is_kept_per_language_and_marks_the_current_section(client, make_org, make_user):
    """The anonymous menu is rendered once a process for each language (and current section) it is shown in;
    a visitor switching language, a page marking its section and a staff member's own menu stay right."""
    import re

    def menu(path: str, language: str = "ja") -> str:
        client.post(reverse("set_language"), {"language": language, "next": "/"})
        page = client.get(path).content.decode()
        return page[page.index("<nav") : page.index("</nav>")]

    for _ in range(2):  # the second time from the kept fragment
        ja, en = menu(reverse("core:home")), menu(reverse("core:home"), "en")
        assert ">ホーム<" in ja and ">Home<" in en and "aria-current" not in ja + en
        documents = menu(reverse("documents:list"))
        assert re.search(r'href="[^"]*"\s+aria-current="page">文書<', documents)
    client.force_login(make_user("tanaka", make_org("bosai", name="防災課"), role="editor"))
    staff = menu(reverse("core:home"))
    assert reverse("search:search") in staff and reverse("core:staff_home") in staff
    assert reverse("opendata:portal") not in staff
