"""Dashboard pages of sizing, everything scoped to the user's merchant: size charts (inline rows, CSV
import/export), products (helpful rates, measurement distribution, CSV import/export), feedback and
measurements. Charts and products are written through sizing.services. Importing the package registers them."""

from sizing.admin import charts, feedback, products

__all__ = ["charts", "feedback", "products"]
