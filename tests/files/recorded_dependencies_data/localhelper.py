"""A local module beside the notebook."""
VALUE = 7
