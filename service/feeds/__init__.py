"""Batch scoring of RSS/Atom feeds: fetch, parse, score, store and report.

The library entry point is :func:`service.feeds.run.score_feeds`; the command is
``headline-lens feeds``; the service exposes ``POST /score_feed`` through
:mod:`service.feeds.api`.
"""
