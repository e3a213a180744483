"""Presenting on request: where a verifier asks for credentials and the learner answers
(OpenID for Verifiable Presentations, VC-API presentation exchanges).

Each protocol has one module that reads like its specification (its steps as
functions named after the specification's steps, the section cited once at the top). It
reads the record through wallet's selectors, signs through accounts (the holder key), and
sends nothing without the learner's consent.
"""
