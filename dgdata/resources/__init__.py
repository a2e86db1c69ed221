"""Resource groups: one module per group of Deepgram endpoints, one method per operation."""
