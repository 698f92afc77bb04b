"""Magic links: the signed tokens Gatehouse and the custom-auth triggers share (``tokens``) and
the link records the triggers keep (``records``: SQLite locally, DynamoDB on AWS)."""
