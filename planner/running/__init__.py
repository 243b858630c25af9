"""Running: the pipeline the notebooks share, the batch runner and the command line."""
