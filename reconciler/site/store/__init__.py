"""The site's SQLite store (`database`, `schema.sql`) and what it keeps beyond plain rows:
hashed secrets (`keys`), claims on a provider's time (`holds`), patients' login sessions
(`sessions`) and each account's state version (kept by triggers in `schema.sql`)."""

from reconciler.site.store.database import Store, create_store, register_account

__all__ = ["Store", "create_store", "register_account"]
