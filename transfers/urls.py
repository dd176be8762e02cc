from . import views_approve, views_handle, views_my

app_name = "transfers"
urlpatterns = []
# Each feature keeps its routes beside its views.
for feature in (views_handle, views_approve, views_my):
    urlpatterns += feature.urlpatterns
