from django.urls import path

from sizing.api import SizeFeedbackView, SizeMeasurementView, SizeRecommendView

urlpatterns = [
    path("recommend", SizeRecommendView.as_view(), name="size-recommend"),
    path("feedback", SizeFeedbackView.as_view(), name="size-feedback"),
    path("measurements", SizeMeasurementView.as_view(), name="size-measurements"),
]
