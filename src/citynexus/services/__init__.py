"""The application layer: use cases shared by every face (CLI, REST API, dashboard, report).

A service validates what a face hands it, checks role and ownership, calls the domain
packages and the store, and returns plain objects. Services import domain packages,
``data``, ``store``, ``i18n`` and ``errors``; never ``api``, ``web``, ``cli`` or ``report``.
"""
