"""Liveness and readiness probes for load balancers and operators (what ready means: common/readiness.py)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from common.readiness import readiness


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    body, ready = readiness()
    return JsonResponse(body, status=200 if ready else 503)
