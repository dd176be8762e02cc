"""团组织关系转接 — models arrive with this app's issue."""
