"""团内激励 — models arrive with this app's issue."""
