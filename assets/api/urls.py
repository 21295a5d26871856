from rest_framework.routers import SimpleRouter

from assets.api import views

router = SimpleRouter()
router.register("parcels", views.ParcelViewSet, basename="parcel")
router.register("buildings", views.BuildingViewSet, basename="building")
router.register("owners", views.OwnerViewSet, basename="owner")
router.register("signboards", views.SignboardViewSet, basename="signboard")
router.register("infrastructure", views.InfrastructureAssetViewSet, basename="infrastructure")

urlpatterns = router.urls
