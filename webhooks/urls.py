"""Mounted at ``api/webhooks`` (no trailing slash, as the spec's paths) by config/urls.py.

The sub-paths therefore begin with a slash. They are anchored with ``\\A`` instead of ``^`` so Django's check
for accidental leading slashes (urls.W002) stays quiet and the OpenAPI generator still sees plain paths.
"""

from django.urls import re_path

from webhooks import api

UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

urlpatterns = [
    re_path(r"^$", api.WebhookListCreateView.as_view(), name="webhooks"),
    re_path(
        rf"\A/deliveries/(?P<id>{UUID})/replay$",
        api.DeliveryReplayView.as_view(),
        name="webhook-delivery-replay",
    ),
    re_path(rf"\A/(?P<id>{UUID})$", api.WebhookDetailView.as_view(), name="webhook-detail"),
    re_path(rf"\A/(?P<id>{UUID})/test$", api.WebhookTestView.as_view(), name="webhook-test"),
    re_path(rf"\A/(?P<id>{UUID})/deliveries$", api.WebhookDeliveriesView.as_view(), name="webhook-deliveries"),
]
