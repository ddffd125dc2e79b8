from django.core.management.base import BaseCommand, CommandError

from common.errors import InvalidInput
from merchants.models import Merchant
from merchants.services import issue_publishable_key


class Command(BaseCommand):
    help = (
        "Issues a publishable key (pk_…) for the storefront widget, usable from the given shop origins only, "
        "and prints the key (nothing else on stdout)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("merchant_name")
        parser.add_argument(
            "--origin",
            action="append",
            required=True,
            dest="origins",
            help="a shop origin allowed to use the key, e.g. https://shop.example.com (repeat for more)",
        )
        parser.add_argument("--key-name", default="widget")

    def handle(self, *args, **options) -> None:
        merchant = Merchant.objects.filter(name=options["merchant_name"]).first()
        if merchant is None:
            raise CommandError(f"No merchant named {options['merchant_name']!r}")
        try:
            issued = issue_publishable_key(
                merchant=merchant, name=options["key_name"], allowed_origins=options["origins"]
            )
        except InvalidInput as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(issued.raw_key)
