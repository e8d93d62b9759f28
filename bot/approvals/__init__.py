"""Approval of requests (ITIL request fulfilment): who is asked, how, and how a decision is
taken exactly once. See :mod:`bot.approvals.desk`."""
