"""The synthetic demo account of ``dgdata serve --demo``.

:mod:`.cast` holds its people, projects, keys and the rest, :mod:`.traffic` draws its 90 days of
requests, and :mod:`.account` seeds both into the server through the backend
(:func:`~.account.seed_demo`, :func:`~.account.build_demo`).
"""
