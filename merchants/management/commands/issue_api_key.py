from django.core.management.base import BaseCommand, CommandError

from merchants.models import Merchant
from merchants.services import issue_api_key


class Command(BaseCommand):
    help = "Issues an x-api-key for a merchant and prints the raw key once (nothing else on stdout)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("merchant_name")
        parser.add_argument("--key-name", default="cli")

    def handle(self, *args, **options) -> None:
        merchant = Merchant.objects.filter(name=options["merchant_name"]).first()
        if merchant is None:
            raise CommandError(f"No merchant named {options['merchant_name']!r}")
        issued = issue_api_key(merchant=merchant, name=options["key_name"])
        self.stdout.write(issued.raw_key)
