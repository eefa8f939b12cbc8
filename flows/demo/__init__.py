"""The synthetic portfolio generator, scoring against its truth and fitting the confidence model.

Imported only by the commands that use them (`generate`, `demo`, `calibrate`)."""
