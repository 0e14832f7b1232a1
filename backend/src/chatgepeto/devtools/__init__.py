"""Tools for developing and testing without the network: a fake Groq server."""
