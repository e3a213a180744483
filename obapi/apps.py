from django.apps import AppConfig


class ObapiConfig(AppConfig):
    """The 1EdTech Open Badges 3.0 and CLR 2.0 REST API, in both roles: Satchel as a host other
    tools connect to, and Satchel as a consumer of another host's credentials."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "obapi"
    verbose_name = "Open Badges / CLR API"
