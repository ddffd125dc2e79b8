import secrets

from django.core.management import call_command
from django.core.management.base import BaseCommand

from merchants.demo import DEMO_KEY_NAME, DEMO_MERCHANT, DEMO_USERNAME, DEMO_WIDGET_KEY_NAME, demo_origins
from merchants.models import ApiKey, Merchant
from merchants.services import (
    create_merchant,
    issue_api_key,
    issue_publishable_key,
    revoke_api_key,
    set_dashboard_password,
)


class Command(BaseCommand):
    help = (
        "Creates the demo merchant and user if missing, gives the demo user a fresh random password, replaces "
        "the demo API key and the demo shop's publishable key, and prints them once."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--base-url", default="http://localhost:8000")

    def handle(self, *args, **options) -> None:
        # Random per run, like the keys: no install shares a known dashboard password.
        password = secrets.token_urlsafe(12)
        merchant = Merchant.objects.filter(name=DEMO_MERCHANT).first()
        if merchant is None:
            merchant = create_merchant(name=DEMO_MERCHANT, username=DEMO_USERNAME, password=password)
            # A demo catalogue so /api/size/recommend answers out of the box (productId e.g. BLUE-SHIRT-001).
            call_command("seed_size_demo", DEMO_MERCHANT, stdout=self.stderr)
        else:
            set_dashboard_password(username=DEMO_USERNAME, password=password)
        for old_key in ApiKey.objects.filter(
            merchant=merchant, name__in=[DEMO_KEY_NAME, DEMO_WIDGET_KEY_NAME], revoked_at__isnull=True
        ):
            revoke_api_key(api_key=old_key)
        raw_key = issue_api_key(merchant=merchant, name=DEMO_KEY_NAME).raw_key
        base = options["base_url"].rstrip("/")
        widget_key = issue_publishable_key(
            merchant=merchant, name=DEMO_WIDGET_KEY_NAME, allowed_origins=demo_origins(base)
        ).raw_key
        self.stdout.write(
            "\n".join(
                [
                    "",
                    "==================================================================",
                    f"  Dashboard (admin):  {base}/admin/   login {DEMO_USERNAME} / {password}",
                    f"  Demo shop (widget): {base}/demo/store/",
                    f"  API docs (Swagger): {base}/api/docs/   (ReDoc: {base}/api/redoc/)",
                    f"  OpenAPI schema:     {base}/api/schema/",
                    f"  Health:             {base}/healthz   {base}/readyz",
                    f"  JWT:                curl -X POST {base}/api/auth/token -H 'Content-Type: application/json' "
                    f'-d \'{{"username":"{DEMO_USERNAME}","password":"{password}"}}\'',
                    f"  Demo API key (x-api-key, shown once): {raw_key}",
                    f"  Demo widget key (publishable, for {', '.join(demo_origins(base))}): {widget_key}",
                    "==================================================================",
                    "",
                ]
            )
        )
