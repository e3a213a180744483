"""Issuer protocols: where credentials offered by an issuer arrive.

`links.py` says what a pasted, opened or scanned link is; `openid4vci.py` is OpenID for
Verifiable Credential Issuance 1.0; `vcapi.py` is the holder's side of a VC-API (VCALM)
exchange, the one client receiving and presenting share. Each reads like its specification
(its steps as functions named after the specification's steps, the section cited once at the
top), fetches only through the outbound door, and hands what it receives to
`intake.services.receiving`, which stores it through `wallet.services.store`.
"""
