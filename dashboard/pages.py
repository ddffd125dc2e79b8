"""Dashboard pages outside the admin's own views, in the dashboard's look: error pages for dashboard paths,
GET on the logout URL, the password-reset help page and the favicon."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

# Newcomers type these after a sign-in tutorial for another Django site; they mean the dashboard.
DASHBOARD_ALIASES = ("/accounts/",)

ERROR_PAGES = {
    400: (_("잘못된 요청입니다"), _("요청을 처리할 수 없습니다. 주소를 확인해 주세요.")),
    403: (_("접근할 수 없습니다"), _("이 페이지를 볼 권한이 없습니다. 다른 계정으로 로그인해 보세요.")),
    404: (_("페이지를 찾을 수 없습니다"), _("주소가 바뀌었거나 없는 페이지입니다. 대시보드 홈에서 다시 찾아 주세요.")),
    405: (_("열 수 없는 방식입니다"), _("이 주소는 이렇게 열 수 없습니다. 대시보드 홈에서 다시 시작해 주세요.")),
    500: (_("일시적인 오류가 발생했습니다"), _("잠시 후 다시 시도해 주세요. 문제가 계속되면 운영자에게 알려 주세요.")),
}


def is_dashboard_path(path: str) -> bool:
    return path.startswith((*settings.DASHBOARD_PATH_PREFIXES, *DASHBOARD_ALIASES))


def message_page(request: HttpRequest, *, title: str, message: str, status: int = 200) -> HttpResponse:
    context = {
        **admin.site.each_context(request),
        "title": title,
        "message": message,
        "home_url": reverse("admin:index"),
    }
    return render(request, "admin/message_page.html", context, status=status)


def dashboard_error_page(request: HttpRequest, status: int) -> HttpResponse:
    title, message = ERROR_PAGES[status]
    return message_page(request, title=str(title), message=str(message), status=status)


def logout(request: HttpRequest) -> HttpResponse:
    """Django signs out on POST only (the sidebar's button); a typed or bookmarked GET goes home instead of 405."""
    if request.method == "POST":
        return admin.site.logout(request)
    return HttpResponseRedirect(reverse("admin:index"))


@require_safe
def password_reset_help(request: HttpRequest) -> HttpResponse:
    """There is no e-mail in this product: a forgotten password is reset by the shop's operator."""
    return message_page(
        request,
        title=str(_("비밀번호를 잊으셨나요?")),
        message=str(
            _(
                "보안을 위해 비밀번호는 운영자가 재설정합니다. 가맹점 운영자에게 재설정을 요청하세요 "
                "(운영자: python manage.py changepassword <아이디>). 로그인한 뒤에는 오른쪽 위 메뉴의 "
                "‘비밀번호 변경’에서 직접 바꿀 수 있습니다."
            )
        ),
    )


def redirect_to_login(request: HttpRequest) -> HttpResponse:
    query = request.META.get("QUERY_STRING", "")
    return HttpResponseRedirect(reverse("admin:login") + (f"?{query}" if query else ""))


def redirect_to_home(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(reverse("admin:index"))


@require_safe
@cache_control(max_age=7 * 24 * 3600, public=True)
def favicon(request: HttpRequest) -> FileResponse:
    return FileResponse((settings.BASE_DIR / "static" / "favicon.ico").open("rb"), content_type="image/x-icon")
