"""Issuer protocols: where credentials offered by an issuer arrive (OpenID for Verifiable
Credential Issuance, VC-API exchanges; the Open Badges / CLR API as a client is still to come).

Each protocol has one module that reads like its specification (its steps as
functions named after the specification's steps, the section cited once at the top), and
hands what it receives to the same store as every other channel (`wallet.services.store`),
fetching only through `config.outbound`.
"""
