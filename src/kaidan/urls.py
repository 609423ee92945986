from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic.base import RedirectView
from django.views.i18n import JavaScriptCatalog

from kaidan.api.urls import api_urls

urlpatterns = [
    path("", include("kaidan.core.urls")),
    path("accounts/", include("kaidan.accounts.urls")),
    path("datasets/", include("kaidan.catalog.urls")),
    path("datasets/", include("kaidan.editing.urls")),
    path("datasets/", include("kaidan.history.urls")),
    path("datasets/", include("kaidan.live.urls")),
    path("datasets/", include("kaidan.sharing.urls")),
    path("share/", include("kaidan.links.urls")),
    path("", include("kaidan.sharing.site_urls")),
    path("import/templates/", include("kaidan.catalog.template_urls")),
    path("import/schedules/", include("kaidan.imports.urls")),
    path("import/", include("kaidan.ingest.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("documents/", include("kaidan.documents.urls")),
    path("", include("kaidan.opendata.urls")),
    path("search/", include("kaidan.search.urls")),
    path("analysis/", include("kaidan.charts.urls")),
    path("analysis/", include("kaidan.analysis.urls")),
    path("dashboards/", include("kaidan.charts.public_urls")),
    path("procedures/", include("kaidan.procedures.urls")),
    path("problems/", include("kaidan.problems.urls")),
    path("api/v1/", api_urls),
    path("integrations/", include("kaidan.api.urls")),
    path("admin/", admin.site.urls),
    path(
        "favicon.ico", RedirectView.as_view(url=static("kaidan/favicon.svg"), permanent=False), name="favicon"
    ),
]

handler400 = "kaidan.core.errorpages.bad_request"
handler403 = "kaidan.core.errorpages.permission_denied"
handler404 = "kaidan.core.errorpages.page_not_found"
handler500 = "kaidan.core.errorpages.server_error"
