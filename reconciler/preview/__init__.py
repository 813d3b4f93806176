"""`reconciler preview`: an account's booking site as it would be after apply, served by the
reference site from a temporary store on a loopback port — built from the config, with the
Opus database read (never written) when it is reachable, and rebuilt when the config
changes. Neither Opus nor the account's live site is touched."""
