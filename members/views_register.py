"""(placeholder: 管理员注册)"""

urlpatterns = []
