"""Public API (`/api/public/v1/…`): what a patient's browser or app uses — browsing free time,
reservations, booking, moving, cancelling, confirming with a code, and logging in by SMS."""
