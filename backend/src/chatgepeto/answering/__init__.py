"""Answering: prompts, the LLM, extractive answers, citations and conversations."""
