"""Backend API (`/api/backend/v1/…`): what the Online Client (here: `apply` and `sync`) uses —
the account and its databases, master data, the site settings, free time, the booking feed."""
