"""The cast of the record's tests (an owner, a stranger, the test issuer serving every URL),
shared with portability's."""

from tests.wallet.conftest import issuer, make_credential, now, owner, stranger

__all__ = ["issuer", "make_credential", "now", "owner", "stranger"]
