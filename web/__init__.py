"""The web layer: create_app() (web.app), pages, socket namespace, templates and static files.

Kept empty on purpose: `web.entry` must be able to patch the standard library for gevent
before Flask or anything else is imported.
"""
