"""Share links instead of PPAP: a sharer creates a link; the recipient proves their address with a one-time
code e-mailed through a real SMTP server, then sees or downloads exactly what the link allows — and every
refusal (revoked, expired, used up, wrong code, another recipient's code) sends no content and is logged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kaidan.access.services import rights
from kaidan.accounts.services import remove_membership
from kaidan.audit.models import AuditEntry
from kaidan.catalog.models import SavedView
from kaidan.documents.services import delete_document
from kaidan.links.actors import LinkActor
from kaidan.links.models import LinkAccess, LinkCode, ShareLink
from kaidan.links.services import hash_token

from .conftest import DOCUMENT_BYTES, SECRET_INCOME, body, code_from

pytestmark = pytest.mark.django_db

BASE = "https://kaidan.example.lg.jp"
VISIBLE_CELL = "池尻小学校"


def share(client: Client, ward, target: str = "dataset", **data) -> str:
    """Create a link as the manager through the web page; return its path (/share/<token>/)."""
    client.force_login(ward["manager"])
    form = {
        "recipient_name": "山田 一郎",
        "recipient_email": "yamada@partner.example.jp",
        "kind": "view",
        "export_format": "xlsx",
        "days": "7",
        "clearance": "limited",
        **data,
    }
    if target == "dataset":
        url = reverse("links:new_dataset", args=[ward["dataset"].name])
    else:
        url = reverse("links:new_document", args=[ward["document"].pk])
        form.pop("kind"), form.pop("export_format")
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()
    shown = client.get(response["Location"])
    link_url = shown.context["url"]
    assert link_url.startswith(f"{BASE}/share/")
    return link_url.removeprefix(BASE)


def verify(recipient: Client, path: str, smtp_server, *, mail_index: int = -1) -> None:
    """Open the link, ask for a code, read it from the mail, enter it."""
    recipient.get(path)
    recipient.post(f"{path}code/")
    code = code_from(smtp_server.messages[mail_index])
    response = recipient.post(f"{path}verify/", {"code": code})
    assert response.status_code == 302, response.content.decode()


def link_for(path: str) -> ShareLink:
    return ShareLink.objects.get(token_hash=hash_token(path.strip("/").split("/")[1]))


def outcomes(link: ShareLink) -> list[str]:
    return list(link.accesses.order_by("at", "pk").values_list("outcome", flat=True))


def content_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# -- the happy paths -------------------------------------------------------------------------------------


def test_a_recipient_opens_a_dataset_view_with_a_mailed_code_and_downloads_it(client, ward, smtp_server):
    path = share(client, ward, query="地区__exact=池尻")
    recipient = Client()

    landing = recipient.get(path)
    page = landing.content.decode()
    assert landing.status_code == 200
    assert "佐藤 花子" in page and ward["dataset"].title in page
    assert "y***@partner.example.jp" in page and "yamada@" not in page
    assert VISIBLE_CELL not in page

    sent = recipient.post(f"{path}code/")
    assert sent.status_code == 302
    [mail] = smtp_server.messages
    assert mail["To"] == "yamada@partner.example.jp"
    assert path not in body(mail), "the code never travels with the link"
    code = code_from(mail)
    assert not LinkCode.objects.filter(code_hash__contains=code).exists()

    assert recipient.post(f"{path}verify/", {"code": code})["Location"] == path
    view = recipient.get(path)
    html = view.content.decode()
    assert view.status_code == 200
    assert VISIBLE_CELL in html and "池尻児童館" in html
    assert "太子堂中学校" not in html, "the view's filter applies"
    assert '<th scope="col">施設名</th>' in html

    download = recipient.post(f"{path}download/", {"format": "csv"})
    csv = content_of(download).decode("utf-8-sig")
    assert download.status_code == 200
    assert VISIBLE_CELL in csv and "太子堂中学校" not in csv

    link = link_for(path)
    link.refresh_from_db()
    assert link.download_count == 1
    assert outcomes(link) == ["opened", "code_sent", "code_ok", "viewed", "downloaded"]
    access = link.accesses.first()
    assert access.ip == "127.0.0.1"
    seen = AuditEntry.objects.filter(
        object_type="catalog.dataset", object_id=str(ward["dataset"].pk), action="link.access"
    )
    assert [e.detail["outcome"] for e in seen.order_by("seq")] == [
        "opened",
        "code_sent",
        "code_ok",
        "viewed",
        "downloaded",
    ]
    assert seen.first().detail["recipient"] == "yamada@partner.example.jp"


def test_a_document_link_downloads_the_current_file(client, ward, smtp_server):
    path = share(client, ward, target="document")
    recipient = Client()
    verify(recipient, path, smtp_server)

    page = recipient.get(path).content.decode()
    assert "会議録.txt" in page

    download = recipient.post(f"{path}download/")
    assert download.status_code == 200
    assert content_of(download) == DOCUMENT_BYTES
    assert "attachment" in download["Content-Disposition"]
    assert AuditEntry.objects.filter(
        action="documents.document.download", object_id=str(ward["document"].pk)
    ).exists()
    assert AuditEntry.objects.filter(
        action="link.access", object_type="documents.document", detail__outcome="downloaded"
    ).exists()


def test_an_export_link_gives_the_chosen_format(client, ward, smtp_server):
    path = share(client, ward, kind="export", export_format="json")
    recipient = Client()
    verify(recipient, path, smtp_server)

    download = recipient.post(f"{path}download/", {"format": "csv"})  # the link's format wins

    assert download["Content-Type"].startswith("application/json")
    data = content_of(download).decode()
    assert VISIBLE_CELL in data and "太子堂中学校" in data


def test_the_link_is_shown_once_and_only_its_hash_is_stored(client, ward):
    path = share(client, ward)
    token = path.strip("/").split("/")[1]
    link = link_for(path)

    assert len(token) >= 43
    assert link.token_hash == hash_token(token) and token not in link.token_hash
    again = client.get(reverse("links:created", args=[link.pk]))
    assert again.context["url"] == "" and token not in again.content.decode()


# -- refusals: no content, logged -----------------------------------------------------------------------


def assert_refused(response, status: int, *forbidden: bytes) -> None:
    assert response.status_code == status
    data = content_of(response)
    for value in forbidden:
        assert value not in data
    assert VISIBLE_CELL.encode() not in data


def test_a_revoked_link_refuses_even_a_verified_recipient(client, ward, smtp_server):
    path = share(client, ward)
    recipient = Client()
    verify(recipient, path, smtp_server)
    link = link_for(path)

    confirm = client.get(reverse("links:revoke", args=[link.pk]))
    assert confirm.status_code == 200 and "yamada@partner.example.jp" in confirm.content.decode()
    assert client.post(reverse("links:revoke", args=[link.pk]))["Location"] == reverse("links:mine")

    page = recipient.get(path)
    assert_refused(page, 410, ward["dataset"].title.encode())
    assert "取り消されました" in page.content.decode() and "revoked" in page.content.decode()
    assert_refused(recipient.post(f"{path}download/", {"format": "csv"}), 410)
    assert outcomes(link)[-2:] == ["revoked", "revoked"]
    assert AuditEntry.objects.filter(action="link.refused", detail__outcome="revoked").count() == 2
    assert AuditEntry.objects.filter(action="link.revoke", object_id=str(ward["dataset"].pk)).exists()


def test_an_expired_link_is_refused(client, ward, smtp_server):
    path = share(client, ward)
    recipient = Client()
    verify(recipient, path, smtp_server)
    ShareLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    page = recipient.get(path)

    assert_refused(page, 410, ward["dataset"].title.encode())
    assert "期限" in page.content.decode() and "expired" in page.content.decode()
    assert_refused(recipient.post(f"{path}code/"), 410)
    assert outcomes(link_for(path))[-2:] == ["expired", "expired"]


def test_a_link_past_its_download_limit_is_refused(client, ward, smtp_server):
    path = share(client, ward, target="document", max_downloads="1")
    recipient = Client()
    verify(recipient, path, smtp_server)

    first = recipient.post(f"{path}download/")
    assert content_of(first) == DOCUMENT_BYTES
    second = recipient.post(f"{path}download/")

    assert_refused(second, 410, DOCUMENT_BYTES)
    assert_refused(recipient.get(path), 410, DOCUMENT_BYTES)
    link = link_for(path)
    link.refresh_from_db()
    assert link.download_count == 1
    assert outcomes(link)[-3:] == ["downloaded", "limit_reached", "limit_reached"]


def test_a_wrong_code_is_refused_and_logged(client, ward, smtp_server):
    path = share(client, ward)
    recipient = Client()
    recipient.get(path)
    recipient.post(f"{path}code/")
    right = code_from(smtp_server.messages[0])
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    response = recipient.post(f"{path}verify/", {"code": wrong})

    assert_refused(response, 400)
    assert "コードが正しくありません" in response.content.decode()
    assert "The code is not correct" in response.content.decode()
    assert_refused(recipient.get(path), 200)  # still only the code page
    assert_refused(recipient.post(f"{path}download/", {"format": "csv"}), 403)
    assert "wrong_code" in outcomes(link_for(path))
    assert AuditEntry.objects.filter(action="link.refused", detail__outcome="wrong_code").exists()


def test_a_code_sent_to_another_recipient_does_not_open_this_link(client, ward, smtp_server):
    mine = share(client, ward, recipient_email="yamada@partner.example.jp")
    theirs = share(client, ward, recipient_email="kimura@other.example.jp", recipient_name="木村")
    other_recipient = Client()
    other_recipient.get(theirs)
    other_recipient.post(f"{theirs}code/")
    assert smtp_server.messages[-1]["To"] == "kimura@other.example.jp"
    their_code = code_from(smtp_server.messages[-1])

    recipient = Client()
    recipient.get(mine)
    recipient.post(f"{mine}code/")
    refused = recipient.post(f"{mine}verify/", {"code": their_code})

    assert_refused(refused, 400)
    assert_refused(recipient.get(mine), 200)
    assert "wrong_code" in outcomes(link_for(mine))


def test_an_unknown_token_names_nothing(client, ward):
    response = Client().get("/share/" + "x" * 43 + "/")
    assert_refused(response, 404, ward["dataset"].title.encode(), b"sato")
    assert AuditEntry.objects.filter(action="link.refused", detail__outcome="unknown_token").exists()


def test_a_code_works_for_ten_minutes_and_five_attempts(client, ward, smtp_server):
    path = share(client, ward)
    recipient = Client()
    recipient.get(path)
    recipient.post(f"{path}code/")
    code = code_from(smtp_server.messages[0])
    for _attempt in range(5):
        assert (
            recipient.post(f"{path}verify/", {"code": "000000" if code != "000000" else "111111"}).status_code
            == 400
        )
    blocked = recipient.post(f"{path}verify/", {"code": code})
    assert_refused(blocked, 400)
    assert "too_many_attempts" in outcomes(link_for(path))

    LinkCode.objects.update(created_at=timezone.now() - timedelta(minutes=11))  # allow a resend
    recipient.post(f"{path}code/")
    fresh = code_from(smtp_server.messages[-1])
    LinkCode.objects.filter(used_at__isnull=True, superseded=False).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert_refused(recipient.post(f"{path}verify/", {"code": fresh}), 400)
    assert outcomes(link_for(path))[-1] == "code_expired"


def test_asking_for_codes_again_and_again_is_throttled(client, ward, smtp_server):
    path = share(client, ward)
    recipient = Client()
    recipient.post(f"{path}code/")
    again = recipient.post(f"{path}code/", follow=True)

    assert len(smtp_server.messages) == 1
    assert "1 分" in again.content.decode()
    assert outcomes(link_for(path)) == ["code_sent", "code_throttled", "opened"]


def test_verification_opens_only_the_verified_link(client, ward, smtp_server):
    first = share(client, ward)
    second = share(client, ward, target="document")
    recipient = Client()
    verify(recipient, first, smtp_server)

    other = recipient.get(second)
    assert "送信" in other.content.decode()  # the code page, not the document
    assert_refused(recipient.post(f"{second}download/"), 403, DOCUMENT_BYTES)


# -- what the recipient sees is the sharer's view, capped ------------------------------------------------


def test_a_restricted_column_stays_hidden_through_a_link_unless_the_sharer_caps_it_at_restricted(
    client, ward, smtp_server
):
    manager_sees = rights(ward["dataset"], actor=ward["manager"]).visible(ward["dataset"].live_fields())
    assert "所得" in [f.label for f in manager_sees]

    limited = share(client, ward)
    recipient = Client()
    verify(recipient, limited, smtp_server)
    page = recipient.get(limited).content.decode()
    download = content_of(recipient.post(f"{limited}download/", {"format": "csv"})).decode("utf-8-sig")
    assert "所得" not in page and SECRET_INCOME not in page
    assert "所得" not in download and SECRET_INCOME not in download

    restricted = share(client, ward, clearance="restricted")
    verify(recipient, restricted, smtp_server)
    page = recipient.get(restricted).content.decode()
    assert SECRET_INCOME in page
    assert AuditEntry.objects.filter(action__startswith="store.read_restricted").exists()


def test_a_filter_on_a_column_the_recipient_cannot_see_is_refused_at_creation(client, ward):
    client.force_login(ward["manager"])
    response = client.post(
        reverse("links:new_dataset", args=[ward["dataset"].name]),
        {
            "recipient_name": "山田",
            "recipient_email": "yamada@partner.example.jp",
            "kind": "view",
            "days": "7",
            "clearance": "limited",
            "query": f"所得__exact={SECRET_INCOME}",
        },
    )
    assert response.status_code == 400
    assert not ShareLink.objects.exists()


def test_when_the_sharer_loses_access_the_link_shows_nothing(client, ward, smtp_server):
    path = share(client, ward)
    recipient = Client()
    verify(recipient, path, smtp_server)

    remove_membership(actor=None, user=ward["manager"], organization=ward["owner"])

    assert_refused(recipient.get(path), 410, ward["dataset"].title.encode())
    assert outcomes(link_for(path))[-1] == "no_access"


def test_a_link_actor_has_no_rights_on_any_other_object_and_never_edits(client, ward):
    share(client, ward)
    actor = LinkActor(ShareLink.objects.get())

    on_target = rights(ward["dataset"], actor=actor)
    assert on_target.can_read and not on_target.can_edit and not on_target.can_manage
    assert on_target.clearance == "limited"
    assert not rights(ward["document"], actor=actor).can_read


# -- the sharer's side ----------------------------------------------------------------------------------


def test_only_those_who_may_share_the_object_can_create_links(client, ward):
    client.force_login(ward["viewer"])
    assert client.get(reverse("links:new_dataset", args=[ward["dataset"].name])).status_code == 403
    assert client.get(reverse("links:new_document", args=[ward["document"].pk])).status_code == 403
    client.force_login(ward["other_staff"])  # staff of another department: may read, not share
    assert client.get(reverse("links:new_dataset", args=[ward["dataset"].name])).status_code == 403


def test_a_link_lives_at_most_ninety_days(client, ward):
    client.force_login(ward["manager"])
    response = client.post(
        reverse("links:new_document", args=[ward["document"].pk]),
        {"recipient_name": "山田", "recipient_email": "y@example.jp", "days": "91", "clearance": "limited"},
    )
    assert response.status_code == 400
    assert not ShareLink.objects.exists()


def test_my_share_links_lists_status_downloads_and_the_access_log(client, ward, smtp_server):
    path = share(client, ward, target="document", max_downloads="3")
    recipient = Client()
    verify(recipient, path, smtp_server)
    recipient.post(f"{path}download/")

    page = client.get(reverse("links:mine"))
    html = page.content.decode()

    assert page.status_code == 200
    assert "避難所運営会議録" in html and "yamada@partner.example.jp" in html
    assert "1 / 3" in html
    assert "有効" in html
    assert "ダウンロード" in html and "コード送信" in html
    assert LinkAccess.objects.filter(outcome="downloaded").count() == 1


def test_the_dataset_and_document_pages_offer_share_by_link_to_managers(client, ward):
    client.force_login(ward["manager"])
    page = client.get(reverse("catalog:dataset", args=[ward["dataset"].name]))
    assert reverse("links:new_dataset", args=[ward["dataset"].name]) in page.content.decode()
    client.force_login(ward["viewer"])
    page = client.get(reverse("catalog:dataset", args=[ward["dataset"].name]))
    assert reverse("links:new_dataset", args=[ward["dataset"].name]) not in page.content.decode()


def test_a_saved_view_can_be_shared_and_its_filter_applies(client, ward, smtp_server):
    view = SavedView.objects.create(
        dataset=ward["dataset"], slug="sangenjaya", title="太子堂の施設", query="地区__exact=太子堂"
    )
    path = share(client, ward, saved_view=str(view.pk), query="")
    recipient = Client()
    verify(recipient, path, smtp_server)

    html = recipient.get(path).content.decode()

    assert "太子堂の施設" in html
    assert "太子堂中学校" in html and VISIBLE_CELL not in html


def test_a_deleted_document_is_no_longer_shared(client, ward, smtp_server):
    path = share(client, ward, target="document")
    recipient = Client()
    verify(recipient, path, smtp_server)

    delete_document(actor=ward["manager"], document=ward["document"])

    assert_refused(recipient.get(path), 410, ward["document"].title.encode())
    assert_refused(recipient.post(f"{path}download/"), 410, DOCUMENT_BYTES)


def test_the_share_form_carries_the_grids_filter_and_says_it_in_words(client, ward):
    client.force_login(ward["manager"])
    url = reverse("links:new_dataset", args=[ward["dataset"].name])

    page = client.get(url, {"query": "地区__exact=池尻&page=3"})

    html = page.content.decode()
    assert page.status_code == 200
    assert "<li>地区が池尻</li>" in html and "地区__exact" not in html
    assert "page=3" not in html


def test_my_links_say_the_filter_in_words(client, ward):
    share(client, ward, query="地区__exact=池尻")

    html = client.get(reverse("links:mine")).content.decode()

    assert "地区が池尻" in html and "__exact" not in html
