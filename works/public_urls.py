from django.urls import path

from works import public

app_name = "works-public"
urlpatterns = [
    path("<str:code>/", public.complaint_form, name="complaint"),
    path("<str:code>/sent/", public.complaint_sent, name="sent"),
]
