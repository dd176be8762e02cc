"""(placeholder: filled by its feature)"""

urlpatterns = []
