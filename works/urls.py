from django.urls import path

from works import views

app_name = "works"
urlpatterns = [
    path("", views.work_orders, name="work-orders"),
    path("orders/new/", views.work_order_create, name="work-order-create"),
    path("orders/<int:pk>/", views.work_order_detail, name="work-order"),
    path("orders/<int:pk>/status/", views.work_order_transition, name="work-order-transition"),
    path("orders/<int:pk>/photos/", views.work_order_photos, name="work-order-photos"),
    path("assets/", views.assets, name="assets"),
    path("assets/<int:pk>/", views.asset_detail, name="asset"),
    path("assets/<int:pk>/inspect/", views.inspection_create, name="inspection-create"),
    path("assets/<int:pk>/schedule/", views.schedule_create, name="schedule-create"),
    path("schedules/<int:pk>/stop/", views.schedule_stop, name="schedule-stop"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection"),
    path("inspections/<int:pk>/work-order/", views.inspection_work_order, name="inspection-work-order"),
    path("complaints/", views.complaints, name="complaints"),
    path("complaints/import/", views.complaints_import, name="complaints-import"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint"),
    path("complaints/<int:pk>/work-order/", views.complaint_work_order, name="complaint-work-order"),
    path("lifecycle/", views.lifecycle, name="lifecycle"),
    path("lifecycle/plan.xlsx", views.lifecycle_export, name="lifecycle-export"),
]
