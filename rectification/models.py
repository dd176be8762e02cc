"""组织整顿与对标定级 — models arrive with this app's issue."""
