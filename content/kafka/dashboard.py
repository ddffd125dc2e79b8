"""How the jobs page of the dashboard shows where a job came from: the API, or a Kafka record (topic,
partition, offset)."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from content.kafka.models import KafkaJobSource
from content.models import ImageJob


def kafka_source(job: ImageJob) -> KafkaJobSource | None:
    try:
        return job.kafka_source
    except ObjectDoesNotExist:
        return None


def job_source_html(job: ImageJob) -> str:
    source = kafka_source(job)
    if source is None:
        return _("API")
    return format_html(
        'Kafka <span class="tl-kafka-source">{}</span>',
        _("%(topic)s · 파티션 %(partition)s · 오프셋 %(offset)s")
        % {"topic": source.topic, "partition": source.partition, "offset": source.offset},
    )


class JobSourceFilter(admin.SimpleListFilter):
    title = gettext_lazy("접수 경로")
    parameter_name = "source"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("api", _("API")), ("kafka", "Kafka")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "kafka":
            return queryset.filter(kafka_source__isnull=False)
        if self.value() == "api":
            return queryset.filter(kafka_source__isnull=True)
        return queryset
