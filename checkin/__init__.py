"""checkin: daily check-in and early-warning service for employment retention support."""

__version__ = "0.1.0"
