from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import pre_delete


def _end_links_of_deleted_account(sender: Any, instance: Any, **kwargs: Any) -> None:
    # Accounts sit below sharing (the layers point down), so sharing listens for the deletion
    # rather than being called by it; any deletion (the learner's, the admin's) counts.
    from sharing.services import share_links_end_with_account

    share_links_end_with_account(owner=instance)


class SharingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sharing"

    def ready(self) -> None:
        pre_delete.connect(
            _end_links_of_deleted_account,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="sharing.end_links_of_deleted_account",
        )
