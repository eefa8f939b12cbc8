"""What compliance asks afterwards: the run registry, lineage and explain, retention."""
