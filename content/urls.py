from django.urls import path

from content import api

urlpatterns = [
    path("images/generate", api.GenerateImagesView.as_view(), name="content-generate"),
    path("images/jobs/<str:jobId>", api.JobStatusView.as_view(), name="content-job"),
    path("images/<str:imageId>/regenerate", api.RegenerateImageView.as_view(), name="content-regenerate"),
    path("images/<str:imageId>", api.ImageView.as_view(), name="content-image"),
    path("events/<str:eventDraftId>/images", api.EventImagesView.as_view(), name="content-event-images"),
    path("events/<str:eventDraftId>/archive", api.EventArchiveView.as_view(), name="content-event-archive"),
    path("events/<str:eventDraftId>", api.EventContentView.as_view(), name="content-event"),
]
