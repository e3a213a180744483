"""Out to yourself: the learner-assembled CLR 2.0 bundle, the full export (one ZIP,
optionally sealed with a passphrase) and its restore.

It reads the record through wallet's selectors and signs only through accounts (the holder
key); the restore opens archives through intake's ZIP guard.
"""
