"""The reference booking site: what `<subdomain>.opusdentalonline.com` does, faithfully
enough to test the reconciler against it over a real socket.

Its own package beside the layers: it imports only `reconciler.domain` and `reconciler.errors`
(and third-party libraries). The API contract is `schemas/booking-site.openapi.yaml`.

Without HTTP: `create_store(path)` makes a store, `register_account(path, account_id, key,
subdomain)` registers an account (keeping only a hash of its key). Over HTTP: `create_app`
(ASGI) and `server_config` / `serve` (uvicorn).
"""

from reconciler.site.store import Store, create_store, register_account

__all__ = ["Store", "create_store", "register_account"]
