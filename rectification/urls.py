from . import views_correction, views_grading, views_progress, views_review, views_self_check

app_name = "rectification"
urlpatterns = []
# Each feature keeps its routes beside its views.
for feature in (views_self_check, views_review, views_progress, views_correction, views_grading):
    urlpatterns += feature.urlpatterns
