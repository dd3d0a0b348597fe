"""Authoring and teaching tools beside the course: executing, grading and publishing lessons."""
