"""Every way a credential arrives: an uploaded file, pasted text, a link, a ZIP of many, and
(in `intake.protocols`) the issuer protocols to come.

A channel here turns what arrived into bytes, `wallet.verification` turns the bytes into a
report, and `wallet.services.store` keeps the original and the report in the record.
"""
