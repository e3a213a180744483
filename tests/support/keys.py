"""Test keys: every key is derived from a fixed seed, so every signature is reproducible.

RSA keys cannot be derived from a seed with `cryptography`, so the two RSA keys are fixed
constants generated once for these tests (it protects nothing).
"""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551

_RSA_PEMS = {
    "issuer": b"""-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCZTOLjKwV/jsln
C2xbX4XJxeffc4wlHuO3KyYAbv1Dzil7OaXt2NbEeYfcpkeLzJHBWN1k/LaOTDkJ
X6wpCLAHDQUJb1YoIFRteqQr1D8bo8MzpGhvIJ5MKnCc0FYpWAidsMXMfFzK7EHO
v8iyIwYbRSEMbp1JuVUL6A7tYgsWl4xhNlX2D0UJVK8V0XQznlt+UxGwoK3BwCTn
u/mSIJKA7f7blwroONkdQ08o4o4sQO4CoSeMyw1VH3CbBaHRVEDO31CzemFhOuQA
4tENU0PgQdFTSCvvpWCFKO7WYOUQXjwvhEqMF1pthnjkZZbyEBB4Z2/u8dLPUY4I
KcblAPXjAgMBAAECggEABFY2fPK0nx0s+WtLT3JuWHzuyFV+e3ZaPs5Lrut04rws
VD4XQZlGyhweCdHyaDQLU4ruCHNVvsTNQESinC6QvEJUCCZMK6pueQJlLpA8kM2b
MhTOl4Y2tDTnJqiGJ3lEFSHxFo3WGi+A1RZ72P5Ap/jWrIFclb9WdpXEBlcltSfd
Kk8KSnIDA58jfBZoVR7F0/Ctzk6pPHrPaaNtC5N9gE1vlNEVzi9DjQ1ZpxYSxC1e
vTvTZdnfcA2EeUFaI5vBkNffubG43tOJCIdpYm1jQ8hEe12QjIZ7h/h5Czr1/sJ0
8m0wShGr2EMgysb77sPFp2+0V+vyYy2Nafl+sANBYQKBgQDPgDOOxlKwbek9WIDa
yXQfu+bL0hu8jiM2KIS4AyyuBREhf2BiZHewqCxaMfShmUSd8tQ0ebyvGYQda8+e
ieeL+FdDzhX9/ej3yFXqmN0udNgO8EbBNF4Q5yZ2rh8CfVAyl9E6x3cfhdxX/XrC
zapr07Vbdm1rIm9HBw1vl0fWCwKBgQC9IZqVRcmidzjBGqvzO1dkiFwDuxs8b4iC
+5Q6PWljRQ3C0GJ7U0doe5fTfS5KKF5/wQRe0kJiYrCEO/A6YNiFzuBXy4JpY0OU
8hF4A2fEESxqV60zNgb1QB1kl0XbtYMrcDCdilyVN+SHXs0ueyblpnDvywyCTrjF
jP+HbGJ+iQKBgGvpjWasJ2bP0mPv+htOd5DlZLMNUxVtikxpKBSWug7KXc1g9BxX
iZOa8m352vKLxg6qsceUpBcgGwA+CFy39W5qud9udyt/eEActOnrk+PMKm0icnma
JW1++RbxmPjveNzG7a42+/Gt6Rjtn4Fd+kpXcNLfNSppXxu+RDOLpnVfAoGATw7z
8j/42Evj0nyWshb1IhYJ+JlG+k1ZD/+f53RyUEe2R+AZupmGOPuo7IPgTKlxTw/d
BtH3Y+8DAFOZyJ1hBRYEG077lZgj0OgbO0KZJpFTMqSxxr1nzS7e2oSNdBj82rSL
7d6/crSpd5i+Rha+nLKldOc4tGO5wwJ8chxxU5kCgYEAly4bcUQh0vev3vHbcw3G
3zLsAq9jMqBl2o02FyU1BHto0nq+UVBjmcAEsIVOE37WC23yEcL5sW7saOpUGExo
GH4T9WdzvSXpwIfeDstBiNZKlLYjG/dem1a25GuIlLumreFORt1QjSHDXYkWsLz3
3wPb0NNDXakgLuLndRmJaHk=
-----END PRIVATE KEY-----
""",
    "other": b"""-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDSkbe7yOp2150U
7qg7KGC8M2Xz/t6wYG2zDFjTWerde3PrTkByJ9oq/j82o/6f1I2CFtRtHiawJNZS
5NaaRCVoZFWujRjesrNJyKiD1Zem0FM00EqtaLG7xC/s5DVNbAOi4TjTSNdf8pzB
eZa67L5OgSIuwlSiG2xrHtS7QoC/KKwnDPgzSXIn3evn2w79Ht3o7YHPxnxls0Ts
Z+5ZIc+kLNCGyz38lwlKnKe6s1LnAi9YsPV3doseQqfPCF383DxjAJmhFxU3QKtp
fgf3PsmY73FV6vtnrnr6CLa657B0DnB/IglB4Bki0jaO7sjorruad5ZryTULeMZz
sQ+r4x5DAgMBAAECggEAAc5Str51eFXvpiPc6cWbOYY0EE4Nh5JpM3//843Hr8Nk
2E4IsMfYxbhO+8zNYBJyN++yjsM78BQfieyfaZ2qexlUWxxx5S+yYeZG2qpkv+sC
lww8s+/GOMbblMoK5qxuJIA+KLVSF4+L4xp9Tokpa7trN5tlOin2NKL9gPtv5sSj
MRbJn0o1fHWLWxDjqJS2jRvSWQ5Eewp0SrLb3567BHfPD/JwbfRUMFbbPyzgXYRm
kkk/Lt3M5lWI50CvBkZBuV1f07uwNbkzFRSRnYDVNOMg259NTmsKVVJRbEVd40LW
8kFOgeL43xSThJDsIKR7BeFXPHez6hruK1qcUkLB7QKBgQD+e4jnYe/2yaCYwNdK
hIO8uFcl0ZbyxVypuCeGrlkoPFzESin8h2EcCyXymToOtGA7Rt6DsjrIw0m7k5Iq
m4D1NF3jwIrFMvLEyzt0TQT98b4AzKZhYuza+qxXzBin7Q0A8MBjTqeNWHmYSE2T
qQWGgacS40IfeLlt4arQocNGtQKBgQDT0yZNW4xa1al1iWaO6L3aBEZNsKV4nDV+
kqQtDiUScTRglSqtvHFxG8xIBgfQ/i61J/hkjwe6esCBoimYL6Tk568fwbnlTSuB
vWz28dPJXAjpnsf777g1rSebWPoVzA8QllUfpcR0wRG2/Dn74U8oAxxafHAjPYdb
LHNwXu80FwKBgGo0djtSpUoSdcKqYG9KBIzDRiOTZ/LjqTtvjpdnte/T2UdWSFWK
zl1czbaEejVe0/aJKh4+SMg2sFPnT44Wneg3taNyXLfV/nlg8+wipJ2ywQAmaJ2m
IoF1Mm3l0LhsdwvYbgJD9itILF8AddfVJ2guPeLlE1h9Eq4oCxjNGektAoGBAIxM
/sGeMYi4nFVNfLCLV7RfwHEU34TTclszpapyA/wDHz4ZjvskJb9VOik6VVMICMfU
gaGZWvUY+Qjj78jtRbqX+lZ+ajKGuppkbRfjdPOaEg0rLiqgzNJArksm0/47+n5y
FE+x7D2o46LfzUgYI+XMqasFYQD2cADjoFJ9jtJhAoGBAMWYlDujHBXBheOHoJot
CCvcVGLzI26UNvwy6YP7YCisR85BFu0QBJ9ZkmfN3HYUQylGli1wEm2UQJU6evgq
UNDiw6HwjimNrAZ9VTTCsn2THrkZ406CLeCOoc62jWVJNZPIbE1g50f2WPmME/DF
Lz0ibuQq78Mt1V+M2nl6u7wf
-----END PRIVATE KEY-----
""",
}


def _seed_bytes(label: str) -> bytes:
    return hashlib.sha256(f"satchel-test-key:{label}".encode()).digest()


def ed25519_key(label: str) -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.from_private_bytes(_seed_bytes(label))


def p256_key(label: str) -> ec.EllipticCurvePrivateKey:
    scalar = int.from_bytes(_seed_bytes(label), "big") % (_P256_ORDER - 1) + 1
    return ec.derive_private_key(scalar, ec.SECP256R1())


def rsa_key(label: str = "issuer") -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(_RSA_PEMS[label], password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
