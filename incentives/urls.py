from . import views_certify, views_development, views_evaluation, views_honors, views_records

app_name = "incentives"

urlpatterns = (
    views_evaluation.urlpatterns
    + views_certify.urlpatterns
    + views_honors.urlpatterns
    + views_development.urlpatterns
    + views_records.urlpatterns
)
