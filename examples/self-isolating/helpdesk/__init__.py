"""Helpdesk: a ticket queue with references, fair assignment and business-hours SLAs."""
