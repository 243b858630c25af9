"""Reading: the params file and the data, checked and parsed."""
