"""Take it all with you: the full export (one ZIP, optionally sealed) and its restore.

The export holds every original exactly as received (byte-identical, SHA-256 listed in the
manifest), the record around it (derived fields, tags, collections, verification history,
earlier versions, sanitised images, share settings without tokens), the learner-assembled
CLR bundle and a README for a human. Restore checks everything first (the seal, every
checksum, the manifest's shape) and then writes in one transaction, matching credentials by
their identity, so a second restore of the same file changes nothing. The file's verdicts
come back as history only (anyone can edit a file): a restored credential is "not checked
yet" until this wallet has verified it, at once for a small restore, else by tasks queued on
commit (and the hourly re-check takes any whose task was lost). The restore page does the
writing in a background job (`restore_jobs.py`); the API restores while it answers.
"""

from portability.services.archive import (
    ExportContents,
    ExportFile,
    export_archive,
    export_contents,
)
from portability.services.jobs import (
    EXPORT_JOB_RETENTION,
    EXPORT_LINK_LIFETIME,
    export_job_create,
    export_job_run,
    export_job_token,
    export_jobs_purge,
    export_jobs_sweep,
    export_token_hash,
)
from portability.services.restore import (
    RestoreOutcome,
    RestoreRefused,
    export_restore,
    read_export,
)
from portability.services.restore_jobs import (
    RESTORE_JOBS,
    restore_job_create,
    restore_job_run,
    restore_jobs_sweep,
)

__all__ = [
    "EXPORT_JOB_RETENTION",
    "EXPORT_LINK_LIFETIME",
    "RESTORE_JOBS",
    "ExportContents",
    "ExportFile",
    "RestoreOutcome",
    "RestoreRefused",
    "export_archive",
    "export_contents",
    "export_job_create",
    "export_job_run",
    "export_job_token",
    "export_jobs_purge",
    "export_jobs_sweep",
    "export_restore",
    "export_token_hash",
    "read_export",
    "restore_job_create",
    "restore_job_run",
    "restore_jobs_sweep",
]
