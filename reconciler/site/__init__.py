"""The reference booking site: what `<subdomain>.opusdentalonline.com` does, faithfully
enough to test the reconciler against it over a real socket.

Its own package beside the layers: it imports only `reconciler.domain` and `reconciler.errors`
(and third-party libraries). The API contract is `schemas/booking-site.openapi.yaml`.

Its rooms:

    app.py       the ASGI app: routes, middleware, error handlers
    server.py    running it under uvicorn (tls.py: client certificates); background.py: in a
                 thread of this process; pki.py: a private CA for tests and the demo
    api/         HTTP: backend/ (the Online Client's API), public/ (the patients' API), dev.py
                 (the outbox), and what they share (who is asking, bodies, problems, limits)
    page/        the patient's page: server-rendered HTML (Jinja2) at / for
                 <subdomain>.<domain> and at /sites/<subdomain>/, built on the same functions
                 as the public API
    booking/     what booking means, apart from HTTP: settings, catalog, free time, the
                 patient form's rules, one-time codes, change rules, outcomes, messages
    store/       the SQLite store and schema, hashed secrets, holds on time, login sessions

Without HTTP: `create_store(path)` makes a store, `register_account(path, account_id, key,
subdomain)` registers an account (keeping only a hash of its key). Over HTTP: `create_app`
(ASGI) and `open_server` / `serve` (uvicorn).
"""

from reconciler.site.store import Store, create_store, register_account

__all__ = ["Store", "create_store", "register_account"]
