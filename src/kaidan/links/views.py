"""Share-link pages: create, list and revoke (staff); open, verify and download (recipients, no login)."""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaidan.access.services import rights
from kaidan.audit.middleware import client_address
from kaidan.catalog.describe import describe_filters
from kaidan.catalog.query import parse_page
from kaidan.catalog.selectors import get_dataset, grid_query
from kaidan.core.http import attachment_header
from kaidan.documents import selectors as documents
from kaidan.documents import services as document_services
from kaidan.store.exports import FORMATS

from . import selectors, services
from .actors import LinkActor
from .forms import CodeForm, DatasetLinkForm, LinkForm
from .models import EXPORT_FORMATS, Kind, Outcome, ShareLink

SESSION_VERIFIED = "kaidan_links_verified"
SESSION_NEW = "kaidan_links_new"


def _client(request: HttpRequest) -> services.Client:
    return services.Client(client_address(request), request.META.get("HTTP_USER_AGENT", ""))


def _absolute(path: str) -> str:
    """A full URL from the configured site address (never from the request's Host header)."""
    return f"{settings.BASE_URL}{path}"


# -- sharers ---------------------------------------------------------------------------------------------


def _create(request: HttpRequest, target: Any, form: LinkForm, kind: str | None) -> HttpResponse | None:
    """Create the link from a valid form; on success redirect to the page that shows it once."""
    data = form.cleaned_data
    try:
        link, token = services.create_link(
            actor=request.user,
            target=target,
            kind=kind or data.get("kind", ""),
            recipient_name=data["recipient_name"],
            recipient_email=data["recipient_email"],
            days=data["days"],
            max_downloads=data.get("max_downloads"),
            clearance=data["clearance"],
            query=data.get("query") or "",
            saved_view=data.get("saved_view"),
            export_format=data.get("export_format") or "",
        )
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return None
    request.session[SESSION_NEW] = {"pk": link.pk, "url": _absolute(reverse("links:open", args=[token]))}
    return redirect("links:created", pk=link.pk)


@login_required
@require_http_methods(["GET", "POST"])
def new_for_dataset(request: HttpRequest, name: str) -> HttpResponse:
    dataset = get_dataset(name, "object.share", actor=request.user)
    form = DatasetLinkForm(
        request.POST or None,
        levels=services.levels_for(dataset, actor=request.user),
        views=dataset.views.all(),
        initial={"query": services.clean_query(request.GET.get("query", ""))},
    )
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["kind"] == Kind.EXPORT and not form.cleaned_data.get("export_format"):
            form.add_error("export_format", _("Choose a format."))
        elif response := _create(request, dataset, form, None):
            return response
    status = 400 if form.is_bound and form.errors else 200
    query_text = str(form["query"].value() or "")
    context = {
        "form": form,
        "target": dataset,
        "target_kind": "dataset",
        "nav_links": True,
        "filters": describe_filters(grid_query(dataset, QueryDict(query_text), actor=request.user)),
    }
    return render(request, "links/new.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def new_for_document(request: HttpRequest, pk: int) -> HttpResponse:
    document = documents.get_document(pk, actor=request.user)
    if not rights(document, actor=request.user).allows("object.share"):
        raise PermissionDenied(_("You may not share this document."))
    form = LinkForm(request.POST or None, levels=services.levels_for(document, actor=request.user))
    if (
        request.method == "POST"
        and form.is_valid()
        and (response := _create(request, document, form, Kind.DOCUMENT))
    ):
        return response
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "target": document, "target_kind": "document", "nav_links": True}
    return render(request, "links/new.html", context, status=status)


@login_required
@never_cache
@require_GET
def created(request: HttpRequest, pk: int) -> HttpResponse:
    link = get_object_or_404(ShareLink, pk=pk, created_by=request.user)
    new = request.session.get(SESSION_NEW) or {}
    url = ""
    if new.get("pk") == link.pk:
        url = new["url"]
        del request.session[SESSION_NEW]
    return render(request, "links/created.html", {"link": link, "url": url, "nav_links": True})


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    return render(
        request, "links/mine.html", {"links": selectors.links_created_by(request.user), "nav_links": True}
    )


@login_required
@require_http_methods(["GET", "POST"])
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    link = get_object_or_404(ShareLink.objects.select_related("document", "dataset", "created_by"), pk=pk)
    if not services.can_revoke(link, actor=request.user):
        raise Http404("link")
    if request.method == "POST":
        services.revoke_link(link, actor=request.user)
        messages.success(request, _("The link was revoked. It no longer opens anything."))
        return redirect("links:mine")
    return render(request, "links/revoke.html", {"link": link, "nav_links": True})


# -- recipients ------------------------------------------------------------------------------------------

REFUSAL_TEXT = {
    Outcome.REVOKED: (
        gettext_noop("This link was revoked"),
        gettext_noop("The person who shared it has withdrawn it."),
    ),
    Outcome.EXPIRED: (
        gettext_noop("This link has expired"),
        gettext_noop("Ask the person who shared it for a new link."),
    ),
    Outcome.LIMIT_REACHED: (
        gettext_noop("This link has reached its download limit"),
        gettext_noop("Ask the person who shared it for a new link."),
    ),
    Outcome.NO_ACCESS: (
        gettext_noop("This link no longer shows anything"),
        gettext_noop(
            "The shared information is no longer available through it. Ask the person who shared it."
        ),
    ),
    Outcome.NOT_VERIFIED: (
        gettext_noop("Please confirm your e-mail address first"),
        gettext_noop("Open the link again and enter the one-time code sent to you."),
    ),
    "unknown": (
        gettext_noop("This link is not valid"),
        gettext_noop("Check that you copied the whole link, or ask the person who shared it."),
    ),
}
REFUSAL_STATUS = {Outcome.NOT_VERIFIED: 403, "unknown": 404}


def _bilingual(title: str, text: str) -> list[dict[str, str]]:
    """The message in the page's language first, then in the other one (recipients may read either)."""
    current = translation.get_language() or "ja"
    result = []
    for lang in [current, *(code for code, _name in settings.LANGUAGES if code != current)]:
        with translation.override(lang):
            result.append({"lang": lang, "title": _(title), "text": _(text)})
    return result


def _refused(request: HttpRequest, link: ShareLink | None, outcome: str) -> HttpResponse:
    if link is None:
        services.log_unknown_token(_client(request))
    else:
        services.log(link, outcome, _client(request))
    title, text = REFUSAL_TEXT[outcome]
    response = render(
        request,
        "links/refused.html",
        {"messages_bi": _bilingual(title, text)},
        status=REFUSAL_STATUS.get(outcome, 410),
    )
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "same-origin"
    return response


def _usable(request: HttpRequest, token: str) -> tuple[ShareLink | None, HttpResponse | None]:
    """The link if it may be used now, else the refusal page (logged)."""
    link = services.find_link(token)
    if link is None:
        return None, _refused(request, None, "unknown")
    if outcome := services.refusal(link):
        return None, _refused(request, link, outcome)
    if not services.target_readable(link):
        return None, _refused(request, link, Outcome.NO_ACCESS)
    return link, None


def _verified(request: HttpRequest, link: ShareLink) -> bool:
    until = (request.session.get(SESSION_VERIFIED) or {}).get(str(link.pk), 0)
    return bool(until and until > time.time())


def _private(response: HttpResponseBase) -> HttpResponseBase:
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "same-origin"
    return response


@never_cache
@require_GET
def open_link(request: HttpRequest, token: str) -> HttpResponseBase:
    link, refused = _usable(request, token)
    if link is None:
        return refused  # type: ignore[return-value]
    if not _verified(request, link):
        services.log(link, Outcome.OPENED, _client(request))
        return _private(_code_page(request, link, token, CodeForm()))
    return _private(_content(request, link, token))


def _code_page(
    request: HttpRequest,
    link: ShareLink,
    token: str,
    form: CodeForm,
    status: int = 200,
    error: list[Any] | None = None,
) -> HttpResponse:
    context = {
        "link": link,
        "token": token,
        "form": form,
        "sharer": link.created_by,
        "masked_email": services.mask_email(link.recipient_email),
        "code_error": error or [],
        "minutes": services.CODE_MINUTES,
    }
    return render(request, "links/open.html", context, status=status)


def _content(request: HttpRequest, link: ShareLink, token: str) -> HttpResponse:
    actor = LinkActor(link)
    context: dict[str, Any] = {"link": link, "token": token, "sharer": link.created_by}
    if link.kind == Kind.VIEW:
        assert link.dataset is not None
        query = services.link_query(link.dataset, link.query, actor=actor)
        if query is None:
            return _refused(request, link, Outcome.NO_ACCESS)
        number = parse_page(request.GET.get("page"))
        grid = selectors.view_page(link.dataset, replace(query, page=number), actor=actor)
        if number > grid.pages:  # past the end: the last page
            number = grid.pages
            grid = selectors.view_page(link.dataset, replace(query, page=number), actor=actor)
        services.log(link, Outcome.VIEWED, _client(request), page=number)
        context |= {"grid": grid, "formats": EXPORT_FORMATS, "page_number": number}
    elif link.kind == Kind.DOCUMENT:
        assert link.document is not None
        context["version"] = documents.current_version_of(link.document)
        services.log(link, Outcome.VIEWED, _client(request))
    else:
        services.log(link, Outcome.VIEWED, _client(request))
    return render(request, "links/content.html", context)


@never_cache
@require_POST
def send_code(request: HttpRequest, token: str) -> HttpResponseBase:
    link, refused = _usable(request, token)
    if link is None:
        return refused  # type: ignore[return-value]
    outcome = services.send_code(link, _client(request))
    if outcome == Outcome.CODE_SENT:
        messages.success(
            request,
            _("A one-time code was sent to %(address)s. It is valid for %(minutes)d minutes.")
            % {"address": services.mask_email(link.recipient_email), "minutes": services.CODE_MINUTES},
        )
    else:
        messages.error(request, _("A code was sent a moment ago. Please wait a minute before asking again."))
    return redirect("links:open", token=token)


CODE_ERRORS = {
    Outcome.WRONG_CODE: (
        gettext_noop("The code is not correct."),
        gettext_noop("Check the 6 digits in the latest e-mail."),
    ),
    Outcome.CODE_EXPIRED: (
        gettext_noop("The code has expired or was not requested."),
        gettext_noop("Ask for a new code with the button above."),
    ),
    Outcome.TOO_MANY_ATTEMPTS: (
        gettext_noop("Too many wrong codes."),
        gettext_noop("Ask for a new code, or wait 15 minutes and try again."),
    ),
}


@never_cache
@require_POST
def verify(request: HttpRequest, token: str) -> HttpResponseBase:
    link, refused = _usable(request, token)
    if link is None:
        return refused  # type: ignore[return-value]
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _private(_code_page(request, link, token, form, status=400))
    result = services.check_code(link, form.cleaned_data["code"], _client(request))
    if result.outcome != Outcome.CODE_OK:
        title, text = CODE_ERRORS[result.outcome]
        error = _bilingual(title, text)
        return _private(_code_page(request, link, token, CodeForm(), status=400, error=error))
    verified = dict(request.session.get(SESSION_VERIFIED) or {})
    now = time.time()
    verified = {k: v for k, v in verified.items() if v > now}
    verified[str(link.pk)] = now + services.VERIFIED_MINUTES * 60
    request.session.cycle_key()
    request.session[SESSION_VERIFIED] = verified
    return redirect("links:open", token=token)


@never_cache
@require_POST
def download(request: HttpRequest, token: str) -> HttpResponseBase:
    link, refused = _usable(request, token)
    if link is None:
        return refused  # type: ignore[return-value]
    if not _verified(request, link):
        return _refused(request, link, Outcome.NOT_VERIFIED)
    actor = LinkActor(link)
    client = _client(request)
    if link.kind == Kind.DOCUMENT:
        assert link.document is not None
        try:
            with transaction.atomic():
                if not services.count_download(link):
                    return _refused(request, link, Outcome.LIMIT_REACHED)
                opened = document_services.open_version_for_download(actor=actor, document=link.document)
                services.log(link, Outcome.DOWNLOADED, client, version=opened.version.number)
        except (Http404, PermissionDenied):
            return _refused(request, link, Outcome.NO_ACCESS)
        response = FileResponse(opened.file, as_attachment=True, content_type=opened.content_type)
        response["Content-Disposition"] = attachment_header(opened.filename)
        response["Content-Length"] = str(opened.version.size)
        return _private(response)
    assert link.dataset is not None
    fmt = link.export_format if link.kind == Kind.EXPORT else request.POST.get("format", "csv")
    if fmt not in FORMATS:
        fmt = "csv"
    spool = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115 — closed by FileResponse
    try:
        with transaction.atomic():
            if not services.count_download(link):
                spool.close()
                return _refused(request, link, Outcome.LIMIT_REACHED)
            services.export_for_link(link, actor=actor, fmt=fmt, out=spool)  # type: ignore[arg-type]
            services.log(link, Outcome.DOWNLOADED, client, format=fmt)
    except services.Unavailable:
        spool.close()
        return _refused(request, link, Outcome.NO_ACCESS)
    spool.seek(0)
    content_type, ext = FORMATS[fmt]
    response = FileResponse(spool, as_attachment=True, content_type=content_type)
    response["Content-Disposition"] = attachment_header(f"{link.dataset.name}.{ext}")
    return _private(response)
