"""The widget's own URLs: /widget/v1/toile.js (+ its fallback font) and the demo shop /demo/store/."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from common.addresses import refusal_reason
from widget import demo
from widget.assets import (
    FONT_CACHE_CONTROL,
    FONT_WEIGHTS,
    SCRIPT_CACHE_CONTROL,
    SCRIPT_PATH,
    asset_response,
    font_path,
    load_asset,
)

# The demo page embeds the widget like a shop does; it may load only from this host.
DEMO_CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self' data: blob: https:; "
    "font-src 'self'; style-src 'self' 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


@require_safe
def toile_js(request: HttpRequest) -> HttpResponse:
    return asset_response(
        request,
        load_asset(SCRIPT_PATH, compress=True),
        content_type="text/javascript; charset=utf-8",
        cache_control=SCRIPT_CACHE_CONTROL,
    )


@require_safe
def widget_font(request: HttpRequest, weight: str) -> HttpResponse:
    if weight not in FONT_WEIGHTS:
        raise Http404
    return asset_response(
        request,
        load_asset(font_path(weight), compress=False),
        content_type="font/woff",
        cache_control=FONT_CACHE_CONTROL,
    )


def _loopback_product_images_refused(request: HttpRequest) -> bool:
    """Whether try-on will refuse the demo's product photos: they are on this host, which is loopback locally."""
    host = request.get_host().rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        host = "127.0.0.1"
    try:
        return refusal_reason(host) is not None
    except ValueError:  # a host name, not an address: a deployed demo, fetched like any shop's photo
        return False


@require_safe
def demo_store(request: HttpRequest) -> HttpResponse:
    merchant = demo.demo_merchant()
    if merchant is None:
        raise Http404("no demo merchant (python manage.py bootstrap_demo creates it)")
    key = demo.demo_publishable_key(merchant)
    products = [
        {
            "product": product,
            "image_url": request.build_absolute_uri(f"/demo/store/images/{product.external_id}.png"),
        }
        for product in demo.demo_products(merchant)
    ]
    context = {
        "merchant": merchant,
        "publishable_key": key.publishable_key if key else "",
        "script_url": request.build_absolute_uri("/widget/v1/toile.js"),
        "products": products,
        "loopback_refused": _loopback_product_images_refused(request),
        "public_base_url": settings.PUBLIC_BASE_URL,
    }
    response = render(request, "widget/demo_store.html", context)
    response["Content-Security-Policy"] = DEMO_CSP
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def demo_product_image(request: HttpRequest, product_id: str) -> HttpResponse:
    merchant = demo.demo_merchant()
    product = next((p for p in demo.demo_products(merchant) if p.external_id == product_id), None) if merchant else None
    if product is None:
        raise Http404
    response = HttpResponse(demo.product_image_png(product.external_id, product.category), content_type="image/png")
    response["Cache-Control"] = "public, max-age=86400"
    return response
