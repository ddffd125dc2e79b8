from django.urls import path

from tryon import api, verify_views, views

urlpatterns = [
    path("api/tryon", api.TryOnCreateView.as_view(), name="tryon-create"),
    path("api/ai-notice", api.AiNoticeView.as_view(), name="tryon-ai-notice"),
    path("api/tryon/<uuid:jobId>", api.TryOnDetailView.as_view(), name="tryon-detail"),
    path("api/tryon/<uuid:jobId>/feedback", api.TryOnFeedbackView.as_view(), name="tryon-feedback"),
    path("api/tryon/<uuid:jobId>/share", api.TryOnShareView.as_view(), name="tryon-share"),
    path("api/share/<str:token>", api.ShareDetailView.as_view(), name="tryon-share-detail"),
    path("api/share/<str:token>/og-image", api.ShareOgImageView.as_view(), name="tryon-share-og-image"),
    path("share/<str:token>", views.share_page, name="tryon-share-page"),
    path("media/tryon/<str:token>", views.serve_signed_file, name="tryon-file"),
    path("hooks/tryon-engine/<str:token>", views.engine_callback, name="tryon-engine-callback"),
    path("verify", verify_views.verify_page, name="verify-page"),
    path("api/verify", verify_views.VerifyApiView.as_view(), name="verify-api"),
]
