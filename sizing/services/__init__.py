"""Sizing use cases, one module per concern: recommending a size (``recommend``), measurements, feedback,
charts and their CSV (``charts``, ``chart_csv``), the products CSV (``product_csv``) and retention. Callers
import them from here."""

from sizing.services.chart_csv import CSV_COLUMNS, import_size_chart, size_chart_csv
from sizing.services.charts import check_chart_rows, save_size_chart
from sizing.services.feedback import submit_size_feedback
from sizing.services.measurements import record_measurement
from sizing.services.product_csv import PRODUCT_CSV_COLUMNS, ProductImport, import_products, products_csv
from sizing.services.recommend import SizeRecommendationResult, bias_size_shift, recommend_size
from sizing.services.retention import purge_personal_data

__all__ = [
    "CSV_COLUMNS",
    "PRODUCT_CSV_COLUMNS",
    "ProductImport",
    "SizeRecommendationResult",
    "bias_size_shift",
    "check_chart_rows",
    "import_products",
    "import_size_chart",
    "products_csv",
    "purge_personal_data",
    "record_measurement",
    "recommend_size",
    "save_size_chart",
    "size_chart_csv",
    "submit_size_feedback",
]
