"""Files written for the collections system: contacts, matches, flags, delta, worklist, import layouts."""
