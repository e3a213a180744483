"""Verdicts, formats and containers as choices (issue 11). Choices only: no column changes,
and every stored row keeps its value (`sqlmigrate` writes no SQL for it)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("wallet", "0019_merge_obapi_and_ecosystem"),
    ]

    operations = [
        migrations.AlterField(
            model_name="credential",
            name="container",
            field=models.CharField(
                blank=True,
                choices=[
                    ("json", "JSON"),
                    ("jwt", "JWT"),
                    ("sd-jwt", "SD-JWT"),
                    ("png", "Baked PNG image"),
                    ("svg", "Baked SVG image"),
                    ("url", "Link"),
                ],
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="credential",
            name="format",
            field=models.CharField(
                blank=True,
                choices=[
                    ("ob2-hosted", "Open Badges 2.0, hosted"),
                    ("ob2-signed", "Open Badges 2.0, signed"),
                    ("ob3", "Open Badges 3.0"),
                    ("clr2", "CLR 2.0"),
                    ("vc", "Verifiable credential"),
                    ("endorsement", "Endorsement"),
                    ("sd-jwt-vc", "SD-JWT VC"),
                ],
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="credential",
            name="verdict",
            field=models.CharField(
                blank=True,
                choices=[
                    ("verified", "Verified"),
                    ("verified_with_warnings", "Verified, with warnings"),
                    ("revoked", "Revoked by the issuer"),
                    ("suspended", "Suspended by the issuer"),
                    ("expired", "Expired"),
                    ("not_yet_valid", "Not yet valid"),
                    ("invalid_signature", "Signature does not verify"),
                    ("issuer_unreachable", "Issuer could not be reached"),
                    ("malformed", "Malformed"),
                    ("unsupported", "Unsupported"),
                ],
                max_length=30,
            ),
        ),
        migrations.AlterField(
            model_name="credentialversion",
            name="container",
            field=models.CharField(
                blank=True,
                choices=[
                    ("json", "JSON"),
                    ("jwt", "JWT"),
                    ("sd-jwt", "SD-JWT"),
                    ("png", "Baked PNG image"),
                    ("svg", "Baked SVG image"),
                    ("url", "Link"),
                ],
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="notice",
            name="kind",
            field=models.CharField(
                choices=[
                    ("verified", "Verified"),
                    ("verified_with_warnings", "Verified, with warnings"),
                    ("revoked", "Revoked by the issuer"),
                    ("suspended", "Suspended by the issuer"),
                    ("expired", "Expired"),
                    ("not_yet_valid", "Not yet valid"),
                    ("invalid_signature", "Signature does not verify"),
                    ("issuer_unreachable", "Issuer could not be reached"),
                    ("malformed", "Malformed"),
                    ("unsupported", "Unsupported"),
                ],
                max_length=30,
            ),
        ),
        migrations.AlterField(
            model_name="verificationrun",
            name="verdict",
            field=models.CharField(
                choices=[
                    ("verified", "Verified"),
                    ("verified_with_warnings", "Verified, with warnings"),
                    ("revoked", "Revoked by the issuer"),
                    ("suspended", "Suspended by the issuer"),
                    ("expired", "Expired"),
                    ("not_yet_valid", "Not yet valid"),
                    ("invalid_signature", "Signature does not verify"),
                    ("issuer_unreachable", "Issuer could not be reached"),
                    ("malformed", "Malformed"),
                    ("unsupported", "Unsupported"),
                ],
                max_length=30,
            ),
        ),
    ]
