"""Retrieval: embeddings, the vector store, the lexical index and their fusion."""
