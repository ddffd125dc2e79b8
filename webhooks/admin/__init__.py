"""Dashboard pages of webhooks, everything scoped to the user's merchant: endpoints (written through
webhooks.services, as the API writes them) and the delivery log with its operator view. Importing the package
registers them."""

from webhooks.admin import deliveries, endpoints

__all__ = ["deliveries", "endpoints"]
