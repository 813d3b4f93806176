"""The runtime half: what the books offer patients now (`slots`), why a time is or is not
offered (`explain`), and the sync service that keeps the booking site equal to the books."""
