"""Webhook management API (Toile): Bearer JWT of a merchant user, ``{data}`` envelope, Toile errors."""

from __future__ import annotations

from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from merchants.api import ToileDashboardView
from webhooks import selectors, services
from webhooks.serializers import (
    EndpointCreateSerializer,
    EndpointUpdateSerializer,
    delivery_data,
    endpoint_data,
)


class WebhookListCreateView(ToileDashboardView):
    def get(self, request: Request) -> Response:
        endpoints = selectors.endpoints_for_merchant(merchant=self.merchant)
        return Response({"data": {"items": [endpoint_data(endpoint) for endpoint in endpoints]}})

    def post(self, request: Request) -> Response:
        serializer = EndpointCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint, secret = services.create_endpoint(merchant=self.merchant, **serializer.validated_data)
        # The only response that ever carries the secret.
        return Response({"data": {**endpoint_data(endpoint), "secret": secret}}, status=status.HTTP_201_CREATED)


class WebhookDetailView(ToileDashboardView):
    def patch(self, request: Request, endpoint_id: str) -> Response:
        endpoint = selectors.endpoint_for_merchant(merchant=self.merchant, endpoint_id=endpoint_id)
        serializer = EndpointUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        endpoint = services.update_endpoint(
            endpoint=endpoint, url=values.get("url"), events=values.get("events"), is_active=values.get("isActive")
        )
        return Response({"data": endpoint_data(endpoint)})

    def delete(self, request: Request, endpoint_id: str) -> Response:
        endpoint = selectors.endpoint_for_merchant(merchant=self.merchant, endpoint_id=endpoint_id)
        services.delete_endpoint(endpoint=endpoint)
        return Response({"data": {}})


class WebhookTestView(ToileDashboardView):
    def post(self, request: Request, endpoint_id: str) -> Response:
        endpoint = selectors.endpoint_for_merchant(merchant=self.merchant, endpoint_id=endpoint_id)
        delivery = services.send_test_event(endpoint=endpoint)
        return Response({"data": delivery_data(delivery)})


class WebhookDeliveriesView(ToileDashboardView):
    def get(self, request: Request, endpoint_id: str) -> Response:
        endpoint = selectors.endpoint_for_merchant(merchant=self.merchant, endpoint_id=endpoint_id)
        page = selectors.deliveries_page(
            endpoint=endpoint,
            cursor=request.query_params.get("cursor") or None,
            take=selectors.parse_take(request.query_params.get("take")),
        )
        return Response({"data": {"items": [delivery_data(d) for d in page.items], "nextCursor": page.next_cursor}})


class DeliveryReplayView(ToileDashboardView):
    def post(self, request: Request, delivery_id: str) -> Response:
        delivery = selectors.delivery_for_merchant(merchant=self.merchant, delivery_id=delivery_id)
        return Response({"data": delivery_data(services.replay_delivery(delivery=delivery))})
