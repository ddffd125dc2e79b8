from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Merchant(models.Model):
    """A tenant: a shop using Content Service and/or Toile. Every business object belongs to one."""

    name = models.CharField(_("이름"), max_length=100, unique=True)
    created_at = models.DateTimeField(_("등록일"), auto_now_add=True)

    class Meta:
        verbose_name = _("가맹점")
        verbose_name_plural = _("가맹점")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """Makes a Django user a member of one merchant: their admin (dashboard), JWT and data scope."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("사용자"), on_delete=models.CASCADE, related_name="membership"
    )
    merchant = models.ForeignKey(
        Merchant, verbose_name=_("가맹점"), on_delete=models.CASCADE, related_name="memberships"
    )

    class Meta:
        verbose_name = _("가맹점 사용자")
        verbose_name_plural = _("가맹점 사용자")

    def __str__(self) -> str:
        return f"{self.user} @ {self.merchant}"


class ApiKey(models.Model):
    """An ``x-api-key`` credential for the Toile public API, looked up by the SHA-256 of the key.

    Two kinds share this one lookup path: secret keys (``tk_``, server to server, stored only as their hash)
    and publishable keys (``pk_``, pasted into shop pages for the widget): those may call only the
    shopper-facing operations and only from their ``allowed_origins``. A publishable key is public by design
    (it is in the HTML of every product page), so it is also kept in ``publishable_key`` for the dashboard to
    show again; a secret key never is.
    """

    class Kind(models.TextChoices):
        SECRET = "secret", _("비밀 키 (서버용)")
        PUBLISHABLE = "publishable", _("공개 키 (위젯용)")

    merchant = models.ForeignKey(Merchant, verbose_name=_("가맹점"), on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("이름"), max_length=100)
    kind = models.CharField(_("종류"), max_length=12, choices=Kind.choices, default=Kind.SECRET)
    # Normalised origins ("https://shop.example.com"), publishable keys only.
    allowed_origins = models.JSONField(_("허용 Origin"), default=list, blank=True)
    publishable_key = models.CharField(_("공개 키"), max_length=64, blank=True, editable=False)
    prefix = models.CharField(
        _("접두사"), max_length=16, unique=True, help_text=_("키를 알아볼 수 있는 앞부분 (비밀 아님)")
    )
    hashed_key = models.CharField(_("키 해시"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("발급일"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("마지막 사용"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("폐기일"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 키")
        verbose_name_plural = _("API 키")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def is_publishable(self) -> bool:
        return self.kind == self.Kind.PUBLISHABLE
