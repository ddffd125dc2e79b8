from django.apps import AppConfig
from django.db.models.signals import post_delete
from django.utils.translation import gettext_lazy as _


class TryonConfig(AppConfig):
    name = "tryon"
    verbose_name = _("가상 피팅")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from common.remote.handlers import register
        from tryon import events, job_status, pipeline
        from tryon.models import TryOnJob

        # The webhook events try-on emits: the webhook engine lists and documents only what is registered.
        events.register_events()

        # The remote calls a try-on waits on, followed by the remote loop of the workers of the tryon queue.
        register(pipeline.GARMENT_FETCHES)
        register(pipeline.ENGINE_CALLS)

        # Deletes do not go through our services (the dashboard, cascades): the cached bodies must hear of them.
        post_delete.connect(job_status.retire_deleted_job, sender=TryOnJob, dispatch_uid="tryon-job-deleted")
