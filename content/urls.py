from django.urls import path

from content import api

urlpatterns = [
    path("images/generate", api.GenerateImagesView.as_view(), name="content-generate"),
    path("images/jobs/<str:job_id>", api.JobStatusView.as_view(), name="content-job"),
    path("images/<str:image_id>/regenerate", api.RegenerateImageView.as_view(), name="content-regenerate"),
    path("images/<str:image_id>", api.ImageView.as_view(), name="content-image"),
    path("events/<str:event_draft_id>/images", api.EventImagesView.as_view(), name="content-event-images"),
    path("events/<str:event_draft_id>", api.EventContentView.as_view(), name="content-event"),
]
