"""The site's HTTP APIs: `backend/` (the Online Client's API, account key then token),
`public/` (the patients' API, the vendor's v1 paths and DTOs) and `dev` (the outbox, only with
dev=True); and what they share — who is asking (`accounts`, `certificates`), request bodies
(`bodies`, `http`, `wire`), refusals (`problems`), rate limits and idempotency keys."""
