from django.core.management.base import BaseCommand, CommandError

from common.errors import Conflict
from merchants.services import create_merchant


class Command(BaseCommand):
    help = "Creates a merchant and a merchant user who can use the dashboard (admin) and obtain JWTs."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name")
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--email", default="")

    def handle(self, *args, **options) -> None:
        try:
            merchant = create_merchant(
                name=options["name"], username=options["username"], password=options["password"], email=options["email"]
            )
        except Conflict as exc:
            raise CommandError(exc.message) from exc
        self.stderr.write(f"Created merchant {merchant.name!r} (id {merchant.pk}) with user {options['username']!r}")
