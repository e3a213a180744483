"""The record's cast (an owner, a stranger, the test issuer serving every URL), for the
tests of the machinery the apps share (jobs)."""

from tests.wallet.conftest import issuer, make_credential, now, owner, stranger

__all__ = ["issuer", "make_credential", "now", "owner", "stranger"]
