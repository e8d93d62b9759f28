"""Live agent takeover: the queue of escalated conversations, the agent console, sign-in."""
