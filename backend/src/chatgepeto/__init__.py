"""ChatGepeto: a study assistant that answers from course material, with citations."""

__version__ = "0.1.0"
