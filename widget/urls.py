from django.urls import path

from widget import api, views

urlpatterns = [
    path("api/widget/events", api.WidgetEventView.as_view(), name="widget-events"),
    path("widget/v1/toile.js", views.toile_js, name="widget-script"),
    path("widget/v1/fonts/noto-sans-kr-<str:weight>.woff", views.widget_font, name="widget-font"),
    path("demo/store/", views.demo_store, name="widget-demo-store"),
    path("demo/store/images/<str:product_id>.png", views.demo_product_image, name="widget-demo-image"),
]
