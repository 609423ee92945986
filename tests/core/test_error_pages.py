"""The error pages: styled (the site's layout), translated (Japanese by default), with a way back."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import RequestFactory
from django.utils import translation

from kaidan.core import errorpages


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "heading"), [(None, "ページが見つかりません"), ("en", "Page not found")]
)
def test_the_404_page_is_in_japanese_by_default_and_in_english_when_chosen(client, language, heading):
    if language:
        client.cookies["django_language"] = language
    response = client.get("/no-such-page/", HTTP_REFERER="http://testserver/datasets/")

    assert response.status_code == 404
    content = response.content.decode()
    assert f'<html lang="{language or "ja"}">' in content
    assert heading in content
    assert 'href="/"' in content  # home
    assert 'href="http://testserver/datasets/"' in content  # the previous page
    assert "kaidan/kaidan.css" in content


@pytest.mark.django_db
def test_a_not_found_from_a_selector_shows_the_404_page_and_names_nothing(client, make_org):
    from kaidan.access.levels import Level
    from kaidan.catalog.models import Dataset

    Dataset.objects.create(
        name="meibo", title="高齢者名簿", owner=make_org("o"), classification=Level.LIMITED
    )
    response = client.get("/datasets/meibo/")

    assert response.status_code == 404
    assert "ページが見つかりません" in response.content.decode()
    assert "meibo" not in response.content.decode().replace("/datasets/meibo/", "")


@pytest.mark.django_db
def test_the_previous_page_link_is_offered_only_for_this_site(client):
    content = client.get("/nothing/", HTTP_REFERER="https://evil.example/phish").content.decode()

    assert "evil.example" not in content
    assert "前のページに戻る" not in content


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "heading", "back"),
    [("ja", "この操作はできません", "ホームページへ"), ("en", "You may not do this", "Go to the home page")],
)
def test_the_403_page_in_both_languages(rf, language, heading, back):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/datasets/x/bulk")
    request.user = AnonymousUser()
    with translation.override(language):
        response = errorpages.permission_denied(request, PermissionDenied("You may not share this document."))
    content = response.content.decode()

    assert response.status_code == 403
    assert f'<html lang="{language}">' in content and heading in content and back in content


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "heading"), [("ja", "要求を読み取れませんでした"), ("en", "could not be read")]
)
def test_the_400_page_in_both_languages(rf, language, heading):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/")
    request.user = AnonymousUser()
    with translation.override(language):
        response = errorpages.bad_request(request, SuspiciousOperation("x"))

    assert response.status_code == 400
    assert heading in response.content.decode()


@pytest.mark.parametrize(
    ("language", "heading"), [("ja", "エラーが発生しました"), ("en", "Something went wrong")]
)
def test_the_500_page_renders_without_database_or_session(language, heading):
    """No django_db mark: any database query here fails the test."""
    request = RequestFactory().get("/datasets/aed/", HTTP_REFERER="http://testserver/datasets/")
    with translation.override(language):
        response = errorpages.server_error(request)
    content = response.content.decode()

    assert response.status_code == 500
    assert f'<html lang="{language}">' in content and heading in content
    assert 'href="/"' in content and 'href="http://testserver/datasets/"' in content
    assert "<script" not in content and "style=" not in content


def test_the_500_page_is_wired_as_the_handler():
    from kaidan import urls

    assert urls.handler500 == "kaidan.core.errorpages.server_error"
    assert urls.handler404 == "kaidan.core.errorpages.page_not_found"


@pytest.mark.django_db
def test_favicon_ico_leads_to_the_icon_and_pages_link_it(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"].endswith("/static/kaidan/favicon.svg")
    assert client.get(response["Location"]).status_code == 200
    assert 'rel="icon"' in client.get("/").content.decode()


@pytest.mark.django_db
def test_a_refused_form_gets_the_sites_403_page_in_japanese():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/i18n/setlang/", {"language": "en"})

    assert response.status_code == 403
    content = response.content.decode()
    assert "ページを再読み込み" in content and "kaidan/kaidan.css" in content
