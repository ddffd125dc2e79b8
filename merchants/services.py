from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import cache as memoize
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from common import read_ahead
from common.errors import Conflict, Forbidden, InvalidInput
from merchants.models import ApiKey, Membership, Merchant
from merchants.origins import normalize_origins

API_KEY_PREFIX = "tk_"
# A key's prefix (shown in the dashboard, naming it in logs and counters) is its first characters.
API_KEY_PREFIX_LENGTH = 11
PUBLISHABLE_KEY_PREFIX = "pk_"
KEY_PREFIXES = {ApiKey.Kind.SECRET: API_KEY_PREFIX, ApiKey.Kind.PUBLISHABLE: PUBLISHABLE_KEY_PREFIX}
# The origins of all active publishable keys, for CORS preflights (which carry no key). Changes through the
# services below clear it at once; the lifetime bounds what other writes (e.g. a superuser's delete) leave.
PUBLISHABLE_ORIGINS_CACHE_KEY = "merchants:publishable-origins:v1"
PUBLISHABLE_ORIGINS_CACHE_SECONDS = 60
# last_used_at is refreshed at most this often, so that every request does not write to the database.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedApiKey:
    api_key: ApiKey
    raw_key: str


def hash_api_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


@transaction.atomic
def create_merchant(*, name: str, username: str, password: str, email: str = "") -> Merchant:
    """Creates a merchant and a staff user who can log into the dashboard (admin) and obtain JWTs."""
    User = get_user_model()
    if Merchant.objects.filter(name=name).exists():
        raise Conflict(f"이미 존재하는 가맹점입니다: {name}")
    if User.objects.filter(username=username).exists():
        raise Conflict(f"이미 존재하는 사용자입니다: {username}")
    merchant = Merchant.objects.create(name=name)
    user = User.objects.create_user(username=username, password=password, email=email, is_staff=True)
    Membership.objects.create(user=user, merchant=merchant)
    return merchant


def set_dashboard_password(*, username: str, password: str) -> None:
    """Replaces a dashboard user's password; their sessions and JWTs (which carry its fingerprint) end with it."""
    user = get_user_model().objects.get(username=username)
    user.set_password(password)
    user.save(update_fields=["password"])


def issue_api_key(
    *,
    merchant: Merchant,
    name: str = "default",
    kind: str = ApiKey.Kind.SECRET,
    allowed_origins: list[str] | tuple[str, ...] = (),
) -> IssuedApiKey:
    """Issues a key; the raw secret key exists only in the return value and is never stored.

    A publishable key needs at least one allowed origin and is kept readable (it is public by design).
    """
    origins: list[str] = []
    if kind == ApiKey.Kind.PUBLISHABLE:
        origins = normalize_origins(list(allowed_origins))
        if not origins:
            raise InvalidInput("공개 키에는 허용할 Origin(쇼핑몰 주소)이 하나 이상 필요합니다.")
    elif kind != ApiKey.Kind.SECRET:
        raise InvalidInput(f"알 수 없는 키 종류입니다: {kind}")
    elif allowed_origins:
        raise InvalidInput("비밀 키에는 Origin을 지정할 수 없습니다: 브라우저에서 쓰지 않는 키입니다.")
    while True:
        raw_key = KEY_PREFIXES[ApiKey.Kind(kind)] + secrets.token_urlsafe(32)
        prefix = raw_key[:API_KEY_PREFIX_LENGTH]
        if not ApiKey.objects.filter(prefix=prefix).exists():
            break
    api_key = ApiKey.objects.create(
        merchant=merchant,
        name=name,
        kind=kind,
        prefix=prefix,
        hashed_key=hash_api_key(raw_key),
        allowed_origins=origins,
        publishable_key=raw_key if kind == ApiKey.Kind.PUBLISHABLE else "",
    )
    if kind == ApiKey.Kind.PUBLISHABLE:
        _forget_publishable_origins()
    return IssuedApiKey(api_key=api_key, raw_key=raw_key)


def issue_publishable_key(*, merchant: Merchant, allowed_origins: list[str], name: str = "widget") -> IssuedApiKey:
    return issue_api_key(merchant=merchant, name=name, kind=ApiKey.Kind.PUBLISHABLE, allowed_origins=allowed_origins)


def set_allowed_origins(*, api_key: ApiKey, allowed_origins: list[str]) -> ApiKey:
    """Replaces a publishable key's origins (the shop moved, or gained a domain)."""
    if not api_key.is_publishable:
        raise InvalidInput("비밀 키에는 Origin을 지정할 수 없습니다: 브라우저에서 쓰지 않는 키입니다.")
    origins = normalize_origins(allowed_origins)
    if not origins:
        raise InvalidInput("공개 키에는 허용할 Origin(쇼핑몰 주소)이 하나 이상 필요합니다.")
    api_key.allowed_origins = origins
    api_key.save(update_fields=["allowed_origins"])
    forget_api_key(api_key)
    _forget_publishable_origins()
    return api_key


def revoke_api_key(*, api_key: ApiKey) -> None:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        forget_api_key(api_key)
        if api_key.is_publishable:
            _forget_publishable_origins()


def _forget_publishable_origins() -> None:
    cache.delete(PUBLISHABLE_ORIGINS_CACHE_KEY)
    # Once more after commit: a reader between the first delete and the commit cached the old set again.
    transaction.on_commit(lambda: cache.delete(PUBLISHABLE_ORIGINS_CACHE_KEY))


def publishable_origins() -> frozenset[str]:
    """Every origin some active publishable key allows (CORS preflights are answered for these only)."""
    cached = cache.get(PUBLISHABLE_ORIGINS_CACHE_KEY)
    if cached is not None:
        return frozenset(cached)
    origins: set[str] = set()
    for values in ApiKey.objects.filter(kind=ApiKey.Kind.PUBLISHABLE, revoked_at__isnull=True).values_list(
        "allowed_origins", flat=True
    ):
        origins.update(values or [])
    cache.set(PUBLISHABLE_ORIGINS_CACHE_KEY, sorted(origins), PUBLISHABLE_ORIGINS_CACHE_SECONDS)
    return frozenset(origins)


def check_api_key_use(*, api_key: ApiKey, origin: str | None, own_origins: set[str], shopper_operation: bool) -> None:
    """Where a key may be used (403 otherwise).

    - A publishable key: only shopper-facing operations, only from a page on one of its allowed origins.
      Its requests come from browsers, which always tell the page's origin; a request without one is refused.
    - A secret key: server to server. From a browser page of another site it is refused, so that a secret
      key pasted into a shop page stops working at once instead of leaking quietly (its own pages, such as
      the API docs on this host, still work).
    """
    if api_key.is_publishable:
        if not shopper_operation:
            raise Forbidden("공개 키(pk_)로는 이 API를 호출할 수 없습니다. 서버에서 비밀 키를 사용하세요.")
        if origin is None:
            raise Forbidden("공개 키(pk_)는 허용된 쇼핑몰 페이지(Origin)에서만 사용할 수 있습니다.")
        if origin not in api_key.allowed_origins:
            raise Forbidden(f"이 공개 키는 {origin} 에서 사용할 수 없습니다. 대시보드에서 허용 Origin을 추가하세요.")
        return
    if origin is not None and origin not in own_origins:
        raise Forbidden("비밀 키(tk_)는 브라우저에서 사용할 수 없습니다. 쇼핑몰 페이지에는 공개 키(pk_)를 쓰세요.")


def authenticate_api_key(*, raw_key: str, request: Any | None = None) -> ApiKey | None:
    """The active key of either kind matching ``raw_key`` (its ``last_used_at`` refreshed), or None.

    A key found in the database is trusted from the cache for ``API_KEY_CACHE_SECONDS`` (with its merchant),
    so that polling storefronts cost no query. Revoking a key or changing its origins through the services
    deletes that entry (:func:`forget_api_key`); a change written any other way takes effect when it expires.
    ``request``: the request that read the entry ahead (:func:`common.read_ahead.read_ahead`), if any.
    """
    if not raw_key.startswith((API_KEY_PREFIX, PUBLISHABLE_KEY_PREFIX)):
        return None
    hashed_key = hash_api_key(raw_key)
    api_key = _memoised_api_key(hashed_key)
    if api_key is not None:
        _record_use(api_key)
        return api_key
    entry_key = _api_key_cache_key(hashed_key)
    api_key = _api_key_from_entry(read_ahead.get_many(request, [entry_key]).get(entry_key))
    if api_key is not None:
        _memoise_api_key(hashed_key, api_key)
        _record_use(api_key)
        return api_key
    api_key = ApiKey.objects.select_related("merchant").filter(hashed_key=hashed_key, revoked_at__isnull=True).first()
    if api_key is None:
        return None
    _record_use(api_key)
    cache.set(entry_key, api_key, timeout=settings.API_KEY_CACHE_SECONDS)
    _memoise_api_key(hashed_key, api_key)
    return api_key


# A key verified in this process is remembered this long beside the shared cache entry, so that a storefront
# polling with it costs neither a cache read nor an unpickling (as verified JWTs are): a revocation in another
# process reaches this one within this time, on top of the entry's API_KEY_CACHE_SECONDS.
API_KEY_MEMO_SECONDS = 1.0
API_KEY_MEMO_SIZE = 10_000
_memoised_keys: dict[str, tuple[float, ApiKey]] = {}


def _memoised_api_key(hashed_key: str) -> ApiKey | None:
    found = _memoised_keys.get(hashed_key)
    if found is None or found[0] < time.monotonic():
        return None
    return found[1]


def _memoise_api_key(hashed_key: str, api_key: ApiKey) -> None:
    if len(_memoised_keys) >= API_KEY_MEMO_SIZE:
        _memoised_keys.clear()
    _memoised_keys[hashed_key] = (time.monotonic() + API_KEY_MEMO_SECONDS, api_key)


def is_api_key_memoised(*, raw_key: str) -> bool:
    return _memoised_api_key(hash_api_key(raw_key)) is not None


def forget_api_key(api_key: ApiKey) -> None:
    """Drops the key's cache entry (and this process's memo): now, and again after commit (a reader in between
    cached the old row)."""
    key = _api_key_cache_key(api_key.hashed_key)

    def forget() -> None:
        cache.delete(key)
        _memoised_keys.pop(api_key.hashed_key, None)

    forget()
    transaction.on_commit(forget)


@memoize
def _model_schema(*models: type[Model]) -> str:
    """Changes with the models' fields: an entry pickled by a release with other fields is never read."""
    names = ",".join(
        f"{model._meta.label}:{field.attname}" for model in models for field in model._meta.concrete_fields
    )
    return hashlib.sha256(names.encode()).hexdigest()[:8]


def _api_key_cache_key(hashed_key: str) -> str:
    return f"merchants:api-key:{_model_schema(ApiKey, Merchant)}:{hashed_key}"


def api_key_cache_key(*, raw_key: str) -> str:
    return _api_key_cache_key(hash_api_key(raw_key))


def _record_use(api_key: ApiKey) -> None:
    """Refreshes ``last_used_at`` at most once per :data:`LAST_USED_RESOLUTION`, across every process."""
    now = timezone.now()
    if api_key.last_used_at is not None and now - api_key.last_used_at <= LAST_USED_RESOLUTION:
        return
    # A cached entry keeps its old last_used_at for its few seconds: one of its readers writes, the rest see
    # the claim taken.
    claim = f"merchants:api-key-used:v1:{api_key.pk}"
    if cache.add(claim, True, timeout=int(LAST_USED_RESOLUTION.total_seconds())):
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now


def _api_key_from_entry(entry: object) -> ApiKey | None:
    # The entry is the instance loaded with its merchant (Django pickles both). Unpickling skips __init__ and
    # its signals, which cost more than the rest of a cached poll's authentication.
    if not isinstance(entry, ApiKey) or entry.revoked_at is not None or not ApiKey.merchant.is_cached(entry):
        return None
    return entry
