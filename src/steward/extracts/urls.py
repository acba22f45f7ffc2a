app_name = "extracts"

urlpatterns: list = []
