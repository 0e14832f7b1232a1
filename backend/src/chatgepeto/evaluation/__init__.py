"""Evaluation: IR metrics, the BEIR runner and the course-PDF question set runner."""
