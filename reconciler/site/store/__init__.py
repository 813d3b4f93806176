"""The site's SQLite store (`database`, `schema.sql`) and what it keeps beyond plain rows:
hashed secrets (`keys`), claims on a provider's time (`holds`) and patients' login sessions
(`sessions`)."""

from reconciler.site.store.database import Store, create_store, register_account

__all__ = ["Store", "create_store", "register_account"]
