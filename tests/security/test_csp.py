"""Every page carries a Content-Security-Policy that allows scripts and styles only from Kaidan itself, and
no page needs more: no inline scripts, styles or event handlers; htmx may not eval or run swapped scripts."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from kaidan.access.services import SYSTEM
from kaidan.ingest.services import plan_import, run_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(make_org, make_user, tmp_path, client):
    org = make_org("somu")
    path = tmp_path / "施設.csv"
    path.write_text("番号,施設名\n1,池尻小学校\n", encoding="utf-8")
    plan, _ = plan_import(path, dataset="facilities", organization=org.code, classification="public")
    run_import(plan, actor=SYSTEM)
    return [
        reverse("core:home"),
        reverse("catalog:catalog"),
        reverse("catalog:dataset", kwargs={"name": "facilities"}),
        reverse("accounts:login"),
    ]


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {d.split()[0]: d.partition(" ")[2] for d in (p.strip() for p in policy.split(";")) if d}


def test_pages_send_a_strict_policy_and_the_usual_security_headers(client, pages):
    response = client.get(pages[0])
    policy = directives(response)
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert policy["base-uri"] == "'self'" and policy["form-action"] == "'self'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_no_page_needs_inline_script_or_style_and_htmx_may_not_eval(client, make_user, pages):
    staff = make_user("sato", None, is_superuser=True)
    for visitor in (None, staff):
        if visitor is not None:
            client.force_login(visitor)
        for url in [*pages, reverse("ingest:upload")] if visitor else pages:
            html = client.get(url, follow=True).content.decode()
            assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == [], url
            assert "<style" not in html and not re.search(r"\sstyle=", html), url
            assert not re.search(r"\son[a-z]+=", html), url
            assert '"allowEval": false' in html and '"allowScriptTags": false' in html, url


def test_report_only_sends_the_policy_without_enforcing_it(client, pages, settings):
    settings.CSP_REPORT_ONLY = True
    response = client.get(pages[0])
    assert "Content-Security-Policy" not in response
    assert "script-src 'self'" in response["Content-Security-Policy-Report-Only"]
