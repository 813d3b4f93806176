"""What booking means on the site, apart from HTTP: its settings, catalog, free-time
arithmetic, the patient form's rules, one-time codes, the rules for moves and cancellations,
what happens when an action counts, and the messages patients get."""
