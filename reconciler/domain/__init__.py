"""Pure values and rules of the domain: no I/O, no configuration, no framework."""
