from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_delete, pre_delete
from django.utils.translation import gettext_lazy as _


class ContentConfig(AppConfig):
    name = "content"
    verbose_name = _("콘텐츠")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from common.metrics import register_live_read
        from common.postgres import use_fast_array_escape
        from common.readiness import register_readiness_check
        from common.remote.handlers import register
        from content import job_status, pipeline
        from content.kafka.config import kafka_configured
        from content.kafka.health import check_consumers
        from content.kafka.metrics import kafka_state
        from content.models import GeneratedImage, ImageJob

        # A Kafka batch's jobs are inserted with bulk_create, whose arrays psycopg escaped slowly (common/postgres.py).
        connection_created.connect(use_fast_array_escape, dispatch_uid="postgres-fast-array-escape")
        # The AI artwork requests, followed by the remote loop of the workers of the content queue.
        register(pipeline.ARTWORK_REQUESTS)

        # Deletes do not go through our services (admin, cascades): the cached job bodies must hear of them.
        post_delete.connect(job_status.retire_deleted_job, sender=ImageJob, dispatch_uid="content-job-deleted")
        pre_delete.connect(
            job_status.retire_jobs_listing_deleted_image, sender=GeneratedImage, dispatch_uid="content-image-deleted"
        )
        # The Kafka intake's consumers in /metrics and /readyz (a dead consumer degrades, the API still serves).
        register_live_read(kafka_state)
        register_readiness_check("kafkaConsumer", check_consumers, enabled=kafka_configured, degrades_only=True)
