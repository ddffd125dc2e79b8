"""HTML and file views: the public share page and the signed, expiring URLs of locally stored files."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from common.errors import Gone, NotFound
from tryon import services, storage
from tryon.remote import note_callback
from tryon.serializers import SharedTryOnDataSerializer


@require_safe
def share_page(request: HttpRequest, token: str) -> HttpResponse:
    """The page a shared link opens: the result, the product and a button to it; Open Graph/Twitter tags."""
    try:
        link = services.view_share_link(token=token)
    except Gone as exc:
        return render(request, "tryon/share_gone.html", {"message": exc.message}, status=410)
    except NotFound:
        return render(request, "tryon/share_gone.html", {"message": "존재하지 않는 공유 링크입니다."}, status=404)
    data = SharedTryOnDataSerializer(link).data
    base = settings.PUBLIC_BASE_URL
    # The page speaks the shopper's language, as the result's AI mark does.
    language = link.job.language if link.job.language in ("ko", "en") else "ko"
    with translation.override(language):
        default_title = gettext("가상 피팅 결과")
        context = {
            **data,
            "language": language,
            "page_url": base + reverse("tryon-share-page", kwargs={"token": token}),
            "og_image_url": base + reverse("tryon-share-og-image", kwargs={"token": token}),
            "verify_url": reverse("verify-page") + "?" + urlencode({"share": token}),
            "title": gettext("%(product)s 가상 피팅") % {"product": link.job.product_title}
            if link.job.product_title
            else default_title,
            "default_title": default_title,
            "preview": bool(link.job.metadata.get("preview")),
        }
        response = render(request, "tryon/share_page.html", context)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_safe
def serve_signed_file(request: HttpRequest, token: str) -> HttpResponseBase:
    """Serves a private try-on file for as long as its signed URL is valid (local storage only)."""
    try:
        name = storage.name_from_signed_token(token)
    except storage.FileUrlExpired:
        return HttpResponse("링크가 만료되었습니다.", status=410, content_type="text/plain; charset=utf-8")
    except storage.FileUrlInvalid:
        return HttpResponse("잘못된 링크입니다.", status=403, content_type="text/plain; charset=utf-8")
    backend = storage.tryon_storage()
    if not backend.exists(name):
        return HttpResponse("파일이 없습니다.", status=404, content_type="text/plain; charset=utf-8")
    response = FileResponse(backend.open(name, "rb"), content_type=storage.content_type_for(name))
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


@csrf_exempt
@require_POST
def engine_callback(request: HttpRequest, token: str) -> HttpResponse:
    """FASHN's webhook when a prediction ends (unsigned by FASHN; the token in the path is ours): the call is
    checked at once, its status read from FASHN itself. Answers 204 either way, and 404 for a forged token."""
    if not note_callback(token):
        return HttpResponse(status=404)
    return HttpResponse(status=204)
