"""The refresh flow and what runs it: parameters, stages, lock, inbox, Dask partitions, replay."""
